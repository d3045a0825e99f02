//! PLACEHOLDER API — being implemented.
use geo::Geometry;

use crate::error::GeometryError;

pub fn write_wkb(g: &Geometry<f64>, out: &mut Vec<u8>) {
    todo!("{g:?}{}", out.len())
}
pub fn to_wkb(g: &Geometry<f64>) -> Vec<u8> {
    let mut v = Vec::new();
    write_wkb(g, &mut v);
    v
}
pub fn read_wkb(bytes: &[u8]) -> Result<Geometry<f64>, GeometryError> {
    todo!("{}", bytes.len())
}
