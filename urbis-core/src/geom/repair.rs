//! PLACEHOLDER API — being implemented.
use geo::Geometry;

/// Validate `g`; return it (repaired if needed, with a note saying what was fixed) or the reason
/// it cannot be used.
pub fn repair(g: Geometry<f64>) -> Result<(Geometry<f64>, Option<String>), String> {
    Ok((g, None))
}
