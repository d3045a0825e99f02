//! # urbis-core
//!
//! The spatial core of urbis: the UrbIS data model ([`model`]), importers for the official
//! distributions ([`io`]), the feature store with atomic import generations ([`store`]), the
//! in-memory R-tree ([`index`]), coordinate reference systems ([`crs`]), the deterministic
//! sample generator ([`generate`]) and the OGC API Features router ([`http`]).

pub mod crs;
pub mod error;
pub mod generate;
pub mod geocode;
pub mod geom;
pub mod http;
pub mod import;
pub mod index;
pub mod io;
pub mod model;
pub mod store;

pub use crs::{Crs, CrsEngine, Transformer};
pub use error::{CrsError, GeometryError, ImportError, ReadError, StoreError, WriteError};
pub use index::{Dataset, LayerIndex};
pub use model::{Attributes, Feature, Layer};
