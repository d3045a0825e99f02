//! (in progress)
pub struct Dataset;
pub struct LayerIndex;
