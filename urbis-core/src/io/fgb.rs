//! FlatGeobuf writer (with the `flatgeobuf` crate): one layer per file, with its packed
//! Hilbert R-tree spatial index and the CRS (EPSG code and WKT) in the header. Features are
//! buffered in an anonymous temporary file by the crate and sorted along the Hilbert curve when
//! the file is written at [`FeatureWriter::finish`]; memory holds one index node per feature.

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

use flatgeobuf::geozero::{ColumnValue, PropertyProcessor};
use flatgeobuf::{ColumnType, FgbCrs, FgbWriter, FgbWriterOptions, GeometryType};

use crate::error::WriteError;
use crate::io::writer::{
    as_integer, as_real, as_text_cow, field_value, io_err, FeatureWriter, FieldType, LayerSchema,
};
use crate::model::Feature;

/// Writes one layer as FlatGeobuf.
pub struct FgbLayerWriter {
    fgb: FgbWriter<'static>,
    path: PathBuf,
    schema: LayerSchema,
}

fn fgb_type(geometry_type: &str) -> GeometryType {
    match geometry_type {
        "POINT" => GeometryType::Point,
        "MULTIPOINT" => GeometryType::MultiPoint,
        "LINESTRING" => GeometryType::LineString,
        "MULTILINESTRING" => GeometryType::MultiLineString,
        "POLYGON" => GeometryType::Polygon,
        "MULTIPOLYGON" => GeometryType::MultiPolygon,
        _ => GeometryType::Unknown,
    }
}

fn fgb_err(path: &Path) -> impl Fn(flatgeobuf::Error) -> WriteError + '_ {
    move |e| WriteError::Invalid(format!("{}: FlatGeobuf: {e}", path.display()))
}

impl FgbLayerWriter {
    /// Start a FlatGeobuf file at `path` (written at [`FeatureWriter::finish`]).
    pub fn create(path: &Path, schema: &LayerSchema) -> Result<Self, WriteError> {
        let options = FgbWriterOptions {
            write_index: true,
            detect_type: false,
            promote_to_multi: true,
            crs: FgbCrs {
                org: Some("EPSG"),
                code: i32::try_from(schema.crs.epsg()).unwrap_or(0),
                wkt: Some(schema.crs.wkt()),
                ..Default::default()
            },
            ..Default::default()
        };
        let mut fgb =
            FgbWriter::create_with_options(&schema.name, fgb_type(schema.geometry_type), options)
                .map_err(fgb_err(path))?;
        for f in &schema.fields {
            let ty = match f.ty {
                FieldType::Text => ColumnType::String,
                FieldType::Integer => ColumnType::Long,
                FieldType::Real => ColumnType::Double,
            };
            fgb.add_column(&f.name, ty, |_, col| col.nullable = true);
        }
        Ok(FgbLayerWriter {
            fgb,
            path: path.to_path_buf(),
            schema: schema.clone(),
        })
    }
}

impl FeatureWriter for FgbLayerWriter {
    fn write(&mut self, f: &Feature) -> Result<(), WriteError> {
        let fields = &self.schema.fields;
        let mut failed = None;
        self.fgb
            .add_feature_geom(f.geometry.clone(), |w| {
                for (i, field) in fields.iter().enumerate() {
                    let Some(v) = field_value(f, &field.name) else {
                        continue;
                    };
                    let r = match field.ty {
                        FieldType::Text => match as_text_cow(v) {
                            Some(t) => w.property(i, &field.name, &ColumnValue::String(&t)),
                            None => Ok(false),
                        },
                        FieldType::Integer => match as_integer(v) {
                            Some(n) => w.property(i, &field.name, &ColumnValue::Long(n)),
                            None => Ok(false),
                        },
                        FieldType::Real => match as_real(v) {
                            Some(x) => w.property(i, &field.name, &ColumnValue::Double(x)),
                            None => Ok(false),
                        },
                    };
                    if let Err(e) = r {
                        failed = Some(e.to_string());
                        break;
                    }
                }
            })
            .map_err(|e| {
                WriteError::Invalid(format!(
                    "{}: FlatGeobuf: feature {}: {e}",
                    self.path.display(),
                    f.id
                ))
            })?;
        match failed {
            Some(e) => Err(WriteError::Invalid(format!(
                "{}: FlatGeobuf: feature {}: {e}",
                self.path.display(),
                f.id
            ))),
            None => Ok(()),
        }
    }

    fn finish(self: Box<Self>) -> Result<Vec<PathBuf>, WriteError> {
        let path = self.path;
        let file = File::create(&path).map_err(io_err(&path))?;
        let mut out = BufWriter::with_capacity(1 << 16, file);
        self.fgb.write(&mut out).map_err(fgb_err(&path))?;
        out.flush().map_err(io_err(&path))?;
        Ok(vec![path])
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::crs::Crs;
    use crate::model::Layer;
    use flatgeobuf::{FallibleStreamingIterator, FeatureProperties, FgbReader};
    use geo::{point, Geometry, Rect};
    use serde_json::json;

    #[test]
    fn writes_an_indexed_file_with_crs_and_properties() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("Addresses.fgb");
        let fs: Vec<Feature> = (0..50)
            .map(|i| Feature {
                id: i,
                geometry: Geometry::Point(point!(x: 150000.0 + i as f64 * 10.0, y: 170000.0)),
                attributes: json!({"POLICENUM": format!("{i}A"), "XL72": 150000.0 + i as f64})
                    .as_object()
                    .cloned()
                    .unwrap_or_default(),
            })
            .collect();
        let schema = LayerSchema::infer("Addresses", Layer::Addresses, Crs::Lambert72, &fs);
        let mut w: Box<dyn FeatureWriter> =
            Box::new(FgbLayerWriter::create(&path, &schema).unwrap());
        for f in &fs {
            w.write(f).unwrap();
        }
        w.finish().unwrap();
        let mut file = std::io::BufReader::new(File::open(&path).unwrap());
        let reader = FgbReader::open(&mut file).unwrap();
        let header = reader.header();
        assert_eq!(header.features_count(), 50);
        assert_eq!(header.index_node_size(), 16);
        assert_eq!(header.crs().map(|c| c.code()), Some(31370));
        // A spatial query through the index.
        let r = Rect::new((150095.0, 169990.0), (150205.0, 170010.0));
        let mut sel = reader
            .select_bbox(r.min().x, r.min().y, r.max().x, r.max().y)
            .unwrap();
        let mut n = 0;
        while let Some(feat) = sel.next().unwrap() {
            let num: String = feat.property("POLICENUM").unwrap();
            assert!(num.ends_with('A'));
            n += 1;
        }
        assert_eq!(n, 11);
    }
}
