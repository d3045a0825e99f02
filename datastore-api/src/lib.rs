//! # datastore-api
//!
//! The open-data catalogue of the Region: DCAT-AP 3 model and storage, search with facets,
//! DCAT-AP publication for the portals that harvest us, CSW 2.0.2, OGC API Records and
//! downloads. The catalogue is the subject of the datastore issue; this crate is part of the
//! workspace so that the binary and CI build it from the start.

pub mod downloads;
pub mod publish;
