//! # harvester
//!
//! Pulls DCAT-AP and ISO 19139 metadata from partner portals (CSW 2.0.2, DCAT RDF, CKAN API,
//! OGC API Records) into the catalogue as scheduled, reported, crash-safe jobs. The harvest
//! sources, jobs and mappings are the subject of the harvester issue; this crate is part of the
//! workspace so that the binary and CI build it from the start.
