//! NTv2 (`.gsb`) horizontal grid-shift files.
//!
//! The format (Canadian "National Transformation version 2") is a sequence of
//! 16-byte records: an 11-record overview header, then for each sub-grid an
//! 11-record header followed by `GS_COUNT` nodes of four `f32`
//! (latitude shift, longitude shift, and their accuracies). Angles are in
//! arc-seconds and longitudes are **positive west**. Nodes run from the
//! south-east corner, westwards along each row, rows going north.
//!
//! This reader loads the whole file into memory, validates every header
//! (bad files give an error, never a panic), supports both byte orders and
//! nested sub-grids, and interpolates bilinearly like PROJ's `hgridshift`.

use std::path::Path;

use crate::error::CrsError;

const RECORD: usize = 16;
const HEADER: usize = 11 * RECORD;
/// Maximum number of fixed-point iterations of the inverse shift.
const MAX_INVERSE_ITERATIONS: usize = 20;
/// Convergence tolerance of the inverse shift, in arc-seconds (~3e-8 m).
const INVERSE_TOLERANCE_SEC: f64 = 1e-9;

/// A loaded NTv2 grid: one or more (possibly nested) sub-grids.
#[derive(Debug)]
pub(crate) struct Ntv2Grid {
    subgrids: Vec<SubGrid>,
    /// Indices of the sub-grids whose parent is `NONE`.
    roots: Vec<usize>,
    /// Human-readable source systems, e.g. `BD72 -> ETRS89`.
    systems: String,
}

#[derive(Debug)]
struct SubGrid {
    name: String,
    parent: String,
    /// Southern latitude, arc-seconds.
    s_lat: f64,
    /// Northern latitude, arc-seconds.
    n_lat: f64,
    /// Eastern longitude, arc-seconds positive WEST.
    e_lon: f64,
    /// Western longitude, arc-seconds positive WEST.
    w_lon: f64,
    lat_inc: f64,
    lon_inc: f64,
    rows: usize,
    cols: usize,
    /// `(latitude shift, longitude shift positive west)` in arc-seconds,
    /// row-major from the south-east node.
    shifts: Vec<(f32, f32)>,
    children: Vec<usize>,
}

#[derive(Clone, Copy)]
enum Endian {
    Little,
    Big,
}

struct Reader<'a> {
    data: &'a [u8],
    endian: Endian,
}

impl Reader<'_> {
    fn bytes<const N: usize>(&self, at: usize) -> Option<[u8; N]> {
        let end = at.checked_add(N)?;
        let slice = self.data.get(at..end)?;
        let mut out = [0u8; N];
        out.copy_from_slice(slice);
        Some(out)
    }
    fn label(&self, record: usize) -> Option<String> {
        let b: [u8; 8] = self.bytes(record)?;
        Some(String::from_utf8_lossy(&b).trim().to_string())
    }
    fn text(&self, record: usize) -> Option<String> {
        let b: [u8; 8] = self.bytes(record + 8)?;
        Some(
            String::from_utf8_lossy(&b)
                .trim_matches(|c: char| c.is_whitespace() || c == '\0')
                .to_string(),
        )
    }
    fn i32(&self, record: usize) -> Option<i32> {
        let b: [u8; 4] = self.bytes(record + 8)?;
        Some(match self.endian {
            Endian::Little => i32::from_le_bytes(b),
            Endian::Big => i32::from_be_bytes(b),
        })
    }
    fn f64(&self, record: usize) -> Option<f64> {
        let b: [u8; 8] = self.bytes(record + 8)?;
        Some(match self.endian {
            Endian::Little => f64::from_le_bytes(b),
            Endian::Big => f64::from_be_bytes(b),
        })
    }
    fn f32(&self, at: usize) -> Option<f32> {
        let b: [u8; 4] = self.bytes(at)?;
        Some(match self.endian {
            Endian::Little => f32::from_le_bytes(b),
            Endian::Big => f32::from_be_bytes(b),
        })
    }
}

impl Ntv2Grid {
    /// Read and validate an NTv2 file.
    pub(crate) fn open(path: &Path) -> Result<Ntv2Grid, CrsError> {
        let err = |detail: String| CrsError::Grid {
            path: path.display().to_string(),
            detail,
        };
        let data = std::fs::read(path).map_err(|e| err(format!("cannot read: {e}")))?;
        if data.starts_with(b"II*\0") || data.starts_with(b"MM\0*") || data.starts_with(b"II+\0") {
            return Err(err(
                "GeoTIFF grids are not supported; use the NTv2 (.gsb) version of the grid \
                 (e.g. `gdal_translate -of NTv2 be_ign_bd72lb72_etrs89lb08.tif bd72lb72_etrs89lb08.gsb`)"
                    .to_string(),
            ));
        }
        Self::parse(&data).map_err(err)
    }

    /// Parse the bytes of an NTv2 file.
    pub(crate) fn parse(data: &[u8]) -> Result<Ntv2Grid, String> {
        if data.len() < HEADER {
            return Err(format!(
                "not an NTv2 grid: file is only {} bytes long",
                data.len()
            ));
        }
        if !data.starts_with(b"NUM_OREC") {
            return Err("not an NTv2 grid (missing NUM_OREC header)".to_string());
        }
        let endian = match data.get(8..12) {
            Some([11, 0, 0, 0]) => Endian::Little,
            Some([0, 0, 0, 11]) => Endian::Big,
            _ => return Err("not an NTv2 grid (NUM_OREC is not 11)".to_string()),
        };
        let r = Reader { data, endian };
        let truncated = || "truncated NTv2 header".to_string();
        let expect_label = |record: usize, label: &str| -> Result<(), String> {
            match r.label(record) {
                Some(l) if l.eq_ignore_ascii_case(label) => Ok(()),
                Some(l) => Err(format!(
                    "invalid NTv2 header at byte {record}: expected {label}, found {l:?}"
                )),
                None => Err(truncated()),
            }
        };
        expect_label(RECORD, "NUM_SREC")?;
        if r.i32(RECORD) != Some(11) {
            return Err("unsupported NTv2 grid (NUM_SREC is not 11)".to_string());
        }
        expect_label(2 * RECORD, "NUM_FILE")?;
        let num_file = r.i32(2 * RECORD).ok_or_else(truncated)?;
        if !(1..=100_000).contains(&num_file) {
            return Err(format!("invalid NTv2 sub-grid count {num_file}"));
        }
        expect_label(3 * RECORD, "GS_TYPE")?;
        let gs_type = r.text(3 * RECORD).ok_or_else(truncated)?;
        if !gs_type.eq_ignore_ascii_case("SECONDS") {
            return Err(format!(
                "unsupported NTv2 GS_TYPE {gs_type:?} (only SECONDS is supported)"
            ));
        }
        let system_f = r.text(5 * RECORD).unwrap_or_default();
        let system_t = r.text(6 * RECORD).unwrap_or_default();

        let mut subgrids = Vec::new();
        let mut at = HEADER;
        for index in 0..num_file {
            let sub = Self::parse_subgrid(&r, at)
                .map_err(|e| format!("sub-grid #{} (byte {at}): {e}", index + 1))?;
            at += HEADER + sub.rows * sub.cols * RECORD;
            subgrids.push(sub);
        }

        // Link the hierarchy.
        let mut roots = Vec::new();
        for i in 0..subgrids.len() {
            let parent = subgrids[i].parent.clone();
            if parent.eq_ignore_ascii_case("NONE") || parent.is_empty() {
                roots.push(i);
                continue;
            }
            let p = subgrids
                .iter()
                .position(|g| g.name == parent)
                .filter(|&p| p != i)
                .ok_or_else(|| {
                    format!(
                        "sub-grid {:?} has unknown parent {parent:?}",
                        subgrids[i].name
                    )
                })?;
            subgrids[p].children.push(i);
        }
        if roots.is_empty() {
            return Err("NTv2 grid has no top-level sub-grid".to_string());
        }
        Ok(Ntv2Grid {
            subgrids,
            roots,
            systems: format!("{system_f} -> {system_t}"),
        })
    }

    fn parse_subgrid(r: &Reader<'_>, at: usize) -> Result<SubGrid, String> {
        let truncated = || "truncated file".to_string();
        let labels = [
            "SUB_NAME", "PARENT", "CREATED", "UPDATED", "S_LAT", "N_LAT", "E_LONG", "W_LONG",
            "LAT_INC", "LONG_INC", "GS_COUNT",
        ];
        for (i, label) in labels.iter().enumerate() {
            match r.label(at + i * RECORD) {
                Some(l) if l.eq_ignore_ascii_case(label) => {}
                Some(l) => return Err(format!("expected {label}, found {l:?}")),
                None => return Err(truncated()),
            }
        }
        let name = r.text(at).ok_or_else(truncated)?;
        let parent = r.text(at + RECORD).ok_or_else(truncated)?;
        let num = |i: usize| -> Result<f64, String> {
            let v = r.f64(at + i * RECORD).ok_or_else(truncated)?;
            if v.is_finite() {
                Ok(v)
            } else {
                Err(format!("non-finite {}", labels[i]))
            }
        };
        let (s_lat, n_lat, e_lon, w_lon) = (num(4)?, num(5)?, num(6)?, num(7)?);
        let (lat_inc, lon_inc) = (num(8)?, num(9)?);
        let gs_count = r.i32(at + 10 * RECORD).ok_or_else(truncated)?;
        if lat_inc <= 0.0 || lon_inc <= 0.0 {
            return Err("increments must be positive".to_string());
        }
        if n_lat <= s_lat || w_lon <= e_lon {
            return Err("empty or inverted extent".to_string());
        }
        if s_lat < -90.0 * 3600.0 - 1.0 || n_lat > 90.0 * 3600.0 + 1.0 {
            return Err("latitudes out of range".to_string());
        }
        let count = |span: f64, inc: f64| -> Result<usize, String> {
            let n = span / inc;
            let rounded = n.round();
            if (n - rounded).abs() > 1e-6 * rounded.max(1.0) || !(1.0..=1e7).contains(&rounded) {
                return Err("extent is not a whole number of increments".to_string());
            }
            Ok(rounded as usize + 1)
        };
        let rows = count(n_lat - s_lat, lat_inc)?;
        let cols = count(w_lon - e_lon, lon_inc)?;
        let expected = rows
            .checked_mul(cols)
            .ok_or_else(|| "grid too large".to_string())?;
        if usize::try_from(gs_count).ok() != Some(expected) {
            return Err(format!(
                "GS_COUNT {gs_count} does not match {rows} rows x {cols} columns"
            ));
        }
        let start = at + HEADER;
        let needed = expected
            .checked_mul(RECORD)
            .and_then(|n| n.checked_add(start))
            .ok_or_else(|| "grid too large".to_string())?;
        if r.data.len() < needed {
            return Err(format!(
                "truncated: {expected} nodes need {needed} bytes, file has {}",
                r.data.len()
            ));
        }
        let mut shifts = Vec::with_capacity(expected);
        for k in 0..expected {
            let base = start + k * RECORD;
            let lat = r.f32(base).ok_or_else(truncated)?;
            let lon = r.f32(base + 4).ok_or_else(truncated)?;
            if !lat.is_finite() || !lon.is_finite() || lat.abs() > 3600.0 || lon.abs() > 3600.0 {
                return Err(format!("invalid shift value at node {k}"));
            }
            shifts.push((lat, lon));
        }
        Ok(SubGrid {
            name,
            parent,
            s_lat,
            n_lat,
            e_lon,
            w_lon,
            lat_inc,
            lon_inc,
            rows,
            cols,
            shifts,
            children: Vec::new(),
        })
    }

    /// `SYSTEM_F -> SYSTEM_T` as written in the header.
    pub(crate) fn systems(&self) -> &str {
        &self.systems
    }

    /// The interpolated shift at a point given in arc-seconds (latitude,
    /// longitude positive WEST), as `(dlat, dlon_west)` in arc-seconds, or
    /// `None` outside the grid.
    fn shift_seconds(&self, lat: f64, lon_w: f64) -> Option<(f64, f64)> {
        let mut current = self
            .roots
            .iter()
            .copied()
            .find(|&i| self.subgrids[i].contains(lat, lon_w))?;
        // Descend into the finest sub-grid containing the point.
        loop {
            let grid = &self.subgrids[current];
            match grid
                .children
                .iter()
                .copied()
                .find(|&c| self.subgrids[c].contains(lat, lon_w))
            {
                Some(child) => current = child,
                None => return grid.interpolate(lat, lon_w),
            }
        }
    }

    /// Shift a point of the source datum (degrees, longitude positive east)
    /// to the target datum. `None` outside the grid.
    pub(crate) fn forward(&self, lon: f64, lat: f64) -> Option<(f64, f64)> {
        let (dlat, dlon_w) = self.shift_seconds(lat * 3600.0, -lon * 3600.0)?;
        Some((lon - dlon_w / 3600.0, lat + dlat / 3600.0))
    }

    /// Inverse shift (target datum → source datum), by fixed-point iteration
    /// as PROJ does. `None` outside the grid or without convergence.
    pub(crate) fn inverse(&self, lon: f64, lat: f64) -> Option<(f64, f64)> {
        // Work in arc-seconds, longitude positive west.
        let (t_lat, t_lon) = (lat * 3600.0, -lon * 3600.0);
        let (dlat, dlon) = self.shift_seconds(t_lat, t_lon)?;
        let (mut g_lat, mut g_lon) = (t_lat - dlat, t_lon - dlon);
        for _ in 0..MAX_INVERSE_ITERATIONS {
            let (dlat, dlon) = self.shift_seconds(g_lat, g_lon)?;
            let (e_lat, e_lon) = (g_lat + dlat - t_lat, g_lon + dlon - t_lon);
            g_lat -= e_lat;
            g_lon -= e_lon;
            if e_lat.abs() < INVERSE_TOLERANCE_SEC && e_lon.abs() < INVERSE_TOLERANCE_SEC {
                return Some((-g_lon / 3600.0, g_lat / 3600.0));
            }
        }
        None
    }
}

impl SubGrid {
    fn contains(&self, lat: f64, lon_w: f64) -> bool {
        // A tiny tolerance so nodes on the border (rounding of degrees to
        // seconds) are still inside.
        const EPS: f64 = 1e-9;
        lat >= self.s_lat - EPS
            && lat <= self.n_lat + EPS
            && lon_w >= self.e_lon - EPS
            && lon_w <= self.w_lon + EPS
    }

    fn node(&self, row: usize, col: usize) -> Option<(f64, f64)> {
        self.shifts
            .get(row * self.cols + col)
            .map(|&(a, b)| (f64::from(a), f64::from(b)))
    }

    /// Bilinear interpolation of the shifts.
    fn interpolate(&self, lat: f64, lon_w: f64) -> Option<(f64, f64)> {
        let fy = ((lat - self.s_lat) / self.lat_inc).max(0.0);
        let fx = ((lon_w - self.e_lon) / self.lon_inc).max(0.0);
        let (row, ty) = cell(fy, self.rows);
        let (col, tx) = cell(fx, self.cols);
        let (row1, col1) = ((row + 1).min(self.rows - 1), (col + 1).min(self.cols - 1));
        let v00 = self.node(row, col)?;
        let v01 = self.node(row, col1)?;
        let v10 = self.node(row1, col)?;
        let v11 = self.node(row1, col1)?;
        let lerp = |a: f64, b: f64, c: f64, d: f64| {
            (1.0 - ty) * ((1.0 - tx) * a + tx * b) + ty * ((1.0 - tx) * c + tx * d)
        };
        Some((
            lerp(v00.0, v01.0, v10.0, v11.0),
            lerp(v00.1, v01.1, v10.1, v11.1),
        ))
    }
}

/// Cell index and fraction along one axis of `n` nodes (`n >= 2`); a point on
/// the last node is placed at the end of the last cell.
fn cell(f: f64, n: usize) -> (usize, f64) {
    let last_cell = n.saturating_sub(2);
    let i = (f.floor() as usize).min(last_cell);
    (i, (f - i as f64).clamp(0.0, 1.0))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Build a small synthetic NTv2 file (little or big endian).
    fn synthetic(big_endian: bool) -> Vec<u8> {
        let mut out = Vec::new();
        let rec_i = |out: &mut Vec<u8>, label: &str, v: i32| {
            out.extend_from_slice(format!("{label:<8}").as_bytes());
            out.extend_from_slice(&if big_endian {
                v.to_be_bytes()
            } else {
                v.to_le_bytes()
            });
            out.extend_from_slice(&[0; 4]);
        };
        let rec_s = |out: &mut Vec<u8>, label: &str, v: &str| {
            out.extend_from_slice(format!("{label:<8}{v:<8}").as_bytes());
        };
        let rec_f = |out: &mut Vec<u8>, label: &str, v: f64| {
            out.extend_from_slice(format!("{label:<8}").as_bytes());
            out.extend_from_slice(&if big_endian {
                v.to_be_bytes()
            } else {
                v.to_le_bytes()
            });
        };
        rec_i(&mut out, "NUM_OREC", 11);
        rec_i(&mut out, "NUM_SREC", 11);
        rec_i(&mut out, "NUM_FILE", 1);
        rec_s(&mut out, "GS_TYPE", "SECONDS");
        rec_s(&mut out, "VERSION", "NTv2.0");
        rec_s(&mut out, "SYSTEM_F", "A");
        rec_s(&mut out, "SYSTEM_T", "B");
        for l in ["MAJOR_F", "MINOR_F", "MAJOR_T", "MINOR_T"] {
            rec_f(&mut out, l, 6378137.0);
        }
        rec_s(&mut out, "SUB_NAME", "TEST");
        rec_s(&mut out, "PARENT", "NONE");
        rec_s(&mut out, "CREATED", "");
        rec_s(&mut out, "UPDATED", "");
        // 1°N..1.01°N, 1°E..1.02°E (west-positive: -3672..-3600), 36" steps.
        rec_f(&mut out, "S_LAT", 3600.0);
        rec_f(&mut out, "N_LAT", 3636.0);
        rec_f(&mut out, "E_LONG", -3672.0);
        rec_f(&mut out, "W_LONG", -3600.0);
        rec_f(&mut out, "LAT_INC", 36.0);
        rec_f(&mut out, "LONG_INC", 36.0);
        rec_i(&mut out, "GS_COUNT", 6);
        // Rows south→north, columns east→west; dlat = row, dlon_w = col.
        for row in 0..2 {
            for col in 0..3 {
                for v in [row as f32, col as f32, 0.01, 0.01] {
                    out.extend_from_slice(&if big_endian {
                        v.to_be_bytes()
                    } else {
                        v.to_le_bytes()
                    });
                }
            }
        }
        out.extend_from_slice(b"END     \0\0\0\0\0\0\0\0");
        out
    }

    #[test]
    fn synthetic_grid_interpolates_both_endians() {
        for big in [false, true] {
            let grid = Ntv2Grid::parse(&synthetic(big)).expect("parse");
            // Centre of the south-east cell: dlat 0.5", dlon_w 0.5" (east -0.5").
            let lat = (3600.0 + 18.0) / 3600.0;
            let lon = (3672.0 - 18.0) / 3600.0;
            let (lon2, lat2) = grid.forward(lon, lat).expect("inside");
            assert!((lat2 - (lat + 0.5 / 3600.0)).abs() < 1e-12);
            assert!((lon2 - (lon - 0.5 / 3600.0)).abs() < 1e-12);
            let (lon3, lat3) = grid.inverse(lon2, lat2).expect("inverse");
            assert!((lon3 - lon).abs() < 1e-12 && (lat3 - lat).abs() < 1e-12);
            // Western edge node, exactly on the border.
            let (lon4, _) = grid.forward(1.0, 1.0).expect("border");
            assert!((lon4 - (1.0 - 2.0 / 3600.0)).abs() < 1e-12);
            assert!(grid.forward(0.9, 1.0).is_none());
            assert!(grid.forward(1.01, 1.02).is_none());
        }
    }

    #[test]
    fn every_truncation_is_an_error() {
        let full = synthetic(false);
        for len in 0..full.len() - 16 {
            assert!(Ntv2Grid::parse(&full[..len]).is_err(), "length {len}");
        }
        // Garbage in every header byte must never panic.
        for i in 0..HEADER * 2 {
            let mut bad = full.clone();
            bad[i] ^= 0xA5;
            let _ = Ntv2Grid::parse(&bad);
        }
    }
}
