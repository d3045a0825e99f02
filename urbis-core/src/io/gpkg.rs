//! PLACEHOLDER API — being implemented.
use std::path::Path;

use geo::Geometry;

use crate::crs::Crs;
use crate::error::{GeometryError, ReadError, WriteError};
use crate::io::{RawFeature, RecordIssue, SourceLayer};
use crate::model::Feature;

pub struct GpkgReader {}
impl GpkgReader {
    pub async fn open(path: &Path) -> Result<Self, ReadError> {
        todo!("{}", path.display())
    }
    pub fn layers(&self) -> &[SourceLayer] {
        todo!()
    }
    pub async fn read_layer(
        &mut self,
        layer: &str,
        sink: &mut (dyn FnMut(RawFeature) -> Result<(), ReadError> + Send),
        issues: &mut Vec<RecordIssue>,
    ) -> Result<u64, ReadError> {
        let _ = (sink, issues);
        todo!("{layer}")
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FieldType {
    Text,
    Integer,
    Real,
}

pub struct GpkgWriter {}
impl GpkgWriter {
    pub async fn create(path: &Path, crs: Crs) -> Result<Self, WriteError> {
        todo!("{}{crs:?}", path.display())
    }
    pub async fn add_layer(
        &mut self,
        table: &str,
        geometry_type: &str,
        fields: &[(&str, FieldType)],
    ) -> Result<(), WriteError> {
        todo!("{table}{geometry_type}{}", fields.len())
    }
    pub async fn write_features(
        &mut self,
        table: &str,
        features: &[Feature],
    ) -> Result<(), WriteError> {
        todo!("{table}{}", features.len())
    }
    pub async fn finish(self, spatial_index: bool) -> Result<(), WriteError> {
        todo!("{spatial_index}")
    }
}

pub fn decode_gpkg_geometry(blob: &[u8]) -> Result<Option<Geometry<f64>>, GeometryError> {
    todo!("{}", blob.len())
}
pub fn encode_gpkg_geometry(g: &Geometry<f64>, srs_id: i32) -> Vec<u8> {
    todo!("{g:?}{srs_id}")
}
