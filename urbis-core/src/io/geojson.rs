//! GeoJSON reading (RFC 7946, with the legacy 2008 `crs` member), streamed.
//!
//! The file is read twice, both times as a stream: [`GeoJsonReader::open`] counts the features
//! and reads the top-level members (`name`, `crs`), [`GeoJsonReader::read`] decodes the features
//! one at a time (each with the `geojson` crate) and hands them on, so memory use does not grow
//! with the file. A feature that cannot be decoded is reported and skipped; invalid JSON is an
//! error with its line and column. Files over 2 GiB are refused.

use std::fmt;
use std::fs::File;
use std::io::BufReader;
use std::path::{Path, PathBuf};

use geo::{
    Coord, Geometry, GeometryCollection, LineString, MultiLineString, MultiPoint, MultiPolygon,
    Point, Polygon,
};
use geojson::{GeometryValue, Position};
use serde::de::{self, DeserializeSeed, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde::Deserializer as _;
use serde_json::{Map, Value};

use crate::crs::Crs;
use crate::error::ReadError;
use crate::geom::wkb::is_empty;
use crate::io::{RawFeature, RecordIssue, SourceLayer};
use crate::model::Layer;

/// Largest GeoJSON file read.
pub const MAX_SIZE: u64 = 2 << 30;

/// An opened GeoJSON file (a FeatureCollection, a single Feature or a bare geometry).
#[derive(Debug)]
pub struct GeoJsonReader {
    path: PathBuf,
    layer: SourceLayer,
}

impl GeoJsonReader {
    /// Open a GeoJSON file: checks its size, scans it once for the feature count and the
    /// top-level `name` (the layer name; the file stem without one) and `crs` members. The
    /// CRS is WGS 84 (RFC 7946) unless a legacy `crs` member names another.
    pub fn open(path: &Path) -> Result<Self, ReadError> {
        let size = std::fs::metadata(path)
            .map_err(|source| ReadError::Io {
                path: path.to_path_buf(),
                source,
            })?
            .len();
        if size > MAX_SIZE {
            return Err(ReadError::Unsupported {
                path: path.to_path_buf(),
                reason: format!(
                    "GeoJSON file of {:.1} GiB: files over 2 GiB are not read; convert it to \
                     GeoPackage (e.g. ogr2ogr out.gpkg in.geojson)",
                    size as f64 / f64::from(1u32 << 30)
                ),
            });
        }
        let mut count = 0u64;
        let top = scan(path, &mut Mode::Count(&mut count))?;
        let kind = top_type(path, &top)?;
        if kind != TopType::Collection {
            count = 1;
        }
        let stem = path
            .file_stem()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_default();
        let name = match top.get("name") {
            Some(Value::String(n)) if !n.trim().is_empty() => n.trim().to_string(),
            _ => stem.clone(),
        };
        let crs = match top.get("crs") {
            None | Some(Value::Null) => Some(Crs::Wgs84),
            Some(c) => legacy_crs(c),
        };
        Ok(GeoJsonReader {
            path: path.to_path_buf(),
            layer: SourceLayer {
                layer: Layer::from_source_name(&name).or_else(|| Layer::from_source_name(&stem)),
                name,
                crs,
                count: Some(count),
            },
        })
    }

    /// The single layer of the file.
    pub fn layer(&self) -> &SourceLayer {
        &self.layer
    }

    /// Stream the features to `sink`, in file order: an integer `id` becomes the fid (a string
    /// `id` is kept as an `id` attribute when the properties have none), the properties become
    /// the attributes (nested objects and arrays kept as JSON values). A feature that cannot be
    /// decoded is reported to `issues` and skipped. Returns the number passed to `sink`.
    pub fn read(
        &mut self,
        sink: &mut (dyn FnMut(RawFeature) -> Result<(), ReadError> + Send),
        issues: &mut Vec<RecordIssue>,
    ) -> Result<u64, ReadError> {
        let layer = self.layer.name.clone();
        let mut record = 0u64;
        let mut passed = 0u64;
        let mut handle = |value: Value| -> Result<(), ReadError> {
            record += 1;
            match to_raw(value) {
                Ok(mut f) => {
                    f.record = record;
                    sink(f)?;
                    passed += 1;
                }
                Err(detail) => issues.push(RecordIssue {
                    layer: layer.clone(),
                    record,
                    detail,
                }),
            }
            Ok(())
        };
        let top = scan(&self.path, &mut Mode::Read(&mut handle))?;
        match top_type(&self.path, &top)? {
            TopType::Collection => {}
            TopType::Feature | TopType::Geometry => handle(Value::Object(top))?,
        }
        Ok(passed)
    }
}

/// What the top-level object is.
#[derive(Debug, PartialEq)]
enum TopType {
    Collection,
    Feature,
    Geometry,
}

fn top_type(path: &Path, top: &Map<String, Value>) -> Result<TopType, ReadError> {
    match top.get("type").and_then(Value::as_str) {
        Some("FeatureCollection") => Ok(TopType::Collection),
        Some("Feature") => Ok(TopType::Feature),
        Some(
            "Point" | "MultiPoint" | "LineString" | "MultiLineString" | "Polygon" | "MultiPolygon"
            | "GeometryCollection",
        ) => Ok(TopType::Geometry),
        Some(other) => Err(ReadError::Malformed {
            path: path.to_path_buf(),
            detail: format!("not GeoJSON: unknown top-level type `{other}`"),
        }),
        None => Err(ReadError::Malformed {
            path: path.to_path_buf(),
            detail: "not GeoJSON: the top-level object has no `type`".into(),
        }),
    }
}

/// The CRS a legacy (GeoJSON 2008) `crs` member names, if supported.
fn legacy_crs(crs: &Value) -> Option<Crs> {
    let props = crs.get("properties")?;
    if let Some(name) = props.get("name").and_then(Value::as_str) {
        return Crs::parse(name).ok();
    }
    // The older `{"type": "EPSG", "properties": {"code": 31370}}` form.
    let code = props.get("code")?;
    let code = code
        .as_u64()
        .or_else(|| code.as_str().and_then(|s| s.trim().parse().ok()))?;
    Crs::from_epsg(u32::try_from(code).ok()?)
}

/// How [`scan`] treats the elements of `features`.
enum Mode<'a> {
    Count(&'a mut u64),
    Read(&'a mut dyn FnMut(Value) -> Result<(), ReadError>),
}

/// Stream through the file, returning the top-level members other than `features`.
fn scan(path: &Path, mode: &mut Mode<'_>) -> Result<Map<String, Value>, ReadError> {
    let file = File::open(path).map_err(|source| ReadError::Io {
        path: path.to_path_buf(),
        source,
    })?;
    let mut de = serde_json::Deserializer::from_reader(BufReader::with_capacity(1 << 16, file));
    let mut stop = None;
    let result = de.deserialize_map(TopVisitor {
        mode,
        stop: &mut stop,
    });
    if let Some(e) = stop {
        return Err(e);
    }
    let top = result.map_err(|e| ReadError::Malformed {
        path: path.to_path_buf(),
        detail: format!("invalid GeoJSON: {e}"),
    })?;
    de.end().map_err(|e| ReadError::Malformed {
        path: path.to_path_buf(),
        detail: format!("invalid GeoJSON: {e}"),
    })?;
    Ok(top)
}

struct TopVisitor<'m, 'a> {
    mode: &'m mut Mode<'a>,
    /// The sink's error, when it stopped the read.
    stop: &'m mut Option<ReadError>,
}

impl<'de> Visitor<'de> for TopVisitor<'_, '_> {
    type Value = Map<String, Value>;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a GeoJSON object")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let mut others = Map::new();
        while let Some(key) = map.next_key::<String>()? {
            if key == "features" {
                map.next_value_seed(FeaturesSeed {
                    mode: &mut *self.mode,
                    stop: &mut *self.stop,
                })?;
            } else {
                let v: Value = map.next_value()?;
                others.insert(key, v);
            }
        }
        Ok(others)
    }
}

struct FeaturesSeed<'m, 'a> {
    mode: &'m mut Mode<'a>,
    stop: &'m mut Option<ReadError>,
}

impl<'de> DeserializeSeed<'de> for FeaturesSeed<'_, '_> {
    type Value = ();
    fn deserialize<D: de::Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_seq(self)
    }
}

impl<'de> Visitor<'de> for FeaturesSeed<'_, '_> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("an array of features")
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        match self.mode {
            Mode::Count(n) => {
                while seq.next_element::<IgnoredAny>()?.is_some() {
                    **n += 1;
                }
            }
            Mode::Read(handle) => {
                while let Some(v) = seq.next_element::<Value>()? {
                    if let Err(e) = handle(v) {
                        *self.stop = Some(e);
                        return Err(de::Error::custom("read stopped"));
                    }
                }
            }
        }
        Ok(())
    }
}

/// Decode one feature (or bare geometry) object.
fn to_raw(value: Value) -> Result<RawFeature, String> {
    let is_geometry = value
        .get("type")
        .and_then(Value::as_str)
        .is_some_and(|t| t != "Feature");
    if is_geometry {
        let g: geojson::Geometry =
            serde_json::from_value(value).map_err(|e| format!("invalid geometry: {e}"))?;
        return Ok(RawFeature {
            fid: None,
            record: 0,
            geometry: Some(convert(&g.value, 0)?).filter(|g| !is_empty(g)),
            attributes: Vec::new(),
        });
    }
    let f: geojson::Feature =
        serde_json::from_value(value).map_err(|e| format!("invalid feature: {e}"))?;
    let geometry = match &f.geometry {
        Some(g) => Some(convert(&g.value, 0)?).filter(|g| !is_empty(g)),
        None => None,
    };
    let mut attributes: Vec<(String, Value)> =
        f.properties.unwrap_or_default().into_iter().collect();
    let fid = match f.id {
        Some(geojson::feature::Id::Number(n)) => n.as_i64().or_else(|| {
            n.as_f64()
                .filter(|v| v.fract() == 0.0 && v.abs() < 9.0e15)
                .map(|v| v as i64)
        }),
        Some(geojson::feature::Id::String(s)) => {
            if !attributes.iter().any(|(k, _)| k.eq_ignore_ascii_case("id")) {
                attributes.push(("id".into(), Value::String(s)));
            }
            None
        }
        None => None,
    };
    Ok(RawFeature {
        fid,
        record: 0,
        geometry,
        attributes,
    })
}

fn coord(p: &Position) -> Result<Coord<f64>, String> {
    match p.as_slice() {
        [x, y, ..] => Ok(Coord { x: *x, y: *y }),
        other => Err(format!("position with {} number(s)", other.len())),
    }
}

fn line(ps: &[Position]) -> Result<LineString<f64>, String> {
    ps.iter()
        .map(coord)
        .collect::<Result<Vec<_>, _>>()
        .map(LineString)
}

fn polygon(rings: &[Vec<Position>]) -> Result<Polygon<f64>, String> {
    let mut rings = rings.iter().map(|r| line(r));
    let exterior = match rings.next() {
        Some(r) => r?,
        None => LineString(Vec::new()),
    };
    Ok(Polygon::new(exterior, rings.collect::<Result<_, _>>()?))
}

/// Convert a GeoJSON geometry, checking every position (the `geojson` crate's own conversion
/// panics on a position with fewer than two numbers).
fn convert(g: &GeometryValue, depth: usize) -> Result<Geometry<f64>, String> {
    Ok(match g {
        GeometryValue::Point { coordinates } => Geometry::Point(Point(coord(coordinates)?)),
        GeometryValue::MultiPoint { coordinates } => Geometry::MultiPoint(MultiPoint(
            coordinates
                .iter()
                .map(|p| coord(p).map(Point))
                .collect::<Result<_, _>>()?,
        )),
        GeometryValue::LineString { coordinates } => Geometry::LineString(line(coordinates)?),
        GeometryValue::MultiLineString { coordinates } => {
            Geometry::MultiLineString(MultiLineString(
                coordinates
                    .iter()
                    .map(|l| line(l))
                    .collect::<Result<_, _>>()?,
            ))
        }
        GeometryValue::Polygon { coordinates } => Geometry::Polygon(polygon(coordinates)?),
        GeometryValue::MultiPolygon { coordinates } => Geometry::MultiPolygon(MultiPolygon(
            coordinates
                .iter()
                .map(|p| polygon(p))
                .collect::<Result<_, _>>()?,
        )),
        GeometryValue::GeometryCollection { geometries } => {
            if depth > 32 {
                return Err("geometry collections nested too deeply".into());
            }
            Geometry::GeometryCollection(GeometryCollection(
                geometries
                    .iter()
                    .map(|g| convert(&g.value, depth + 1))
                    .collect::<Result<_, _>>()?,
            ))
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn read_all(r: &mut GeoJsonReader) -> (Vec<RawFeature>, Vec<RecordIssue>) {
        let mut out = Vec::new();
        let mut issues = Vec::new();
        let n = r
            .read(
                &mut |f| {
                    out.push(f);
                    Ok(())
                },
                &mut issues,
            )
            .expect("read");
        assert_eq!(n as usize, out.len());
        (out, issues)
    }

    fn write(dir: &Path, name: &str, v: &Value) -> PathBuf {
        let p = dir.join(name);
        std::fs::write(&p, serde_json::to_vec_pretty(v).expect("json")).expect("write");
        p
    }

    #[test]
    fn feature_collection_with_legacy_crs_and_name() {
        let dir = tempfile::tempdir().expect("tempdir");
        let p = write(
            dir.path(),
            "export.geojson",
            &json!({
                "type": "FeatureCollection",
                "bbox": [150000, 170000, 150010, 170010],
                "features": [
                    {"type": "Feature", "id": 7,
                     "geometry": {"type": "Point", "coordinates": [150000.5, 170000.25, 12.0]},
                     "properties": {"STRNAMEFRE": "Rue de l'Étuve", "POLICENUM": "46",
                                    "tags": {"a": [1, 2]}, "n": 3}},
                    {"type": "Feature", "id": "BU-9",
                     "geometry": {"type": "Polygon", "coordinates":
                        [[[0, 0], [1, 0], [1, 1], [0, 0]], [[0.1, 0.1], [0.2, 0.1], [0.2, 0.2], [0.1, 0.1]]]},
                     "properties": null},
                    {"type": "Feature", "geometry": null, "properties": {"x": 1}},
                    {"type": "Feature", "geometry": {"type": "Point", "coordinates": [1]},
                     "properties": {}},
                    {"type": "NotAFeature"},
                    {"type": "Feature", "id": 9.0,
                     "geometry": {"type": "GeometryCollection", "geometries": [
                        {"type": "LineString", "coordinates": [[0, 0], [1, 1]]}]},
                     "properties": {}}
                ],
                "name": "Addresses",
                "crs": {"type": "name", "properties": {"name": "urn:ogc:def:crs:EPSG::31370"}}
            }),
        );
        let mut r = GeoJsonReader::open(&p).expect("open");
        assert_eq!(r.layer().name, "Addresses");
        assert_eq!(r.layer().layer, Some(Layer::Addresses));
        assert_eq!(r.layer().crs, Some(Crs::Lambert72));
        assert_eq!(r.layer().count, Some(6));
        let (f, issues) = read_all(&mut r);
        assert_eq!(f.len(), 4);
        assert_eq!(
            issues.iter().map(|i| i.record).collect::<Vec<_>>(),
            [4, 5],
            "{issues:?}"
        );
        assert!(issues.iter().all(|i| i.layer == "Addresses"));
        assert_eq!(f[0].fid, Some(7));
        assert_eq!(f[0].record, 1);
        assert_eq!(
            f[0].geometry,
            Some(Geometry::Point(Point::new(150000.5, 170000.25)))
        );
        assert_eq!(
            f[0].attributes,
            vec![
                ("STRNAMEFRE".to_string(), json!("Rue de l'Étuve")),
                ("POLICENUM".to_string(), json!("46")),
                ("tags".to_string(), json!({"a": [1, 2]})),
                ("n".to_string(), json!(3)),
            ]
        );
        assert_eq!(f[1].fid, None);
        assert_eq!(f[1].attributes, vec![("id".to_string(), json!("BU-9"))]);
        match &f[1].geometry {
            Some(Geometry::Polygon(p)) => assert_eq!(p.interiors().len(), 1),
            g => panic!("{g:?}"),
        }
        assert_eq!(f[2].geometry, None);
        assert_eq!(f[2].record, 3);
        assert_eq!(f[3].fid, Some(9));
        assert!(matches!(
            f[3].geometry,
            Some(Geometry::GeometryCollection(_))
        ));
    }

    #[test]
    fn rfc7946_defaults_single_feature_and_bare_geometry() {
        let dir = tempfile::tempdir().expect("tempdir");
        let p = write(
            dir.path(),
            "Buildings.geojson",
            &json!({"type": "FeatureCollection", "features": []}),
        );
        let mut r = GeoJsonReader::open(&p).expect("open");
        assert_eq!(r.layer().name, "Buildings");
        assert_eq!(r.layer().layer, Some(Layer::Buildings));
        assert_eq!(r.layer().crs, Some(Crs::Wgs84));
        assert_eq!(r.layer().count, Some(0));
        assert!(read_all(&mut r).0.is_empty());

        let p = write(
            dir.path(),
            "one.json",
            &json!({"properties": {"a": "b"}, "type": "Feature", "id": 3,
                    "geometry": {"type": "LineString", "coordinates": [[4.35, 50.84], [4.36, 50.85]]}}),
        );
        let mut r = GeoJsonReader::open(&p).expect("open");
        assert_eq!(r.layer().count, Some(1));
        assert_eq!(r.layer().layer, None);
        let (f, _) = read_all(&mut r);
        assert_eq!(f.len(), 1);
        assert_eq!(f[0].fid, Some(3));
        assert_eq!(f[0].attributes, vec![("a".to_string(), json!("b"))]);

        let p = write(
            dir.path(),
            "geom.geojson",
            &json!({"type": "Point", "coordinates": [4.35, 50.84]}),
        );
        let (f, _) = read_all(&mut GeoJsonReader::open(&p).expect("open"));
        assert_eq!(
            f[0].geometry,
            Some(Geometry::Point(Point::new(4.35, 50.84)))
        );

        // An unsupported legacy CRS is not silently taken as WGS 84.
        let p = write(
            dir.path(),
            "utm.geojson",
            &json!({"type": "FeatureCollection", "features": [],
                    "crs": {"type": "name", "properties": {"name": "EPSG:32631"}}}),
        );
        assert_eq!(GeoJsonReader::open(&p).expect("open").layer().crs, None);
        let p = write(
            dir.path(),
            "old.geojson",
            &json!({"type": "FeatureCollection", "features": [],
                    "crs": {"type": "EPSG", "properties": {"code": 3812}}}),
        );
        assert_eq!(
            GeoJsonReader::open(&p).expect("open").layer().crs,
            Some(Crs::Lambert2008)
        );
    }

    #[test]
    fn malformed_files_are_errors() {
        let dir = tempfile::tempdir().expect("tempdir");
        for (name, text) in [
            ("empty.geojson", ""),
            ("text.geojson", "hello"),
            ("array.geojson", "[1, 2]"),
            (
                "truncated.geojson",
                r#"{"type": "FeatureCollection", "features": [{"type": "Fea"#,
            ),
            ("notype.geojson", r#"{"features": []}"#),
            (
                "wrongtype.geojson",
                r#"{"type": "Topology", "objects": {}}"#,
            ),
            (
                "trailing.geojson",
                r#"{"type": "FeatureCollection", "features": []} x"#,
            ),
            (
                "badfeatures.geojson",
                r#"{"type": "FeatureCollection", "features": 3}"#,
            ),
        ] {
            let p = dir.path().join(name);
            std::fs::write(&p, text).expect("write");
            let err = GeoJsonReader::open(&p).expect_err(name);
            assert!(matches!(err, ReadError::Malformed { .. }), "{name}: {err}");
            assert!(err.to_string().contains(name), "{err}");
        }
        // Over 2 GiB (a sparse file): refused before reading, with the reason.
        let p = dir.path().join("huge.geojson");
        let f = File::create(&p).expect("create");
        f.set_len(MAX_SIZE + 1).expect("sparse");
        let err = GeoJsonReader::open(&p).expect_err("huge");
        assert!(matches!(err, ReadError::Unsupported { .. }), "{err}");
        assert!(err.to_string().contains("2 GiB"), "{err}");
        drop(f);
        std::fs::remove_file(&p).expect("rm");
        // Deep nesting is refused by the JSON parser's depth limit, not a stack overflow.
        let p = dir.path().join("deep.geojson");
        let deep = format!("{}{}", "[".repeat(100_000), "]".repeat(100_000));
        std::fs::write(
            &p,
            format!(r#"{{"type": "FeatureCollection", "features": [{{"type": "Feature", "properties": {{"x": {deep}}}}}]}}"#),
        )
        .expect("write");
        let mut r = GeoJsonReader::open(&p).expect("counting skips values iteratively");
        let mut issues = Vec::new();
        assert!(r.read(&mut |_| Ok(()), &mut issues).is_err());
    }

    #[test]
    fn sink_error_stops_the_read() {
        let dir = tempfile::tempdir().expect("tempdir");
        let p = write(
            dir.path(),
            "a.geojson",
            &json!({"type": "FeatureCollection", "features": [
                {"type": "Feature", "geometry": null, "properties": {}},
                {"type": "Feature", "geometry": null, "properties": {}}
            ]}),
        );
        let mut r = GeoJsonReader::open(&p).expect("open");
        let mut n = 0;
        let mut issues = Vec::new();
        let err = r
            .read(
                &mut |_| {
                    n += 1;
                    Err(ReadError::Malformed {
                        path: PathBuf::from("sink"),
                        detail: "stop".into(),
                    })
                },
                &mut issues,
            )
            .expect_err("stopped");
        assert_eq!(n, 1);
        assert!(err.to_string().contains("stop"), "{err}");
    }
}
