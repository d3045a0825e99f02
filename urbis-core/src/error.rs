//! Typed errors of the spatial core, one enum per concern.

use std::path::PathBuf;

/// Errors reading a source file (GeoPackage, Shapefile, GeoJSON, zip).
#[derive(Debug, thiserror::Error)]
pub enum ReadError {
    #[error("{path}: {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("{path}: unsupported file: {reason}")]
    Unsupported { path: PathBuf, reason: String },
    #[error("{path}: {detail}")]
    Malformed { path: PathBuf, detail: String },
    #[error("{path}, layer {layer}, record {record}: {detail}")]
    Record {
        path: PathBuf,
        layer: String,
        record: u64,
        detail: String,
    },
    #[error("{path}: {source}")]
    Sqlite {
        path: PathBuf,
        #[source]
        source: sqlx::Error,
    },
}

/// Errors decoding or encoding geometries (WKB, GeoPackage binary).
#[derive(Debug, Clone, thiserror::Error, PartialEq)]
pub enum GeometryError {
    #[error("truncated geometry blob")]
    Truncated,
    #[error("unsupported geometry type code {0}")]
    UnsupportedType(u32),
    #[error("invalid GeoPackage geometry header: {0}")]
    BadHeader(String),
    #[error("invalid geometry: {0}")]
    Invalid(String),
}

/// Errors of coordinate transformations.
#[derive(Debug, Clone, thiserror::Error, PartialEq)]
pub enum CrsError {
    #[error(
        "unsupported CRS `{0}` (supported: EPSG:31370, EPSG:3812, EPSG:4326, EPSG:3857, OGC CRS84)"
    )]
    Unsupported(String),
    #[error("coordinate ({0}, {1}) could not be transformed: {2}")]
    Transform(f64, f64, String),
    #[error("grid file {path}: {detail}")]
    Grid { path: String, detail: String },
}

/// Errors of the feature store.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("database error: {0}")]
    Database(#[from] sqlx::Error),
    #[error("migration error: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    #[error("corrupt stored feature {layer}/{id}: {detail}")]
    Corrupt {
        layer: String,
        id: i64,
        detail: String,
    },
    #[error("generation {0} is not being built")]
    NotBuilding(i64),
    #[error("{0}")]
    Other(String),
}

/// Errors of an import.
#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    #[error(transparent)]
    Read(#[from] ReadError),
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Crs(#[from] CrsError),
    #[error("{0}: no UrbIS layer found (expected Addresses, Buildings, CadastralParcels, StreetAxes or Municipalities)")]
    NoLayers(PathBuf),
    #[error("import cancelled")]
    Cancelled,
}

/// Errors writing a file (GeoPackage and the other export formats).
#[derive(Debug, thiserror::Error)]
pub enum WriteError {
    #[error("{path}: {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("{path}: {source}")]
    Sqlite {
        path: PathBuf,
        #[source]
        source: sqlx::Error,
    },
    #[error("{0}")]
    Invalid(String),
}
