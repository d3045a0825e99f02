//! Streaming GeoJSON writer (RFC 7946): one `FeatureCollection` per file, written feature by
//! feature (nothing is held in memory).
//!
//! RFC 7946 coordinates are WGS 84 longitude/latitude; polygons are written with their exterior
//! ring counter-clockwise and holes clockwise (the right-hand rule of RFC 7946 §3.1.6). A layer in
//! a projected CRS (31370, 3812) is written with the pre-RFC 7946 (GeoJSON 2008) `crs` member
//! naming it (`urn:ogc:def:crs:EPSG::31370`), which GDAL and QGIS honour; such a file is *not*
//! RFC 7946 GeoJSON, and the download service says so in a `Warning` header.

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

use geo::orient::{Direction, Orient};
use geo::{Coord, Geometry, LineString, Polygon};
use serde_json::{Map, Value};

use crate::crs::Crs;
use crate::error::WriteError;
use crate::io::writer::{
    as_integer, as_real, as_text, decimals, field_value, io_err, push_num, FeatureWriter,
    FieldType, LayerSchema,
};
use crate::model::Feature;

/// Writes one layer as a GeoJSON `FeatureCollection`.
pub struct GeoJsonWriter {
    out: BufWriter<File>,
    path: PathBuf,
    schema: LayerSchema,
    decimals: u32,
    count: u64,
    buf: String,
}

impl GeoJsonWriter {
    pub fn create(path: &Path, schema: &LayerSchema) -> Result<Self, WriteError> {
        let file = File::create(path).map_err(io_err(path))?;
        let mut w = GeoJsonWriter {
            out: BufWriter::with_capacity(1 << 16, file),
            path: path.to_path_buf(),
            schema: schema.clone(),
            decimals: decimals(schema.crs),
            count: 0,
            buf: String::with_capacity(4096),
        };
        let mut head = format!(
            "{{\"type\":\"FeatureCollection\",\"name\":{}",
            Value::String(schema.name.clone())
        );
        if schema.crs != Crs::Wgs84 {
            head.push_str(&format!(
                ",\"crs\":{{\"type\":\"name\",\"properties\":{{\"name\":\"urn:ogc:def:crs:EPSG::{}\"}}}}",
                schema.crs.epsg()
            ));
        }
        head.push_str(",\"features\":[\n");
        w.out.write_all(head.as_bytes()).map_err(io_err(path))?;
        Ok(w)
    }
}

impl FeatureWriter for GeoJsonWriter {
    fn write(&mut self, f: &Feature) -> Result<(), WriteError> {
        let buf = &mut self.buf;
        buf.clear();
        if self.count > 0 {
            buf.push_str(",\n");
        }
        buf.push_str("{\"type\":\"Feature\",\"id\":");
        buf.push_str(&f.id.to_string());
        buf.push_str(",\"geometry\":");
        push_geometry(buf, &f.geometry, self.decimals);
        let mut props = Map::new();
        for field in &self.schema.fields {
            let v = match field_value(f, &field.name) {
                None => Value::Null,
                Some(v) => match field.ty {
                    FieldType::Text => as_text(v).map_or(Value::Null, Value::String),
                    FieldType::Integer => as_integer(v).map_or(Value::Null, Value::from),
                    FieldType::Real => as_real(v).map_or(Value::Null, Value::from),
                },
            };
            props.insert(field.name.clone(), v);
        }
        buf.push_str(",\"properties\":");
        buf.push_str(&Value::Object(props).to_string());
        buf.push('}');
        self.out
            .write_all(buf.as_bytes())
            .map_err(io_err(&self.path))?;
        self.count += 1;
        Ok(())
    }

    fn finish(mut self: Box<Self>) -> Result<Vec<PathBuf>, WriteError> {
        self.out
            .write_all(b"\n]}\n")
            .and_then(|_| self.out.flush())
            .map_err(io_err(&self.path))?;
        Ok(vec![self.path.clone()])
    }
}

fn push_coord(out: &mut String, c: Coord<f64>, d: u32) {
    out.push('[');
    push_num(out, c.x, d);
    out.push(',');
    push_num(out, c.y, d);
    out.push(']');
}

fn push_line(out: &mut String, l: &LineString<f64>, d: u32) {
    out.push('[');
    for (i, c) in l.0.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        push_coord(out, *c, d);
    }
    out.push(']');
}

fn push_polygon(out: &mut String, p: &Polygon<f64>, d: u32) {
    let p = p.orient(Direction::Default);
    out.push('[');
    push_line(out, p.exterior(), d);
    for r in p.interiors() {
        out.push(',');
        push_line(out, r, d);
    }
    out.push(']');
}

/// Append the GeoJSON geometry object of `g` (coordinates rounded to `d` decimals).
pub fn push_geometry(out: &mut String, g: &Geometry<f64>, d: u32) {
    match g {
        Geometry::Point(p) => {
            out.push_str("{\"type\":\"Point\",\"coordinates\":");
            push_coord(out, p.0, d);
        }
        Geometry::Line(l) => {
            out.push_str("{\"type\":\"LineString\",\"coordinates\":");
            push_line(out, &LineString(vec![l.start, l.end]), d);
        }
        Geometry::LineString(l) => {
            out.push_str("{\"type\":\"LineString\",\"coordinates\":");
            push_line(out, l, d);
        }
        Geometry::Polygon(p) => {
            out.push_str("{\"type\":\"Polygon\",\"coordinates\":");
            push_polygon(out, p, d);
        }
        Geometry::Rect(r) => return push_geometry(out, &Geometry::Polygon(r.to_polygon()), d),
        Geometry::Triangle(t) => return push_geometry(out, &Geometry::Polygon(t.to_polygon()), d),
        Geometry::MultiPoint(mp) => {
            out.push_str("{\"type\":\"MultiPoint\",\"coordinates\":[");
            for (i, p) in mp.0.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                push_coord(out, p.0, d);
            }
            out.push(']');
        }
        Geometry::MultiLineString(ml) => {
            out.push_str("{\"type\":\"MultiLineString\",\"coordinates\":[");
            for (i, l) in ml.0.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                push_line(out, l, d);
            }
            out.push(']');
        }
        Geometry::MultiPolygon(mp) => {
            out.push_str("{\"type\":\"MultiPolygon\",\"coordinates\":[");
            for (i, p) in mp.0.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                push_polygon(out, p, d);
            }
            out.push(']');
        }
        Geometry::GeometryCollection(gc) => {
            out.push_str("{\"type\":\"GeometryCollection\",\"geometries\":[");
            for (i, g) in gc.0.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                push_geometry(out, g, d);
            }
            out.push_str("]}");
            return;
        }
    }
    out.push('}');
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::io::geojson::GeoJsonReader;
    use crate::io::RawFeature;
    use crate::model::Layer;
    use geo::{point, polygon, Winding};
    use serde_json::json;

    fn features() -> Vec<Feature> {
        // Clockwise exterior: the writer must turn it counter-clockwise.
        let cw = polygon![(x: 0.0, y: 0.0), (x: 0.0, y: 1.0), (x: 1.0, y: 1.0), (x: 1.0, y: 0.0)];
        vec![
            Feature {
                id: 7,
                geometry: Geometry::Polygon(cw),
                attributes: json!({"NAMEFRE": "Ixelles \"Elsene\"", "AREA": 6.3})
                    .as_object()
                    .cloned()
                    .unwrap_or_default(),
            },
            Feature {
                id: 8,
                geometry: Geometry::Point(point!(x: 4.35, y: 50.85)),
                attributes: json!({"NAMEFRE": null, "AREA": 1})
                    .as_object()
                    .cloned()
                    .unwrap_or_default(),
            },
        ]
    }

    #[test]
    fn round_trip_through_the_reader() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("Municipalities.geojson");
        let fs = features();
        let schema = LayerSchema::infer("Municipalities", Layer::Municipalities, Crs::Wgs84, &fs);
        let mut w: Box<dyn FeatureWriter> =
            Box::new(GeoJsonWriter::create(&path, &schema).unwrap());
        for f in &fs {
            w.write(f).unwrap();
        }
        w.finish().unwrap();
        let text = std::fs::read_to_string(&path).unwrap();
        let doc: Value = serde_json::from_str(&text).unwrap();
        assert!(doc.get("crs").is_none(), "RFC 7946 has no crs member");
        assert_eq!(doc["features"][0]["id"], json!(7));
        let mut r = GeoJsonReader::open(&path).unwrap();
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
        assert_eq!(got.len(), 2);
        let Some(Geometry::Polygon(p)) = &got[0].geometry else {
            panic!("polygon expected: {:?}", got[0].geometry)
        };
        assert!(p.exterior().is_ccw());
        let attrs: Map<String, Value> = got[0].attributes.iter().cloned().collect();
        assert_eq!(attrs["NAMEFRE"], json!("Ixelles \"Elsene\""));
        assert_eq!(attrs["AREA"], json!(6.3));
        let attrs: Map<String, Value> = got[1].attributes.iter().cloned().collect();
        assert_eq!(attrs["AREA"], json!(1.0));
    }

    #[test]
    fn projected_layers_name_their_crs() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("b.geojson");
        let fs = features();
        let schema = LayerSchema::infer("b", Layer::Buildings, Crs::Lambert72, &fs);
        let w = GeoJsonWriter::create(&path, &schema).unwrap();
        Box::new(w).finish().unwrap();
        let doc: Value = serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
        assert_eq!(
            doc["crs"]["properties"]["name"],
            json!("urn:ogc:def:crs:EPSG::31370")
        );
        assert_eq!(doc["features"], json!([]));
    }
}
