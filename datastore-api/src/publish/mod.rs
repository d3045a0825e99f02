//! Publication of the catalogue for harvesters: DCAT-AP RDF, CSW 2.0.2 with ISO 19139, OGC API
//! Records.

pub mod csw;
pub mod xml;
