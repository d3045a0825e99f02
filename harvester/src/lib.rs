//! # harvester
//!
//! Pulls DCAT-AP and ISO 19139 metadata from partner portals (CSW 2.0.2, DCAT RDF, CKAN API,
//! OGC API Records, single files) into the catalogue as scheduled, reported, crash-safe jobs.
//!
//! - [`fetch`]: the safe HTTP client (timeouts, size cap, polite delay, no private addresses).
//! - [`xml`]: the entity-free XML reader.
//! - [`map`]: ISO 19139, DCAT RDF, CKAN and OGC API Records → the catalogue's [`Dataset`].
//!
//! [`Dataset`]: datastore_api::model::Dataset

pub mod api;
pub mod config;
pub mod cron;
pub mod db;
pub mod fetch;
pub mod gather;
pub mod job;
pub mod map;
pub mod xml;
