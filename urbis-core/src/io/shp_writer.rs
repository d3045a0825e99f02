//! Streaming ESRI Shapefile writer: `.shp` + `.shx` geometry and index, `.dbf` attributes in
//! UTF-8 (declared by a `.cpg` holding `UTF-8`), `.prj` with the CRS as OGC WKT1.
//!
//! * One geometry type per file: points (type 1), multipoints (8), lines (PolyLine, 3) or
//!   polygons (Polygon, 5, exterior rings clockwise and holes counter-clockwise as the format
//!   requires). Features without geometry are written as null shapes. A layer of mixed types is
//!   refused.
//! * dBase field names are at most 10 bytes: see [`dbf_field_names`] for the mapping.
//! * Text fields are `C` fields as wide as the longest value (in UTF-8 bytes, at most 254; longer
//!   values are cut at a character boundary), integers `N(w,0)`, reals `N(24,15)` as GDAL
//!   writes them.
//! * The format cannot address more than 2 GB per file: [`ShpWriter`] checks the size of the
//!   `.shp` and `.dbf` before every record and fails with a message saying so (and what to
//!   download instead) rather than writing a file that readers would misread.

use std::fs::File;
use std::io::{BufWriter, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};

use geo::orient::{Direction, Orient};
use geo::{BoundingRect, Coord, Geometry, LineString, Polygon, Rect};

use crate::error::WriteError;
use crate::io::writer::{
    as_integer, as_real, as_text_cow, field_value, io_err, FeatureWriter, Field, FieldType,
    LayerSchema,
};
use crate::model::Feature;

/// The largest `.shp` or `.dbf` written: 2 GiB − 1 (offsets in the format are signed 32-bit).
pub const MAX_FILE_SIZE: u64 = i32::MAX as u64;

const NULL_SHAPE: i32 = 0;
const POINT: i32 = 1;
const POLYLINE: i32 = 3;
const POLYGON: i32 = 5;
const MULTIPOINT: i32 = 8;

/// Width and decimals of real fields, as GDAL writes them.
const REAL_WIDTH: usize = 24;
const REAL_DECIMALS: usize = 15;

/// The dBase field names for `fields`, in order: characters other than ASCII letters, digits
/// and `_` become `_`; names are cut to 10 bytes; a name equal (ignoring case) to an earlier
/// one is cut to 8 bytes and suffixed `_1` … `_9`, then cut to 7 bytes and suffixed `_10` …
/// `_99` (the scheme GDAL uses). The M8 field names all fit and come out unchanged.
pub fn dbf_field_names(fields: &[Field]) -> Vec<String> {
    let mut out: Vec<String> = Vec::with_capacity(fields.len());
    let taken = |out: &Vec<String>, n: &str| out.iter().any(|o| o.eq_ignore_ascii_case(n));
    for f in fields {
        let clean: String = f
            .name
            .chars()
            .map(|c| {
                if c.is_ascii_alphanumeric() || c == '_' {
                    c
                } else {
                    '_'
                }
            })
            .collect();
        let clean = if clean.is_empty() {
            "FIELD".to_string()
        } else {
            clean
        };
        let mut name: String = clean.chars().take(10).collect();
        if taken(&out, &name) {
            let mut n = 1;
            loop {
                let suffix = format!("_{n}");
                let base: String = clean.chars().take(10 - suffix.len()).collect();
                let candidate = format!("{base}{suffix}");
                if !taken(&out, &candidate) || n >= 999 {
                    name = candidate;
                    break;
                }
                n += 1;
            }
        }
        out.push(name);
    }
    out
}

/// One dBase column.
struct DbfField {
    field: Field,
    kind: u8,
    width: usize,
    decimals: usize,
}

/// The state of a Shapefile being written.
struct ShpWriter {
    shp: BufWriter<File>,
    shx: BufWriter<File>,
    dbf: BufWriter<File>,
    paths: [PathBuf; 5],
    shape_type: i32,
    fields: Vec<DbfField>,
    record_len: usize,
    /// Bytes written to the `.shp` (header included).
    shp_len: u64,
    dbf_len: u64,
    records: u32,
    extent: Option<Rect<f64>>,
    limit: u64,
    layer: String,
    content: Vec<u8>,
    row: Vec<u8>,
}

fn shape_type(geometry_type: &str) -> Option<i32> {
    match geometry_type {
        "POINT" => Some(POINT),
        "MULTIPOINT" => Some(MULTIPOINT),
        "LINESTRING" | "MULTILINESTRING" => Some(POLYLINE),
        "POLYGON" | "MULTIPOLYGON" => Some(POLYGON),
        _ => None,
    }
}

impl ShpWriter {
    /// Start `<stem>.shp/.shx/.dbf/.prj/.cpg` for `path` (the `.shp` path), refusing to
    /// write a `.shp` or `.dbf` larger than `limit` bytes.
    fn with_size_limit(path: &Path, schema: &LayerSchema, limit: u64) -> Result<Self, WriteError> {
        let shape_type = shape_type(schema.geometry_type).ok_or_else(|| {
            WriteError::Invalid(format!(
                "{}: layer `{}` mixes geometry types, which a Shapefile cannot hold \
                 (download GeoPackage or FlatGeobuf instead)",
                path.display(),
                schema.name
            ))
        })?;
        if schema.fields.len() > 255 {
            return Err(WriteError::Invalid(format!(
                "{}: {} fields; a dBase file holds at most 255",
                path.display(),
                schema.fields.len()
            )));
        }
        let names = dbf_field_names(&schema.fields);
        let fields: Vec<DbfField> = schema
            .fields
            .iter()
            .zip(names)
            .map(|(f, name)| {
                let (kind, width, decimals) = match f.ty {
                    FieldType::Text => (b'C', f.width.clamp(1, 254), 0),
                    FieldType::Integer => (b'N', f.width.clamp(1, 20), 0),
                    FieldType::Real => (b'N', REAL_WIDTH, REAL_DECIMALS),
                };
                DbfField {
                    field: Field {
                        name,
                        ty: f.ty,
                        width,
                    },
                    kind,
                    width,
                    decimals,
                }
            })
            .collect();
        let record_len = 1 + fields.iter().map(|f| f.width).sum::<usize>();
        if record_len > u16::MAX as usize {
            return Err(WriteError::Invalid(format!(
                "{}: dBase records of {record_len} bytes exceed the 65,535 allowed",
                path.display()
            )));
        }
        let with_ext = |ext: &str| path.with_extension(ext);
        let paths = [
            with_ext("shp"),
            with_ext("shx"),
            with_ext("dbf"),
            with_ext("prj"),
            with_ext("cpg"),
        ];
        std::fs::write(&paths[3], schema.crs.wkt()).map_err(io_err(&paths[3]))?;
        std::fs::write(&paths[4], "UTF-8").map_err(io_err(&paths[4]))?;
        let open = |p: &Path| {
            File::create(p)
                .map(|f| BufWriter::with_capacity(1 << 16, f))
                .map_err(io_err(p))
        };
        let mut shp = open(&paths[0])?;
        let mut shx = open(&paths[1])?;
        let mut dbf = open(&paths[2])?;
        // Placeholder headers, rewritten by `finish`.
        shp.write_all(&[0u8; 100]).map_err(io_err(&paths[0]))?;
        shx.write_all(&[0u8; 100]).map_err(io_err(&paths[1]))?;
        let header = dbf_header(&fields, 0, record_len);
        dbf.write_all(&header).map_err(io_err(&paths[2]))?;
        Ok(ShpWriter {
            shp,
            shx,
            dbf,
            shape_type,
            record_len,
            shp_len: 100,
            dbf_len: header.len() as u64,
            records: 0,
            extent: None,
            limit,
            layer: schema.name.clone(),
            fields,
            paths,
            content: Vec::with_capacity(4096),
            row: Vec::with_capacity(record_len),
        })
    }

    fn too_big(&self, which: usize, size: u64) -> WriteError {
        WriteError::Invalid(format!(
            "{}: layer `{}` does not fit in a Shapefile: the {} file would exceed the format's \
             2 GB limit ({size} bytes at record {}); download it as GeoPackage or FlatGeobuf, \
             or a smaller extract (bbox, municipality)",
            self.paths[which].display(),
            self.layer,
            if which == 0 { ".shp" } else { ".dbf" },
            self.records + 1
        ))
    }

    /// Encode the record content of `g` into `self.content`.
    fn encode(&mut self, g: &Geometry<f64>) -> Result<(), String> {
        let c = &mut self.content;
        c.clear();
        let put_i = |c: &mut Vec<u8>, v: i32| c.extend_from_slice(&v.to_le_bytes());
        let put_f = |c: &mut Vec<u8>, v: f64| c.extend_from_slice(&v.to_le_bytes());
        let put_bbox = |c: &mut Vec<u8>, r: Rect<f64>| {
            for v in [r.min().x, r.min().y, r.max().x, r.max().y] {
                c.extend_from_slice(&v.to_le_bytes());
            }
        };
        let parts_of = |rings: &[&[Coord<f64>]], c: &mut Vec<u8>, ty: i32, r: Rect<f64>| {
            let n_points: usize = rings.iter().map(|r| r.len()).sum();
            put_i(c, ty);
            put_bbox(c, r);
            put_i(c, rings.len() as i32);
            put_i(c, n_points as i32);
            let mut start = 0i32;
            for r in rings {
                put_i(c, start);
                start += r.len() as i32;
            }
            for r in rings {
                for p in r.iter() {
                    put_f(c, p.x);
                    put_f(c, p.y);
                }
            }
        };
        let empty = crate::geom::wkb::is_empty(g);
        let rect = if empty { None } else { g.bounding_rect() };
        let Some(r) = rect else {
            put_i(c, NULL_SHAPE);
            return Ok(());
        };
        match (self.shape_type, g) {
            (POINT, Geometry::Point(p)) => {
                put_i(c, POINT);
                put_f(c, p.x());
                put_f(c, p.y());
            }
            (MULTIPOINT, Geometry::Point(p)) => {
                put_i(c, MULTIPOINT);
                put_bbox(c, r);
                put_i(c, 1);
                put_f(c, p.x());
                put_f(c, p.y());
            }
            (MULTIPOINT, Geometry::MultiPoint(mp)) => {
                put_i(c, MULTIPOINT);
                put_bbox(c, r);
                put_i(c, mp.0.len() as i32);
                for p in &mp.0 {
                    put_f(c, p.x());
                    put_f(c, p.y());
                }
            }
            (POLYLINE, Geometry::LineString(l)) => {
                parts_of(&[l.0.as_slice()], c, POLYLINE, r);
            }
            (POLYLINE, Geometry::MultiLineString(ml)) => {
                let rings: Vec<&[Coord<f64>]> =
                    ml.0.iter()
                        .filter(|l| !l.0.is_empty())
                        .map(|l| l.0.as_slice())
                        .collect();
                parts_of(&rings, c, POLYLINE, r);
            }
            (POLYGON, Geometry::Polygon(p)) => {
                let rings = shp_rings(std::slice::from_ref(p));
                let refs: Vec<&[Coord<f64>]> = rings.iter().map(|l| l.0.as_slice()).collect();
                parts_of(&refs, c, POLYGON, r);
            }
            (POLYGON, Geometry::MultiPolygon(mp)) => {
                let rings = shp_rings(&mp.0);
                let refs: Vec<&[Coord<f64>]> = rings.iter().map(|l| l.0.as_slice()).collect();
                parts_of(&refs, c, POLYGON, r);
            }
            (_, other) => {
                return Err(format!(
                    "a {} cannot be written to a Shapefile of shape type {}",
                    geometry_name(other),
                    self.shape_type
                ))
            }
        }
        self.extent = Some(match self.extent {
            None => r,
            Some(e) => Rect::new(
                (e.min().x.min(r.min().x), e.min().y.min(r.min().y)),
                (e.max().x.max(r.max().x), e.max().y.max(r.max().y)),
            ),
        });
        Ok(())
    }

    /// Encode the dBase record of `f` into `self.row`.
    fn encode_row(&mut self, f: &Feature, source_fields: &[String]) {
        let row = &mut self.row;
        row.clear();
        row.push(b' ');
        for (df, source) in self.fields.iter().zip(source_fields) {
            let v = field_value(f, source);
            let text = match (df.field.ty, v) {
                (_, None) => None,
                (FieldType::Text, Some(v)) => as_text_cow(v),
                (FieldType::Integer, Some(v)) => as_integer(v)
                    .map(|i| i.to_string())
                    .filter(|s| s.len() <= df.width)
                    .map(std::borrow::Cow::Owned),
                (FieldType::Real, Some(v)) => as_real(v)
                    .and_then(|x| real_text(x, df.width))
                    .map(std::borrow::Cow::Owned),
            };
            let text = text.unwrap_or_default();
            let bytes = cut(&text, df.width).as_bytes();
            if df.kind == b'N' {
                row.extend(std::iter::repeat_n(b' ', df.width - bytes.len()));
                row.extend_from_slice(bytes);
            } else {
                row.extend_from_slice(bytes);
                row.extend(std::iter::repeat_n(b' ', df.width - bytes.len()));
            }
        }
    }

    /// Write one feature (geometry in the schema's CRS), with the source field names.
    fn write_with(&mut self, f: &Feature, source_fields: &[String]) -> Result<(), WriteError> {
        self.encode(&f.geometry).map_err(|e| {
            WriteError::Invalid(format!(
                "{}: feature {}: {e}",
                self.paths[0].display(),
                f.id
            ))
        })?;
        let rec = 8 + self.content.len() as u64;
        if self.shp_len + rec > self.limit {
            return Err(self.too_big(0, self.shp_len + rec));
        }
        if self.dbf_len + self.record_len as u64 + 1 > self.limit {
            return Err(self.too_big(2, self.dbf_len + self.record_len as u64 + 1));
        }
        self.encode_row(f, source_fields);
        let offset_words = (self.shp_len / 2) as i32;
        let len_words = (self.content.len() / 2) as i32;
        let number = self.records as i32 + 1;
        let shp_err = io_err(&self.paths[0]);
        self.shp
            .write_all(&number.to_be_bytes())
            .and_then(|_| self.shp.write_all(&len_words.to_be_bytes()))
            .and_then(|_| self.shp.write_all(&self.content))
            .map_err(shp_err)?;
        self.shx
            .write_all(&offset_words.to_be_bytes())
            .and_then(|_| self.shx.write_all(&len_words.to_be_bytes()))
            .map_err(io_err(&self.paths[1]))?;
        self.dbf
            .write_all(&self.row)
            .map_err(io_err(&self.paths[2]))?;
        self.shp_len += rec;
        self.dbf_len += self.record_len as u64;
        self.records += 1;
        Ok(())
    }
}

/// Writes one layer as a Shapefile (see the [module documentation](self)).
pub struct ShapefileLayerWriter {
    inner: ShpWriter,
    source_fields: Vec<String>,
}

impl ShapefileLayerWriter {
    /// Start `<stem>.shp/.shx/.dbf/.prj/.cpg` for `path` (the `.shp` path).
    pub fn create(path: &Path, schema: &LayerSchema) -> Result<Self, WriteError> {
        Self::with_size_limit(path, schema, MAX_FILE_SIZE)
    }

    /// As [`Self::create`] with another size limit per file than [`MAX_FILE_SIZE`].
    pub fn with_size_limit(
        path: &Path,
        schema: &LayerSchema,
        limit: u64,
    ) -> Result<Self, WriteError> {
        Ok(ShapefileLayerWriter {
            inner: ShpWriter::with_size_limit(path, schema, limit)?,
            source_fields: schema.fields.iter().map(|f| f.name.clone()).collect(),
        })
    }
}

impl FeatureWriter for ShapefileLayerWriter {
    fn write(&mut self, f: &Feature) -> Result<(), WriteError> {
        self.inner.write_with(f, &self.source_fields)
    }

    fn finish(self: Box<Self>) -> Result<Vec<PathBuf>, WriteError> {
        let mut w = self.inner;
        // .shp and .shx headers.
        let rect = w
            .extent
            .unwrap_or_else(|| Rect::new((0.0, 0.0), (0.0, 0.0)));
        let header = |len_bytes: u64| {
            let mut h = Vec::with_capacity(100);
            h.extend_from_slice(&9994i32.to_be_bytes());
            h.extend_from_slice(&[0u8; 20]);
            h.extend_from_slice(&((len_bytes / 2) as i32).to_be_bytes());
            h.extend_from_slice(&1000i32.to_le_bytes());
            h.extend_from_slice(&w.shape_type.to_le_bytes());
            for v in [rect.min().x, rect.min().y, rect.max().x, rect.max().y] {
                h.extend_from_slice(&v.to_le_bytes());
            }
            h.extend_from_slice(&[0u8; 32]);
            h
        };
        let shp_header = header(w.shp_len);
        let shx_header = header(100 + 8 * u64::from(w.records));
        let patch = |out: &mut BufWriter<File>, bytes: &[u8], at: u64, path: &Path| {
            out.flush()
                .and_then(|_| out.seek(SeekFrom::Start(at)))
                .and_then(|_| out.write_all(bytes))
                .and_then(|_| out.flush())
                .map_err(io_err(path))
        };
        patch(&mut w.shp, &shp_header, 0, &w.paths[0])?;
        patch(&mut w.shx, &shx_header, 0, &w.paths[1])?;
        w.dbf.write_all(&[0x1A]).map_err(io_err(&w.paths[2]))?;
        patch(&mut w.dbf, &w.records.to_le_bytes(), 4, &w.paths[2])?;
        Ok(w.paths.to_vec())
    }
}

/// The dBase III header for `fields` with `records` records.
fn dbf_header(fields: &[DbfField], records: u32, record_len: usize) -> Vec<u8> {
    let header_len = 32 + 32 * fields.len() + 1;
    let mut h = Vec::with_capacity(header_len);
    let today = time::OffsetDateTime::now_utc().date();
    h.push(0x03);
    h.push(u8::try_from(today.year() - 1900).unwrap_or(u8::MAX));
    h.push(u8::from(today.month()));
    h.push(today.day());
    h.extend_from_slice(&records.to_le_bytes());
    h.extend_from_slice(&(header_len as u16).to_le_bytes());
    h.extend_from_slice(&(record_len as u16).to_le_bytes());
    h.extend_from_slice(&[0u8; 20]);
    for f in fields {
        let mut name = [0u8; 11];
        for (i, b) in f.field.name.bytes().take(10).enumerate() {
            name[i] = b;
        }
        h.extend_from_slice(&name);
        h.push(f.kind);
        h.extend_from_slice(&[0u8; 4]);
        h.push(f.width as u8);
        h.push(f.decimals as u8);
        h.extend_from_slice(&[0u8; 14]);
    }
    h.push(0x0D);
    h
}

/// `s` cut to at most `max` bytes at a character boundary.
fn cut(s: &str, max: usize) -> &str {
    if s.len() <= max {
        return s;
    }
    let mut end = max;
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    &s[..end]
}

/// A real as dBase `N(24,15)` text, with fewer decimals when the integer part needs room.
fn real_text(x: f64, width: usize) -> Option<String> {
    let mut dec = REAL_DECIMALS;
    loop {
        let s = format!("{x:.dec$}");
        if s.len() <= width {
            return Some(s);
        }
        if dec == 0 {
            return None;
        }
        dec -= 1;
    }
}

/// Rings of polygons in Shapefile order: each exterior (clockwise) followed by its holes
/// (counter-clockwise).
fn shp_rings(polys: &[Polygon<f64>]) -> Vec<LineString<f64>> {
    let mut out = Vec::new();
    for p in polys {
        if p.exterior().0.is_empty() {
            continue;
        }
        let p = p.orient(Direction::Reversed);
        let (ext, holes) = p.into_inner();
        out.push(ext);
        out.extend(holes.into_iter().filter(|h| !h.0.is_empty()));
    }
    out
}

fn geometry_name(g: &Geometry<f64>) -> &'static str {
    match g {
        Geometry::Point(_) => "Point",
        Geometry::Line(_) => "Line",
        Geometry::LineString(_) => "LineString",
        Geometry::Polygon(_) => "Polygon",
        Geometry::MultiPoint(_) => "MultiPoint",
        Geometry::MultiLineString(_) => "MultiLineString",
        Geometry::MultiPolygon(_) => "MultiPolygon",
        Geometry::GeometryCollection(_) => "GeometryCollection",
        Geometry::Rect(_) => "Rect",
        Geometry::Triangle(_) => "Triangle",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::crs::Crs;
    use crate::io::shp::ShapefileReader;
    use crate::io::RawFeature;
    use crate::model::Layer;
    use geo::{polygon, MultiPolygon, Winding};
    use serde_json::{json, Map, Value};

    fn field(name: &str) -> Field {
        Field {
            name: name.into(),
            ty: FieldType::Text,
            width: 1,
        }
    }

    #[test]
    fn field_names_are_mapped_predictably() {
        let names = dbf_field_names(&[
            field("INSPIRE_ID"),
            field("MUNICIPALITY_NAME"),
            field("MUNICIPALITY_CODE"),
            field("municipali"),
            field("rue é"),
            field(""),
        ]);
        assert_eq!(
            names,
            [
                "INSPIRE_ID",
                "MUNICIPALI",
                "MUNICIPA_1",
                "municipa_2",
                "rue__",
                "FIELD"
            ]
        );
    }

    fn buildings() -> Vec<Feature> {
        // Counter-clockwise exterior, clockwise hole: the writer must flip both.
        let p = polygon!(
            exterior: [(x: 150000.0, y: 170000.0), (x: 150010.0, y: 170000.0), (x: 150010.0, y: 170010.0), (x: 150000.0, y: 170010.0)],
            interiors: [[(x: 150002.0, y: 170002.0), (x: 150002.0, y: 170004.0), (x: 150004.0, y: 170004.0), (x: 150004.0, y: 170002.0)]],
        );
        vec![
            Feature {
                id: 1,
                geometry: Geometry::MultiPolygon(MultiPolygon(vec![p.clone()])),
                attributes: json!({"INSPIRE_ID": "https://databrussels.be/id/building/1", "TYPE": "Bâtiment", "AREA": 96.5})
                    .as_object().cloned().unwrap_or_default(),
            },
            Feature {
                id: 2,
                geometry: Geometry::Polygon(p),
                attributes: json!({"INSPIRE_ID": "b2", "TYPE": null, "AREA": 1234567890123.25})
                    .as_object().cloned().unwrap_or_default(),
            },
        ]
    }

    #[test]
    fn round_trip_through_the_reader() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("Buildings.shp");
        let fs = buildings();
        let schema = LayerSchema::infer("Buildings", Layer::Buildings, Crs::Lambert72, &fs);
        let mut w: Box<dyn FeatureWriter> =
            Box::new(ShapefileLayerWriter::create(&path, &schema).unwrap());
        for f in &fs {
            w.write(f).unwrap();
        }
        let files = w.finish().unwrap();
        assert_eq!(files.len(), 5);
        assert_eq!(
            std::fs::read_to_string(path.with_extension("cpg")).unwrap(),
            "UTF-8"
        );
        let shx = std::fs::metadata(path.with_extension("shx")).unwrap().len();
        assert_eq!(shx, 100 + 16);
        let mut r = ShapefileReader::open(&path).unwrap();
        assert_eq!(r.layer().crs, Some(Crs::Lambert72));
        let mut got: Vec<RawFeature> = Vec::new();
        let mut issues = Vec::new();
        r.read(
            &mut |f| {
                got.push(f);
                Ok(())
            },
            &mut issues,
        )
        .unwrap();
        assert!(issues.is_empty(), "{issues:?}");
        assert_eq!(got.len(), 2);
        let attrs: Map<String, Value> = got[0].attributes.iter().cloned().collect();
        assert_eq!(attrs["TYPE"], json!("Bâtiment"));
        assert_eq!(
            attrs["INSPIRE_ID"],
            json!("https://databrussels.be/id/building/1")
        );
        assert_eq!(attrs["AREA"].as_f64(), Some(96.5));
        let attrs: Map<String, Value> = got[1].attributes.iter().cloned().collect();
        assert_eq!(attrs["AREA"].as_f64(), Some(1234567890123.25));
        let g = got[0].geometry.clone().unwrap();
        let polys = match g {
            Geometry::MultiPolygon(mp) => mp.0,
            Geometry::Polygon(p) => vec![p],
            other => panic!("unexpected {other:?}"),
        };
        assert_eq!(polys.len(), 1);
        assert_eq!(polys[0].interiors().len(), 1);
        assert!(shp_rings(&polys)[0].is_cw());
    }

    #[test]
    fn refuses_to_exceed_the_size_limit() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("Buildings.shp");
        let fs = buildings();
        let schema = LayerSchema::infer("Buildings", Layer::Buildings, Crs::Lambert72, &fs);
        let mut w = ShapefileLayerWriter::with_size_limit(&path, &schema, 400).unwrap();
        w.write(&fs[0]).unwrap();
        let err = w.write(&fs[1]).unwrap_err().to_string();
        assert!(err.contains("2 GB limit"), "{err}");
        assert!(err.contains("Buildings.shp"), "{err}");
    }

    #[test]
    fn mixed_geometries_are_refused() {
        let dir = tempfile::tempdir().unwrap();
        let mut schema = LayerSchema::infer("x", Layer::Buildings, Crs::Lambert72, &[]);
        schema.geometry_type = "GEOMETRY";
        let err = ShapefileLayerWriter::create(&dir.path().join("x.shp"), &schema)
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default();
        assert!(err.contains("mixes geometry types"), "{err}");
    }

    #[test]
    fn utf8_is_cut_at_character_boundaries() {
        assert_eq!(cut("Bâtiment", 2), "B");
        assert_eq!(cut("Bâtiment", 3), "Bâ");
        assert_eq!(real_text(1.5, 24).as_deref(), Some("1.500000000000000"));
        assert_eq!(real_text(1e30, 24), None);
    }
}
