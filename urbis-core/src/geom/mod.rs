//! Geometry encodings (WKB, GeoPackage binary) and validation/repair.
pub mod repair;
pub mod wkb;
