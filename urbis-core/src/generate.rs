//! PLACEHOLDER API — being implemented.
use std::path::Path;

use crate::error::WriteError;
use crate::model::{Feature, Layer};

#[derive(Debug, Clone)]
pub struct GenerateOptions {
    pub scale: f64,
    pub seed: u64,
}

pub struct Generated {
    pub layers: Vec<(Layer, Vec<Feature>)>,
}

pub fn generate(opts: &GenerateOptions) -> Generated {
    todo!("{opts:?}")
}

pub async fn write_gpkg(generated: &Generated, path: &Path) -> Result<(), WriteError> {
    todo!("{}{}", generated.layers.len(), path.display())
}
