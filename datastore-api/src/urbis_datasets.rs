//! The server's own UrbIS layers as catalogue datasets, kept in step with each import.

/// Id of the publisher of the UrbIS datasets and of the catalogue.
pub const PUBLISHER_ID: &str = "cirb";
