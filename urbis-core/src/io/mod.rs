//! Readers and writers for the formats UrbIS data comes in, all pure Rust:
//! the official distribution zip (`UrbISVector_31370_GPKG_04000_<date>.zip`), a bare GeoPackage,
//! Shapefiles (with or without `.shx`/`.prj`) and GeoJSON.
//!
//! [`open`] detects the format and returns a [`SourceReader`] listing the layers it holds;
//! [`SourceReader::read_layer`] streams the records of one layer to a callback.

pub mod csv;
pub mod fgb;
pub mod geojson;
pub mod geojson_writer;
pub mod gpkg;
pub mod kml;
pub mod shp;
pub mod shp_writer;
pub mod writer;
pub mod zip;

use std::path::{Path, PathBuf};

use geo::Geometry;
use serde_json::Value;

use crate::crs::Crs;
use crate::error::ReadError;
use crate::model::Layer;

/// One layer of a source file.
#[derive(Debug, Clone, PartialEq)]
pub struct SourceLayer {
    /// Name in the source (table, file stem or GeoJSON file stem).
    pub name: String,
    /// The UrbIS layer it maps to, if any.
    pub layer: Option<Layer>,
    /// CRS of the coordinates, when the source declares or implies one.
    pub crs: Option<Crs>,
    /// Number of records, when known without reading them.
    pub count: Option<u64>,
}

/// One record as read from a source, before normalisation.
#[derive(Debug, Clone, PartialEq)]
pub struct RawFeature {
    /// The source's feature id (GeoPackage fid), if any.
    pub fid: Option<i64>,
    /// 1-based position of the record in its layer.
    pub record: u64,
    /// `None` for a record with an empty or null geometry.
    pub geometry: Option<Geometry<f64>>,
    /// Attributes with their source names, in source order.
    pub attributes: Vec<(String, Value)>,
}

/// A problem with one record that did not stop the read (the record is skipped or repaired).
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct RecordIssue {
    pub layer: String,
    pub record: u64,
    pub detail: String,
}

/// An opened source file, of any supported format.
pub enum SourceReader {
    GeoPackage(gpkg::GpkgReader),
    Shapefile(shp::ShapefileReader),
    GeoJson(geojson::GeoJsonReader),
    /// A directory or zip holding several files (one reader per file).
    Multi(Vec<SourceReader>),
}

impl SourceReader {
    /// The layers of the source.
    pub fn layers(&self) -> Vec<SourceLayer> {
        match self {
            SourceReader::GeoPackage(r) => r.layers().to_vec(),
            SourceReader::Shapefile(r) => vec![r.layer().clone()],
            SourceReader::GeoJson(r) => vec![r.layer().clone()],
            SourceReader::Multi(rs) => rs.iter().flat_map(|r| r.layers()).collect(),
        }
    }

    /// Stream the records of `layer` (a name from [`Self::layers`]) to `sink`, in source order.
    /// A record that cannot be decoded is reported to `issues` and skipped; an unreadable file
    /// is an error. Returns the number of records passed to `sink`.
    pub async fn read_layer(
        &mut self,
        layer: &str,
        sink: &mut (dyn FnMut(RawFeature) -> Result<(), ReadError> + Send),
        issues: &mut Vec<RecordIssue>,
    ) -> Result<u64, ReadError> {
        match self {
            SourceReader::GeoPackage(r) => r.read_layer(layer, sink, issues).await,
            SourceReader::Shapefile(r) => r.read(sink, issues),
            SourceReader::GeoJson(r) => r.read(sink, issues),
            SourceReader::Multi(rs) => {
                for r in rs.iter_mut() {
                    if r.layers().iter().any(|l| l.name == layer) {
                        return Box::pin(r.read_layer(layer, sink, issues)).await;
                    }
                }
                Ok(0)
            }
        }
    }
}

/// What [`open`] needs to keep alive while a source is read (the directory a zip was
/// extracted to is removed when this is dropped).
pub struct Opened {
    pub reader: SourceReader,
    pub path: PathBuf,
    _extracted: Option<tempfile::TempDir>,
}

/// Open a source by path: `.zip` (the official distribution or any zip of supported files),
/// `.gpkg`, `.shp`, `.geojson`/`.json`, or a directory of such files.
pub async fn open(path: &Path) -> Result<Opened, ReadError> {
    let meta = std::fs::metadata(path).map_err(|e| ReadError::Io {
        path: path.to_path_buf(),
        source: e,
    })?;
    if meta.is_dir() {
        let reader = open_dir(path).await?;
        return Ok(Opened {
            reader,
            path: path.to_path_buf(),
            _extracted: None,
        });
    }
    let ext = path
        .extension()
        .and_then(|e| e.to_str())
        .map(|e| e.to_ascii_lowercase())
        .unwrap_or_default();
    match ext.as_str() {
        "zip" => {
            let dir = zip::extract(path)?;
            let reader = open_dir(dir.path()).await?;
            Ok(Opened {
                reader,
                path: path.to_path_buf(),
                _extracted: Some(dir),
            })
        }
        _ => Ok(Opened {
            reader: open_file(path).await?,
            path: path.to_path_buf(),
            _extracted: None,
        }),
    }
}

async fn open_file(path: &Path) -> Result<SourceReader, ReadError> {
    let ext = path
        .extension()
        .and_then(|e| e.to_str())
        .map(|e| e.to_ascii_lowercase())
        .unwrap_or_default();
    match ext.as_str() {
        "gpkg" => Ok(SourceReader::GeoPackage(
            gpkg::GpkgReader::open(path).await?,
        )),
        "shp" => Ok(SourceReader::Shapefile(shp::ShapefileReader::open(path)?)),
        "geojson" | "json" => Ok(SourceReader::GeoJson(geojson::GeoJsonReader::open(path)?)),
        _ => Err(ReadError::Unsupported {
            path: path.to_path_buf(),
            reason: "expected .zip, .gpkg, .shp, .geojson or .json".into(),
        }),
    }
}

/// Open every supported file below a directory (as found in an extracted distribution zip).
async fn open_dir(dir: &Path) -> Result<SourceReader, ReadError> {
    let mut files = Vec::new();
    collect_files(dir, &mut files).map_err(|e| ReadError::Io {
        path: dir.to_path_buf(),
        source: e,
    })?;
    files.sort();
    let mut readers = Vec::new();
    for f in files {
        let ext = f
            .extension()
            .and_then(|e| e.to_str())
            .map(|e| e.to_ascii_lowercase())
            .unwrap_or_default();
        if matches!(ext.as_str(), "gpkg" | "shp" | "geojson") {
            readers.push(open_file(&f).await?);
        }
    }
    if readers.is_empty() {
        return Err(ReadError::Unsupported {
            path: dir.to_path_buf(),
            reason: "no .gpkg, .shp or .geojson file inside".into(),
        });
    }
    Ok(SourceReader::Multi(readers))
}

fn collect_files(dir: &Path, out: &mut Vec<PathBuf>) -> std::io::Result<()> {
    for entry in std::fs::read_dir(dir)? {
        let entry = entry?;
        let p = entry.path();
        if entry.file_type()?.is_dir() {
            collect_files(&p, out)?;
        } else {
            out.push(p);
        }
    }
    Ok(())
}
