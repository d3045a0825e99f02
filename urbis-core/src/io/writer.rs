//! What the export writers share: the schema of a layer being written ([`LayerSchema`], inferred
//! from the features), the streaming [`FeatureWriter`] trait implemented by the Shapefile,
//! FlatGeobuf, GeoJSON, CSV and KML writers, and coordinate formatting for the text formats.
//!
//! Every writer takes features whose geometry is already in the schema's CRS (the caller
//! reprojects with a [`crate::Transformer`]) and looks up each schema field in
//! [`Feature::attributes`] by name (case-insensitively as a fallback), as
//! [`crate::io::gpkg::GpkgWriter`] does.

use geo::Geometry;
use serde_json::Value;

use crate::crs::Crs;
use crate::error::WriteError;
pub use crate::io::gpkg::FieldType;
use crate::model::{is_numeric_field, value_text, Feature, Layer};

/// One attribute column of a layer being written.
#[derive(Debug, Clone, PartialEq)]
pub struct Field {
    pub name: String,
    pub ty: FieldType,
    /// Longest textual value in bytes (UTF-8), for fixed-width formats (dBase); at least 1.
    pub width: usize,
}

/// The layer a writer writes: name (table, file stem), geometry type, CRS and fields.
#[derive(Debug, Clone, PartialEq)]
pub struct LayerSchema {
    pub name: String,
    /// A GeoPackage geometry type name: `POINT`, `LINESTRING`, `POLYGON`, `MULTIPOINT`,
    /// `MULTILINESTRING`, `MULTIPOLYGON` or `GEOMETRY` (mixed).
    pub geometry_type: &'static str,
    pub crs: Crs,
    pub fields: Vec<Field>,
}

/// Geometry kinds seen while inferring a schema.
#[derive(Default)]
struct Kinds {
    point: bool,
    multipoint: bool,
    line: bool,
    multiline: bool,
    polygon: bool,
    multipolygon: bool,
    other: bool,
}

impl Kinds {
    fn add(&mut self, g: &Geometry<f64>) {
        match g {
            Geometry::Point(_) => self.point = true,
            Geometry::MultiPoint(_) => self.multipoint = true,
            Geometry::LineString(_) | Geometry::Line(_) => self.line = true,
            Geometry::MultiLineString(_) => self.multiline = true,
            Geometry::Polygon(_) | Geometry::Rect(_) | Geometry::Triangle(_) => self.polygon = true,
            Geometry::MultiPolygon(_) => self.multipolygon = true,
            Geometry::GeometryCollection(_) => self.other = true,
        }
    }

    fn geometry_type(&self, fallback: &'static str) -> &'static str {
        let families = [
            self.point || self.multipoint,
            self.line || self.multiline,
            self.polygon || self.multipolygon,
            self.other,
        ];
        match families.iter().filter(|f| **f).count() {
            0 => fallback,
            1 if self.other => "GEOMETRY",
            1 if self.point && !self.multipoint => "POINT",
            1 if self.multipoint => "MULTIPOINT",
            1 if self.line && !self.multiline => "LINESTRING",
            1 if self.line || self.multiline => "MULTILINESTRING",
            1 if self.polygon && !self.multipolygon => "POLYGON",
            1 => "MULTIPOLYGON",
            _ => "GEOMETRY",
        }
    }
}

/// Per-field state while inferring a schema.
struct FieldStats {
    name: String,
    /// Any non-null value seen.
    seen: bool,
    text: bool,
    real: bool,
    width: usize,
}

impl LayerSchema {
    /// The schema of `features` of `layer` written as `name` in `crs`: every attribute name
    /// that occurs (the M8 fields of the layer first, in M8 order, then the others in order of
    /// first appearance), typed `Integer` when every value is an integer, `Real` when every
    /// value is a number (and for the M8 measures `AREA`, `LENGTH`, `XL72`, `YL72`), `Text`
    /// otherwise; the geometry type from the geometries (single and multi of one kind give
    /// the multi type; the layer's M8 type when there are no features).
    pub fn infer<'a>(
        name: &str,
        layer: Layer,
        crs: Crs,
        features: impl IntoIterator<Item = &'a Feature>,
    ) -> LayerSchema {
        let mut stats: Vec<FieldStats> = Vec::new();
        let mut pos = std::collections::HashMap::<String, usize>::new();
        let mut kinds = Kinds::default();
        for f in features {
            kinds.add(&f.geometry);
            for (k, v) in &f.attributes {
                let i = match pos.get(k) {
                    Some(i) => *i,
                    None => {
                        pos.insert(k.clone(), stats.len());
                        stats.push(FieldStats {
                            name: k.clone(),
                            seen: false,
                            text: false,
                            real: is_numeric_field(k),
                            width: 1,
                        });
                        stats.len() - 1
                    }
                };
                let s = &mut stats[i];
                match v {
                    Value::Null => continue,
                    Value::Number(n) => {
                        if n.as_i64().is_none() {
                            s.real = true;
                        }
                    }
                    _ => s.text = true,
                }
                s.seen = true;
                let w = match v {
                    Value::String(t) => t.len(),
                    other => value_text(other).map_or(0, |t| t.len()),
                };
                s.width = s.width.max(w);
            }
        }
        if stats.is_empty() {
            stats = layer
                .m8_fields()
                .iter()
                .map(|n| FieldStats {
                    name: n.to_string(),
                    seen: false,
                    text: !is_numeric_field(n),
                    real: is_numeric_field(n),
                    width: 1,
                })
                .collect();
        }
        let order = |n: &str| {
            layer
                .m8_fields()
                .iter()
                .position(|m| *m == n)
                .unwrap_or(usize::MAX)
        };
        // Stable: M8 fields in M8 order, then the rest in order of appearance.
        stats.sort_by_key(|s| order(&s.name));
        let fields = stats
            .into_iter()
            .map(|s| Field {
                ty: if s.text || (!s.seen && !s.real) {
                    FieldType::Text
                } else if s.real {
                    FieldType::Real
                } else {
                    FieldType::Integer
                },
                name: s.name,
                width: s.width.max(1),
            })
            .collect();
        LayerSchema {
            name: name.to_string(),
            geometry_type: kinds.geometry_type(layer.geometry_type()),
            crs,
            fields,
        }
    }
}

/// The value of field `name` of `f`: exact name, else case-insensitive; `None` when absent or
/// null.
pub fn field_value<'a>(f: &'a Feature, name: &str) -> Option<&'a Value> {
    f.attributes
        .get(name)
        .or_else(|| {
            f.attributes
                .iter()
                .find(|(k, _)| k.eq_ignore_ascii_case(name))
                .map(|(_, v)| v)
        })
        .filter(|v| !v.is_null())
}

/// An integer value of a field (integral numbers and numeric strings).
pub fn as_integer(v: &Value) -> Option<i64> {
    let from_f =
        |f: f64| (f.is_finite() && f.fract() == 0.0 && f.abs() < 9.0e15).then_some(f as i64);
    match v {
        Value::Number(n) => n.as_i64().or_else(|| n.as_f64().and_then(from_f)),
        Value::String(s) => {
            let s = s.trim();
            s.parse::<i64>()
                .ok()
                .or_else(|| s.parse::<f64>().ok().and_then(from_f))
        }
        Value::Bool(b) => Some(i64::from(*b)),
        _ => None,
    }
}

/// A finite real value of a field (numbers and numeric strings).
pub fn as_real(v: &Value) -> Option<f64> {
    match v {
        Value::Number(n) => n.as_f64(),
        Value::String(s) => s.trim().parse::<f64>().ok(),
        Value::Bool(b) => Some(if *b { 1.0 } else { 0.0 }),
        _ => None,
    }
    .filter(|f| f.is_finite())
}

/// The text of a value as written to text formats (strings as they are; numbers without a
/// spurious `.0`; objects and arrays as JSON).
pub fn as_text(v: &Value) -> Option<String> {
    match v {
        Value::Null => None,
        Value::String(s) => Some(s.clone()),
        Value::Number(_) | Value::Bool(_) => value_text(v),
        other => Some(other.to_string()),
    }
}

/// As [`as_text`], borrowing strings (no allocation for the common case).
pub fn as_text_cow(v: &Value) -> Option<std::borrow::Cow<'_, str>> {
    match v {
        Value::String(s) => Some(std::borrow::Cow::Borrowed(s.as_str())),
        other => as_text(other).map(std::borrow::Cow::Owned),
    }
}

/// Decimal places written by the text formats (GeoJSON, CSV WKT, KML): 8 for degrees
/// (≈ 1 mm), 3 for metres (1 mm).
pub fn decimals(crs: Crs) -> u32 {
    if crs.is_geographic() {
        8
    } else {
        3
    }
}

/// Append `v` rounded to `decimals` places in its shortest form (`150000.5`, not `150000.500`).
pub fn push_num(out: &mut String, v: f64, decimals: u32) {
    use std::fmt::Write;
    let scale = 10f64.powi(decimals as i32);
    let r = (v * scale).round() / scale;
    // `-0` would read oddly.
    let r = if r == 0.0 { 0.0 } else { r };
    let _ = write!(out, "{r}");
}

/// A streaming writer of one layer. Created by each format's `create(path, &LayerSchema)`;
/// features are written one at a time (geometry in the schema's CRS) and the file is complete
/// after [`FeatureWriter::finish`]. A writer dropped before `finish` may leave a partial file:
/// callers write into a temporary location.
pub trait FeatureWriter: Send {
    fn write(&mut self, f: &Feature) -> Result<(), WriteError>;
    /// Flush and complete the file(s); returns the paths written.
    fn finish(self: Box<Self>) -> Result<Vec<std::path::PathBuf>, WriteError>;
}

/// An I/O error on `path` as a [`WriteError`].
pub(crate) fn io_err(path: &std::path::Path) -> impl Fn(std::io::Error) -> WriteError + '_ {
    move |source| WriteError::Io {
        path: path.to_path_buf(),
        source,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use geo::{line_string, point, polygon, MultiPolygon};
    use serde_json::json;

    fn feature(id: i64, g: Geometry<f64>, attrs: Value) -> Feature {
        Feature {
            id,
            geometry: g,
            attributes: attrs.as_object().cloned().unwrap_or_default(),
        }
    }

    #[test]
    fn schema_orders_m8_fields_first_and_types_values() {
        let fs = [
            feature(
                1,
                Geometry::Point(point!(x: 1.0, y: 2.0)),
                json!({"EXTRA": 3, "STRNAMEFRE": "Rue de la Loi", "INSPIRE_ID": "a", "XL72": 150000}),
            ),
            feature(
                2,
                Geometry::Point(point!(x: 1.0, y: 2.0)),
                json!({"EXTRA": 4, "STRNAMEFRE": "Chaussée d'Ixelles", "INSPIRE_ID": null}),
            ),
        ];
        let s = LayerSchema::infer("Addresses", Layer::Addresses, Crs::Lambert72, &fs);
        let names: Vec<_> = s.fields.iter().map(|f| f.name.as_str()).collect();
        assert_eq!(names, ["INSPIRE_ID", "STRNAMEFRE", "XL72", "EXTRA"]);
        assert_eq!(s.fields[1].ty, FieldType::Text);
        assert_eq!(s.fields[1].width, "Chaussée d'Ixelles".len());
        assert_eq!(s.fields[2].ty, FieldType::Real);
        assert_eq!(s.fields[3].ty, FieldType::Integer);
        assert_eq!(s.geometry_type, "POINT");
    }

    #[test]
    fn geometry_type_promotes_to_multi_and_falls_back() {
        let p = polygon![(x: 0.0, y: 0.0), (x: 1.0, y: 0.0), (x: 1.0, y: 1.0)];
        let fs = [
            feature(1, Geometry::Polygon(p.clone()), json!({})),
            feature(2, Geometry::MultiPolygon(MultiPolygon(vec![p])), json!({})),
        ];
        let s = LayerSchema::infer("B", Layer::Buildings, Crs::Lambert72, &fs);
        assert_eq!(s.geometry_type, "MULTIPOLYGON");
        let mixed = [
            feature(1, Geometry::Point(point!(x: 0.0, y: 0.0)), json!({})),
            feature(
                2,
                Geometry::LineString(line_string![(x: 0.0, y: 0.0), (x: 1.0, y: 1.0)]),
                json!({}),
            ),
        ];
        let s = LayerSchema::infer("M", Layer::Streets, Crs::Lambert72, &mixed);
        assert_eq!(s.geometry_type, "GEOMETRY");
        let empty: [Feature; 0] = [];
        let s = LayerSchema::infer("S", Layer::Streets, Crs::Lambert72, &empty);
        assert_eq!(s.geometry_type, "LINESTRING");
        assert_eq!(s.fields.len(), Layer::Streets.m8_fields().len());
    }

    #[test]
    fn numbers_are_rounded_shortest() {
        let mut s = String::new();
        push_num(&mut s, 150000.5004, 3);
        s.push(' ');
        push_num(&mut s, 4.351234567891, 8);
        s.push(' ');
        push_num(&mut s, -0.0000001, 3);
        assert_eq!(s, "150000.5 4.35123457 0");
    }

    #[test]
    fn values_convert() {
        assert_eq!(as_integer(&json!("21004")), Some(21004));
        assert_eq!(as_integer(&json!(12.0)), Some(12));
        assert_eq!(as_integer(&json!(12.5)), None);
        assert_eq!(as_real(&json!("1.5")), Some(1.5));
        assert_eq!(as_text(&json!(21004.0)).as_deref(), Some("21004"));
        assert_eq!(as_text(&Value::Null), None);
    }
}
