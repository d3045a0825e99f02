//! Coordinate reference systems: EPSG:31370, 3812, 4326 and 3857 both ways.
//! PLACEHOLDER API — being implemented.

use std::path::Path;

use geo::{Geometry, Rect};
use serde::Serialize;

use crate::error::CrsError;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
pub enum Crs {
    /// EPSG:31370 Belgian Lambert 72 (BD72).
    Lambert72,
    /// EPSG:3812 Belgian Lambert 2008 (ETRS89).
    Lambert2008,
    /// EPSG:4326 WGS 84 (x = longitude, y = latitude in this API).
    Wgs84,
    /// EPSG:3857 Web Mercator.
    WebMercator,
}

impl Crs {
    pub const ALL: [Crs; 4] = [Crs::Lambert72, Crs::Lambert2008, Crs::Wgs84, Crs::WebMercator];
    pub fn epsg(self) -> u32 {
        match self {
            Crs::Lambert72 => 31370,
            Crs::Lambert2008 => 3812,
            Crs::Wgs84 => 4326,
            Crs::WebMercator => 3857,
        }
    }
    pub fn from_epsg(code: u32) -> Option<Crs> {
        Crs::ALL.into_iter().find(|c| c.epsg() == code)
    }
    pub fn parse(s: &str) -> Result<Crs, CrsError> {
        todo!("{s}")
    }
    pub fn uri(self) -> &'static str {
        todo!()
    }
    pub fn wkt(self) -> &'static str {
        todo!()
    }
    pub fn from_wkt(wkt: &str) -> Option<Crs> {
        todo!("{wkt}")
    }
    pub fn is_geographic(self) -> bool {
        matches!(self, Crs::Wgs84)
    }
}

#[derive(Clone, Default)]
pub struct CrsEngine {}

impl CrsEngine {
    pub fn helmert() -> Self {
        CrsEngine {}
    }
    pub fn with_grid(path: &Path) -> Result<Self, CrsError> {
        todo!("{}", path.display())
    }
    pub fn uses_grid(&self) -> bool {
        false
    }
    pub fn transformer(&self, from: Crs, to: Crs) -> Result<Transformer, CrsError> {
        todo!("{from:?}{to:?}")
    }
}

#[derive(Clone)]
pub struct Transformer {}

impl Transformer {
    pub fn is_identity(&self) -> bool {
        todo!()
    }
    pub fn transform(&self, x: f64, y: f64) -> Result<(f64, f64), CrsError> {
        todo!("{x}{y}")
    }
    pub fn transform_geometry(&self, g: &Geometry<f64>) -> Result<Geometry<f64>, CrsError> {
        todo!("{g:?}")
    }
    pub fn transform_rect(&self, r: Rect<f64>) -> Result<Rect<f64>, CrsError> {
        todo!("{r:?}")
    }
}
