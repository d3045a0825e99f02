//! PLACEHOLDER API — being implemented.
use std::path::Path;

use crate::error::ReadError;
use crate::io::{RawFeature, RecordIssue, SourceLayer};

pub struct GeoJsonReader {}
impl GeoJsonReader {
    pub fn open(path: &Path) -> Result<Self, ReadError> {
        todo!("{}", path.display())
    }
    pub fn layer(&self) -> &SourceLayer {
        todo!()
    }
    pub fn read(
        &mut self,
        sink: &mut (dyn FnMut(RawFeature) -> Result<(), ReadError> + Send),
        issues: &mut Vec<RecordIssue>,
    ) -> Result<u64, ReadError> {
        let _ = (sink, issues);
        todo!()
    }
}
