//! Streaming KML 2.2 writer. KML is always WGS 84 longitude/latitude: the writer refuses a
//! schema in another CRS. The layer is a `<Folder>`; its attributes are declared in a
//! `<Schema>` and written per `<Placemark>` as `<ExtendedData><SchemaData>` (`<SimpleData>`),
//! which GDAL (KML and LIBKML drivers), QGIS and Google Earth read as typed attributes. Each
//! placemark has a `<name>`: the street and house number of an address, the name of a street or
//! municipality, the cadastral key of a parcel, else the INSPIRE id.

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

use geo::{Coord, Geometry, LineString, Polygon};

use crate::crs::Crs;
use crate::error::WriteError;
use crate::io::writer::{
    as_integer, as_real, as_text, decimals, field_value, io_err, push_num, FeatureWriter,
    FieldType, LayerSchema,
};
use crate::model::{text_attr, Feature};

/// Writes one layer as a KML document.
pub struct KmlWriter {
    out: BufWriter<File>,
    path: PathBuf,
    schema: LayerSchema,
    schema_id: String,
    buf: String,
}

/// Escape text for XML content and attribute values.
pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            // Characters XML 1.0 cannot carry at all.
            c if (c as u32) < 0x20 && !matches!(c, '\t' | '\n' | '\r') => {}
            c => out.push(c),
        }
    }
    out
}

/// An XML NCName from a layer name (for the schema id).
fn ncname(s: &str) -> String {
    let mut id: String = s
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '_' || c == '-' {
                c
            } else {
                '_'
            }
        })
        .collect();
    if !id.starts_with(|c: char| c.is_ascii_alphabetic() || c == '_') {
        id.insert(0, '_');
    }
    id
}

impl KmlWriter {
    pub fn create(path: &Path, schema: &LayerSchema) -> Result<Self, WriteError> {
        if schema.crs != Crs::Wgs84 {
            return Err(WriteError::Invalid(format!(
                "{}: KML is always in WGS 84 (EPSG:4326), not EPSG:{}",
                path.display(),
                schema.crs.epsg()
            )));
        }
        let file = File::create(path).map_err(io_err(path))?;
        let schema_id = ncname(&schema.name);
        let mut head = format!(
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n\
             <kml xmlns=\"http://www.opengis.net/kml/2.2\">\n<Document id=\"root_doc\">\n\
             <Schema name=\"{name}\" id=\"{schema_id}\">\n",
            name = escape(&schema.name)
        );
        for f in &schema.fields {
            let ty = match f.ty {
                FieldType::Text => "string",
                FieldType::Integer => "int",
                FieldType::Real => "double",
            };
            head.push_str(&format!(
                "\t<SimpleField name=\"{}\" type=\"{ty}\"></SimpleField>\n",
                escape(&f.name)
            ));
        }
        head.push_str(&format!(
            "</Schema>\n<Folder><name>{}</name>\n",
            escape(&schema.name)
        ));
        let mut out = BufWriter::with_capacity(1 << 16, file);
        out.write_all(head.as_bytes()).map_err(io_err(path))?;
        Ok(KmlWriter {
            out,
            path: path.to_path_buf(),
            schema: schema.clone(),
            schema_id,
            buf: String::with_capacity(4096),
        })
    }
}

/// A label for the placemark.
fn label(f: &Feature) -> Option<String> {
    let a = &f.attributes;
    if let Some(street) = text_attr(a, "STRNAMEFRE") {
        return Some(match text_attr(a, "POLICENUM") {
            Some(n) => match text_attr(a, "BOXNUMBER") {
                Some(b) => format!("{street} {n} bte {b}"),
                None => format!("{street} {n}"),
            },
            None => street,
        });
    }
    text_attr(a, "NAMEFRE")
        .or_else(|| text_attr(a, "CAPAKEY"))
        .or_else(|| text_attr(a, "INSPIRE_ID"))
}

impl FeatureWriter for KmlWriter {
    fn write(&mut self, f: &Feature) -> Result<(), WriteError> {
        let d = decimals(Crs::Wgs84);
        let b = &mut self.buf;
        b.clear();
        b.push_str(&format!("<Placemark id=\"{}.{}\">", self.schema_id, f.id));
        if let Some(l) = label(f) {
            b.push_str("<name>");
            b.push_str(&escape(&l));
            b.push_str("</name>");
        }
        b.push_str(&format!(
            "<ExtendedData><SchemaData schemaUrl=\"#{}\">",
            self.schema_id
        ));
        for field in &self.schema.fields {
            let Some(v) = field_value(f, &field.name) else {
                continue;
            };
            let text = match field.ty {
                FieldType::Text => as_text(v),
                FieldType::Integer => as_integer(v).map(|i| i.to_string()),
                FieldType::Real => as_real(v).map(|r| r.to_string()),
            };
            if let Some(t) = text {
                b.push_str(&format!(
                    "<SimpleData name=\"{}\">{}</SimpleData>",
                    escape(&field.name),
                    escape(&t)
                ));
            }
        }
        b.push_str("</SchemaData></ExtendedData>");
        push_geometry(b, &f.geometry, d);
        b.push_str("</Placemark>\n");
        self.out.write_all(b.as_bytes()).map_err(io_err(&self.path))
    }

    fn finish(mut self: Box<Self>) -> Result<Vec<PathBuf>, WriteError> {
        self.out
            .write_all(b"</Folder>\n</Document>\n</kml>\n")
            .and_then(|_| self.out.flush())
            .map_err(io_err(&self.path))?;
        Ok(vec![self.path.clone()])
    }
}

fn push_coords(out: &mut String, cs: &[Coord<f64>], d: u32) {
    out.push_str("<coordinates>");
    for (i, c) in cs.iter().enumerate() {
        if i > 0 {
            out.push(' ');
        }
        push_num(out, c.x, d);
        out.push(',');
        push_num(out, c.y, d);
    }
    out.push_str("</coordinates>");
}

fn push_line(out: &mut String, l: &LineString<f64>, d: u32) {
    out.push_str("<LineString>");
    push_coords(out, &l.0, d);
    out.push_str("</LineString>");
}

fn push_polygon(out: &mut String, p: &Polygon<f64>, d: u32) {
    out.push_str("<Polygon><outerBoundaryIs><LinearRing>");
    push_coords(out, &p.exterior().0, d);
    out.push_str("</LinearRing></outerBoundaryIs>");
    for r in p.interiors() {
        out.push_str("<innerBoundaryIs><LinearRing>");
        push_coords(out, &r.0, d);
        out.push_str("</LinearRing></innerBoundaryIs>");
    }
    out.push_str("</Polygon>");
}

/// Append the KML geometry of `g` (multi-geometries as `<MultiGeometry>`).
fn push_geometry(out: &mut String, g: &Geometry<f64>, d: u32) {
    match g {
        Geometry::Point(p) => {
            out.push_str("<Point>");
            push_coords(out, &[p.0], d);
            out.push_str("</Point>");
        }
        Geometry::Line(l) => push_line(out, &LineString(vec![l.start, l.end]), d),
        Geometry::LineString(l) => push_line(out, l, d),
        Geometry::Polygon(p) => push_polygon(out, p, d),
        Geometry::Rect(r) => push_polygon(out, &r.to_polygon(), d),
        Geometry::Triangle(t) => push_polygon(out, &t.to_polygon(), d),
        Geometry::MultiPoint(mp) => {
            out.push_str("<MultiGeometry>");
            for p in &mp.0 {
                push_geometry(out, &Geometry::Point(*p), d);
            }
            out.push_str("</MultiGeometry>");
        }
        Geometry::MultiLineString(ml) => {
            out.push_str("<MultiGeometry>");
            for l in &ml.0 {
                push_line(out, l, d);
            }
            out.push_str("</MultiGeometry>");
        }
        Geometry::MultiPolygon(mp) => {
            out.push_str("<MultiGeometry>");
            for p in &mp.0 {
                push_polygon(out, p, d);
            }
            out.push_str("</MultiGeometry>");
        }
        Geometry::GeometryCollection(gc) => {
            out.push_str("<MultiGeometry>");
            for g in &gc.0 {
                push_geometry(out, g, d);
            }
            out.push_str("</MultiGeometry>");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Layer;
    use geo::{point, polygon, MultiPolygon};
    use serde_json::json;

    #[test]
    fn placemarks_with_extended_data() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("Addresses.kml");
        let fs = vec![Feature {
            id: 3,
            geometry: Geometry::Point(point!(x: 4.351234567, y: 50.8)),
            attributes:
                json!({"STRNAMEFRE": "Rue <Neuve> & Co", "POLICENUM": "7A", "XL72": 150000.5})
                    .as_object()
                    .cloned()
                    .unwrap_or_default(),
        }];
        let schema = LayerSchema::infer("Addresses", Layer::Addresses, Crs::Wgs84, &fs);
        let mut w: Box<dyn FeatureWriter> = Box::new(KmlWriter::create(&path, &schema).unwrap());
        w.write(&fs[0]).unwrap();
        w.finish().unwrap();
        let text = std::fs::read_to_string(&path).unwrap();
        assert!(text.contains("<SimpleField name=\"XL72\" type=\"double\">"));
        assert!(text.contains("<name>Rue &lt;Neuve&gt; &amp; Co 7A</name>"));
        assert!(text.contains("<SimpleData name=\"POLICENUM\">7A</SimpleData>"));
        assert!(text.contains("<Point><coordinates>4.35123457,50.8</coordinates></Point>"));
        assert!(text.ends_with("</kml>\n"));
    }

    #[test]
    fn multipolygons_and_crs_check() {
        let mut s = String::new();
        let p = polygon![(x: 0.0, y: 0.0), (x: 1.0, y: 0.0), (x: 1.0, y: 1.0)];
        push_geometry(&mut s, &Geometry::MultiPolygon(MultiPolygon(vec![p])), 8);
        assert_eq!(
            s,
            "<MultiGeometry><Polygon><outerBoundaryIs><LinearRing><coordinates>0,0 1,0 1,1 0,0\
             </coordinates></LinearRing></outerBoundaryIs></Polygon></MultiGeometry>"
        );
        let dir = tempfile::tempdir().unwrap();
        let schema = LayerSchema::infer("B", Layer::Buildings, Crs::Lambert72, &[]);
        assert!(KmlWriter::create(&dir.path().join("b.kml"), &schema).is_err());
    }
}
