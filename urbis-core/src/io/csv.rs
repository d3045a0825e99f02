//! Streaming CSV writer: RFC 4180 (comma separator, CRLF line ends, fields quoted when they
//! hold a comma, quote or line break), UTF-8 without BOM, the geometry as OGC WKT in a first
//! column named `WKT` (the column name GDAL's CSV driver recognises as geometry), then one
//! column per attribute. CSV carries no CRS: coordinates are in the CRS the file was requested
//! in (its EPSG code is in the download listing and the file name of multi-layer zips).

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

use geo::{Coord, Geometry, Polygon};

use crate::error::WriteError;
use crate::io::writer::{
    as_integer, as_real, as_text_cow, decimals, field_value, io_err, push_num, FeatureWriter,
    FieldType, LayerSchema,
};
use crate::model::Feature;

/// Name of the geometry column.
pub const WKT_COLUMN: &str = "WKT";

/// Writes one layer as CSV with a WKT geometry column.
pub struct CsvWriter {
    out: BufWriter<File>,
    path: PathBuf,
    schema: LayerSchema,
    decimals: u32,
    line: String,
    wkt: String,
}

/// Append `s` as a CSV field, quoted when needed.
fn push_field(out: &mut String, s: &str) {
    if s.contains([',', '"', '\n', '\r']) {
        out.push('"');
        out.push_str(&s.replace('"', "\"\""));
        out.push('"');
    } else {
        out.push_str(s);
    }
}

impl CsvWriter {
    pub fn create(path: &Path, schema: &LayerSchema) -> Result<Self, WriteError> {
        let file = File::create(path).map_err(io_err(path))?;
        let mut out = BufWriter::with_capacity(1 << 16, file);
        let mut head = String::from(WKT_COLUMN);
        for f in &schema.fields {
            head.push(',');
            push_field(&mut head, &f.name);
        }
        head.push_str("\r\n");
        out.write_all(head.as_bytes()).map_err(io_err(path))?;
        Ok(CsvWriter {
            out,
            path: path.to_path_buf(),
            schema: schema.clone(),
            decimals: decimals(schema.crs),
            line: String::with_capacity(4096),
            wkt: String::with_capacity(4096),
        })
    }
}

impl FeatureWriter for CsvWriter {
    fn write(&mut self, f: &Feature) -> Result<(), WriteError> {
        self.line.clear();
        self.wkt.clear();
        push_wkt(&mut self.wkt, &f.geometry, self.decimals);
        push_field(&mut self.line, &self.wkt);
        for field in &self.schema.fields {
            self.line.push(',');
            let Some(v) = field_value(f, &field.name) else {
                continue;
            };
            match field.ty {
                FieldType::Text => {
                    if let Some(t) = as_text_cow(v) {
                        push_field(&mut self.line, &t);
                    }
                }
                FieldType::Integer => {
                    if let Some(i) = as_integer(v) {
                        self.line.push_str(&i.to_string());
                    }
                }
                FieldType::Real => {
                    if let Some(r) = as_real(v) {
                        self.line.push_str(&r.to_string());
                    }
                }
            }
        }
        self.line.push_str("\r\n");
        self.out
            .write_all(self.line.as_bytes())
            .map_err(io_err(&self.path))
    }

    fn finish(mut self: Box<Self>) -> Result<Vec<PathBuf>, WriteError> {
        self.out.flush().map_err(io_err(&self.path))?;
        Ok(vec![self.path.clone()])
    }
}

fn push_coords(out: &mut String, cs: &[Coord<f64>], d: u32) {
    out.push('(');
    for (i, c) in cs.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        push_num(out, c.x, d);
        out.push(' ');
        push_num(out, c.y, d);
    }
    out.push(')');
}

fn push_rings(out: &mut String, p: &Polygon<f64>, d: u32) {
    out.push('(');
    push_coords(out, &p.exterior().0, d);
    for r in p.interiors() {
        out.push(',');
        push_coords(out, &r.0, d);
    }
    out.push(')');
}

/// Append the OGC WKT of `g` (coordinates rounded to `d` decimals; empty geometries as
/// `… EMPTY`).
pub fn push_wkt(out: &mut String, g: &Geometry<f64>, d: u32) {
    match g {
        Geometry::Point(p) => {
            out.push_str("POINT ");
            push_coords(out, &[p.0], d);
        }
        Geometry::Line(l) => {
            out.push_str("LINESTRING ");
            push_coords(out, &[l.start, l.end], d);
        }
        Geometry::LineString(l) if l.0.is_empty() => out.push_str("LINESTRING EMPTY"),
        Geometry::LineString(l) => {
            out.push_str("LINESTRING ");
            push_coords(out, &l.0, d);
        }
        Geometry::Polygon(p) if p.exterior().0.is_empty() => out.push_str("POLYGON EMPTY"),
        Geometry::Polygon(p) => {
            out.push_str("POLYGON ");
            push_rings(out, p, d);
        }
        Geometry::Rect(r) => push_wkt(out, &Geometry::Polygon(r.to_polygon()), d),
        Geometry::Triangle(t) => push_wkt(out, &Geometry::Polygon(t.to_polygon()), d),
        Geometry::MultiPoint(mp) if mp.0.is_empty() => out.push_str("MULTIPOINT EMPTY"),
        Geometry::MultiPoint(mp) => {
            out.push_str("MULTIPOINT (");
            for (i, p) in mp.0.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                push_coords(out, &[p.0], d);
            }
            out.push(')');
        }
        Geometry::MultiLineString(ml) if ml.0.is_empty() => out.push_str("MULTILINESTRING EMPTY"),
        Geometry::MultiLineString(ml) => {
            out.push_str("MULTILINESTRING (");
            for (i, l) in ml.0.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                push_coords(out, &l.0, d);
            }
            out.push(')');
        }
        Geometry::MultiPolygon(mp) if mp.0.is_empty() => out.push_str("MULTIPOLYGON EMPTY"),
        Geometry::MultiPolygon(mp) => {
            out.push_str("MULTIPOLYGON (");
            for (i, p) in mp.0.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                push_rings(out, p, d);
            }
            out.push(')');
        }
        Geometry::GeometryCollection(gc) if gc.0.is_empty() => {
            out.push_str("GEOMETRYCOLLECTION EMPTY")
        }
        Geometry::GeometryCollection(gc) => {
            out.push_str("GEOMETRYCOLLECTION (");
            for (i, g) in gc.0.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                push_wkt(out, g, d);
            }
            out.push(')');
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::crs::Crs;
    use crate::model::Layer;
    use geo::{line_string, point, polygon, MultiPolygon};
    use serde_json::json;

    #[test]
    fn wkt_of_each_type() {
        let mut s = String::new();
        push_wkt(
            &mut s,
            &Geometry::Point(point!(x: 150000.1234, y: 170000.0)),
            3,
        );
        assert_eq!(s, "POINT (150000.123 170000)");
        s.clear();
        let l = line_string![(x: 0.0, y: 0.0), (x: 1.5, y: 2.0)];
        push_wkt(&mut s, &Geometry::LineString(l), 3);
        assert_eq!(s, "LINESTRING (0 0,1.5 2)");
        s.clear();
        let p = polygon!(
            exterior: [(x: 0.0, y: 0.0), (x: 4.0, y: 0.0), (x: 4.0, y: 4.0)],
            interiors: [[(x: 1.0, y: 1.0), (x: 2.0, y: 1.0), (x: 2.0, y: 2.0)]],
        );
        push_wkt(&mut s, &Geometry::MultiPolygon(MultiPolygon(vec![p])), 3);
        assert_eq!(s, "MULTIPOLYGON (((0 0,4 0,4 4,0 0),(1 1,2 1,2 2,1 1)))");
        s.clear();
        push_wkt(&mut s, &Geometry::MultiPolygon(MultiPolygon(vec![])), 3);
        assert_eq!(s, "MULTIPOLYGON EMPTY");
    }

    #[test]
    fn fields_are_quoted_and_typed() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("Streets.csv");
        let fs = vec![Feature {
            id: 1,
            geometry: Geometry::LineString(line_string![(x: 0.0, y: 0.0), (x: 1.0, y: 1.0)]),
            attributes: json!({"STRNAMEFRE": "Rue \"Haute\", 1", "LENGTH": 12.5, "TYPE": null})
                .as_object()
                .cloned()
                .unwrap_or_default(),
        }];
        let schema = LayerSchema::infer("Streets", Layer::Streets, Crs::Lambert72, &fs);
        let mut w: Box<dyn FeatureWriter> = Box::new(CsvWriter::create(&path, &schema).unwrap());
        w.write(&fs[0]).unwrap();
        w.finish().unwrap();
        let text = std::fs::read_to_string(&path).unwrap();
        assert_eq!(
            text,
            "WKT,TYPE,STRNAMEFRE,LENGTH\r\n\"LINESTRING (0 0,1 1)\",,\"Rue \"\"Haute\"\", 1\",12.5\r\n"
        );
    }
}
