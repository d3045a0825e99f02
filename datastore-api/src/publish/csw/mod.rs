//! CSW 2.0.2 (OGC 07-006r1) with OGC Filter 1.1 and CQL constraints.

pub mod capabilities;
pub mod filter;
pub mod request;
pub mod service;
