//! ESRI Shapefile reading: `.shp` geometries (decoded with the `shapefile` crate), `.dbf`
//! attributes ([`dbf`]), `.prj` CRS and `.cpg` encoding.
//!
//! The `.shp` is read sequentially, record by record, so a Shapefile without its `.shx` index
//! (as the legacy UrbIS files come) reads the same as one with it. Each record is read into a
//! buffer of the length its header gives, bounded by the file size, and its counts are checked
//! before the `shapefile` crate decodes it; a corrupt record is reported and skipped, and
//! reading goes on with the next record when its position is still known.

mod codepages;
pub mod dbf;

use std::fs::File;
use std::io::{BufReader, Cursor, Read};
use std::path::{Path, PathBuf};

use geo::{
    BoundingRect, Contains, Coord, Geometry, LineString, MultiLineString, MultiPoint, MultiPolygon,
    Point, Polygon, Rect,
};
use shapefile::record::traits::HasXY;
use shapefile::{ReadableShape, Shape};

use self::dbf::{DbfReader, DbfRecord, TextEncoding};
use crate::crs::Crs;
use crate::error::ReadError;
use crate::io::{RawFeature, RecordIssue, SourceLayer};
use crate::model::Layer;

/// Size of the `.shp` file header.
const HEADER: u64 = 100;

/// An opened Shapefile (its `.shp`, `.dbf` and, when present, `.prj` and `.cpg`).
#[derive(Debug)]
pub struct ShapefileReader {
    path: PathBuf,
    dbf_path: PathBuf,
    layer: SourceLayer,
    encoding: Option<TextEncoding>,
}

impl ShapefileReader {
    /// Open a Shapefile by its `.shp` path: checks the `.shp` header, finds the `.dbf` (required;
    /// any case of extension), reads the CRS from the `.prj` (none without one) and the text
    /// encoding from the `.cpg` (else the `.dbf` language driver byte, else Windows-1252).
    pub fn open(path: &Path) -> Result<Self, ReadError> {
        let io = |source| ReadError::Io {
            path: path.to_path_buf(),
            source,
        };
        let mut f = File::open(path).map_err(io)?;
        let size = f.metadata().map_err(io)?.len();
        let mut head = [0u8; HEADER as usize];
        if size < HEADER || f.read_exact(&mut head).is_err() {
            return Err(malformed(path, "not a Shapefile (shorter than its header)"));
        }
        if head[0..4] != 9994i32.to_be_bytes() {
            return Err(malformed(path, "not a Shapefile (bad file code)"));
        }
        let stem = path
            .file_stem()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_default();
        let dbf_path = sibling(path, "dbf").ok_or_else(|| {
            malformed(
                path,
                &format!(
                    "its attribute file {stem}.dbf is missing (a Shapefile needs .shp and .dbf)"
                ),
            )
        })?;
        let encoding = match sibling(path, "cpg") {
            Some(cpg) => {
                let text = std::fs::read(&cpg).map_err(|source| ReadError::Io {
                    path: cpg.clone(),
                    source,
                })?;
                TextEncoding::from_cpg(&String::from_utf8_lossy(&text))
            }
            None => None,
        };
        let crs = match sibling(path, "prj") {
            Some(prj) => {
                let text = std::fs::read(&prj).map_err(|source| ReadError::Io {
                    path: prj.clone(),
                    source,
                })?;
                Crs::from_wkt(&String::from_utf8_lossy(&text))
            }
            None => None,
        };
        let mut dbf = DbfReader::open(&dbf_path, encoding)?;
        let count = dbf.count_live()?;
        Ok(ShapefileReader {
            layer: SourceLayer {
                layer: Layer::from_source_name(&stem),
                name: stem,
                crs,
                count: Some(count),
            },
            path: path.to_path_buf(),
            dbf_path,
            encoding,
        })
    }

    /// The single layer of the Shapefile, named after the file stem.
    pub fn layer(&self) -> &SourceLayer {
        &self.layer
    }

    /// Stream the records to `sink`, in file order; `record` is the 1-based record number.
    /// Records marked deleted in the `.dbf` are skipped. A record whose shape cannot be decoded
    /// is reported to `issues` and skipped; a field that cannot be decoded is null and reported.
    /// Returns the number of records passed to `sink`.
    pub fn read(
        &mut self,
        sink: &mut (dyn FnMut(RawFeature) -> Result<(), ReadError> + Send),
        issues: &mut Vec<RecordIssue>,
    ) -> Result<u64, ReadError> {
        let io = |source| ReadError::Io {
            path: self.path.clone(),
            source,
        };
        let f = File::open(&self.path).map_err(io)?;
        let size = f.metadata().map_err(io)?.len();
        let mut shp = BufReader::with_capacity(1 << 16, f);
        let mut head = [0u8; HEADER as usize];
        shp.read_exact(&mut head).map_err(io)?;
        let mut dbf = DbfReader::open(&self.dbf_path, self.encoding)?;
        let name = self.layer.name.clone();
        let issue = |issues: &mut Vec<RecordIssue>, record: u64, detail: String| {
            issues.push(RecordIssue {
                layer: name.clone(),
                record,
                detail,
            })
        };

        let mut pos = HEADER;
        let mut record = 0u64;
        let mut passed = 0u64;
        let mut buf = Vec::new();
        let mut missing_attributes_reported = false;
        loop {
            let step = next_shape(&mut shp, &mut pos, size, &mut buf).map_err(io)?;
            let shape = match step {
                Step::Shape(s) => s,
                Step::End => {
                    if let Some(rest) = dbf.len().checked_sub(dbf.position()).filter(|n| *n > 0) {
                        issue(
                            issues,
                            record + 1,
                            format!("the .dbf has {rest} more records than the .shp: skipped"),
                        );
                    }
                    break;
                }
                Step::Corrupt(detail) => {
                    issue(
                        issues,
                        record + 1,
                        format!("{detail}: this and the following records are not read"),
                    );
                    break;
                }
            };
            record += 1;
            let attributes = match dbf.next_record().transpose()? {
                Some(DbfRecord::Deleted) => continue,
                Some(DbfRecord::Live { values, problems }) => {
                    for p in problems {
                        issue(issues, record, format!("{p} (set to null)"));
                    }
                    values
                }
                None => {
                    if !missing_attributes_reported {
                        missing_attributes_reported = true;
                        issue(
                            issues,
                            record,
                            "the .shp has more records than the .dbf: attributes left empty \
                             from this record on"
                                .into(),
                        );
                    }
                    Vec::new()
                }
            };
            let geometry = match shape {
                Ok(g) => g,
                Err(e) => {
                    issue(issues, record, format!("invalid shape skipped: {e}"));
                    continue;
                }
            };
            sink(RawFeature {
                fid: None,
                record,
                geometry,
                attributes,
            })?;
            passed += 1;
        }
        if dbf.declared() > dbf.len() {
            issue(
                issues,
                record,
                format!(
                    "the .dbf declares {} records but holds {}",
                    dbf.declared(),
                    dbf.len()
                ),
            );
        }
        Ok(passed)
    }
}

/// What the next `.shp` record holds.
enum Step {
    /// A record: its geometry (`None` for a null shape) or why it cannot be decoded.
    Shape(Result<Option<Geometry<f64>>, String>),
    /// The end of the file.
    End,
    /// A record header that cannot be right: reading cannot go on.
    Corrupt(String),
}

/// Read the next record of the `.shp` at `*pos` (the file is `size` bytes long).
fn next_shape(
    shp: &mut impl Read,
    pos: &mut u64,
    size: u64,
    buf: &mut Vec<u8>,
) -> std::io::Result<Step> {
    if *pos >= size {
        return Ok(Step::End);
    }
    let left = size - *pos;
    if left < 8 {
        *pos = size;
        return Ok(Step::Corrupt(format!(
            "{left} stray bytes at the end of the .shp"
        )));
    }
    let mut rh = [0u8; 8];
    shp.read_exact(&mut rh)?;
    let words = i32::from_be_bytes([rh[4], rh[5], rh[6], rh[7]]);
    let len = u64::try_from(words).unwrap_or(0) * 2;
    if len < 4 || len > left - 8 {
        let at = *pos;
        *pos = size;
        return Ok(Step::Corrupt(format!(
            "corrupt record header at offset {at} (content length {len} bytes, {} left)",
            left - 8
        )));
    }
    buf.resize(len as usize, 0);
    shp.read_exact(buf)?;
    *pos += 8 + len;
    Ok(Step::Shape(decode_shape(buf)))
}

fn malformed(path: &Path, detail: &str) -> ReadError {
    ReadError::Malformed {
        path: path.to_path_buf(),
        detail: detail.to_string(),
    }
}

/// The file beside `path` with the same stem and extension `ext` (any case).
fn sibling(path: &Path, ext: &str) -> Option<PathBuf> {
    for e in [ext.to_ascii_lowercase(), ext.to_ascii_uppercase()] {
        let p = path.with_extension(e);
        if p.is_file() {
            return Some(p);
        }
    }
    let stem = path.file_stem()?;
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    };
    std::fs::read_dir(dir).ok()?.flatten().find_map(|entry| {
        let p = entry.path();
        let same_stem = p.file_stem() == Some(stem);
        let same_ext = p
            .extension()
            .is_some_and(|x| x.to_string_lossy().eq_ignore_ascii_case(ext));
        (same_stem && same_ext && p.is_file()).then_some(p)
    })
}

/// Check the counts of a record's content against its length, so that the decoder is never
/// asked to allocate for more points than the record holds.
fn check_counts(buf: &[u8]) -> Result<i32, String> {
    let i32_at = |off: usize| -> Result<i32, String> {
        buf.get(off..off + 4)
            .map(|b| i32::from_le_bytes([b[0], b[1], b[2], b[3]]))
            .ok_or_else(|| "record too short".to_string())
    };
    let kind = i32_at(0)?;
    let len = buf.len() as u64;
    match kind {
        // Polyline, Polygon, MultiPatch and their Z/M forms.
        3 | 5 | 13 | 15 | 23 | 25 | 31 => {
            let parts = i32_at(36)?;
            let points = i32_at(40)?;
            if parts < 0 || points < 0 {
                return Err(format!("negative counts ({parts} parts, {points} points)"));
            }
            let per_part = if kind == 31 { 8 } else { 4 };
            let needed = 44 + per_part * parts as u64 + 16 * points as u64;
            if needed > len {
                return Err(format!(
                    "{parts} parts and {points} points do not fit in {len} bytes"
                ));
            }
            let mut last = 0;
            for i in 0..parts as usize {
                let start = i32_at(44 + 4 * i)?;
                if (i == 0 && start != 0) || start < last || start > points {
                    return Err(format!("invalid start index {start} of part {i}"));
                }
                last = start;
            }
        }
        8 | 18 | 28 => {
            let points = i32_at(36)?;
            if points < 0 || 40 + 16 * points as u64 > len {
                return Err(format!("{points} points do not fit in {len} bytes"));
            }
        }
        _ => {}
    }
    Ok(kind)
}

/// Decode the content of one `.shp` record: `Ok(None)` for a null shape.
fn decode_shape(buf: &[u8]) -> Result<Option<Geometry<f64>>, String> {
    check_counts(buf)?;
    let size = i32::try_from(buf.len()).map_err(|_| "record too large".to_string())?;
    let shape = Shape::read_from(&mut Cursor::new(buf), size).map_err(|e| e.to_string())?;
    let g = match shape {
        Shape::NullShape => return Ok(None),
        Shape::Point(p) => Geometry::Point(point(&p)),
        Shape::PointM(p) => Geometry::Point(point(&p)),
        Shape::PointZ(p) => Geometry::Point(point(&p)),
        Shape::Multipoint(m) => multipoint(m.points()),
        Shape::MultipointM(m) => multipoint(m.points()),
        Shape::MultipointZ(m) => multipoint(m.points()),
        Shape::Polyline(l) => lines(l.parts()),
        Shape::PolylineM(l) => lines(l.parts()),
        Shape::PolylineZ(l) => lines(l.parts()),
        Shape::Polygon(p) => polygons(p.rings().iter().map(|r| ring(r.points())).collect()),
        Shape::PolygonM(p) => polygons(p.rings().iter().map(|r| ring(r.points())).collect()),
        Shape::PolygonZ(p) => polygons(p.rings().iter().map(|r| ring(r.points())).collect()),
        Shape::Multipatch(_) => return Err("MultiPatch shapes are not supported".into()),
    };
    Ok(Some(g))
}

fn coord<P: HasXY>(p: &P) -> Coord<f64> {
    Coord { x: p.x(), y: p.y() }
}

fn point<P: HasXY>(p: &P) -> Point<f64> {
    Point(coord(p))
}

fn ring<P: HasXY>(points: &[P]) -> LineString<f64> {
    LineString(points.iter().map(coord).collect())
}

fn multipoint<P: HasXY>(points: &[P]) -> Geometry<f64> {
    Geometry::MultiPoint(MultiPoint(points.iter().map(point).collect()))
}

fn lines<P: HasXY>(parts: &[Vec<P>]) -> Geometry<f64> {
    let mut ls: Vec<LineString<f64>> = parts.iter().map(|p| ring(p)).collect();
    if ls.len() == 1 {
        if let Some(l) = ls.pop() {
            return Geometry::LineString(l);
        }
    }
    Geometry::MultiLineString(MultiLineString(ls))
}

/// Twice the signed area of a ring: negative for clockwise (a Shapefile outer ring).
fn signed_area2(ring: &LineString<f64>) -> f64 {
    let Some(o) = ring.0.first() else {
        return 0.0;
    };
    ring.0
        .windows(2)
        .map(|w| {
            let (a, b) = (w[0] - *o, w[1] - *o);
            a.x * b.y - b.x * a.y
        })
        .sum()
}

/// Build polygons from Shapefile rings: clockwise rings are outer rings, counter-clockwise
/// ones holes, each given to the smallest outer ring that contains it. A hole inside no outer
/// ring becomes a polygon of its own; a shape with no clockwise ring at all (written with the
/// wrong orientation) has every ring taken as an outer ring.
fn polygons(rings: Vec<LineString<f64>>) -> Geometry<f64> {
    let mut outers: Vec<(Polygon<f64>, Option<Rect<f64>>, f64)> = Vec::new();
    let mut holes = Vec::new();
    let all_outer = !rings.iter().any(|r| signed_area2(r) < 0.0);
    for r in rings {
        let a = signed_area2(&r);
        if all_outer || a < 0.0 {
            let rect = r.bounding_rect();
            outers.push((Polygon::new(r, Vec::new()), rect, a.abs()));
        } else {
            holes.push(r);
        }
    }
    let mut orphans = Vec::new();
    for h in holes {
        let hrect = h.bounding_rect();
        let inside_bbox = |rect: &Option<Rect<f64>>| match (rect, hrect) {
            (Some(o), Some(hr)) => {
                o.min().x <= hr.min().x
                    && o.min().y <= hr.min().y
                    && o.max().x >= hr.max().x
                    && o.max().y >= hr.max().y
            }
            _ => false,
        };
        let candidates: Vec<usize> = (0..outers.len())
            .filter(|&i| inside_bbox(&outers[i].1))
            .collect();
        let chosen = if candidates.len() == 1 {
            candidates.first().copied()
        } else {
            candidates
                .iter()
                .copied()
                .filter(|&i| {
                    // Contained when some vertex of the hole lies strictly inside the ring.
                    h.0.iter().any(|c| outers[i].0.contains(&Point(*c)))
                })
                .min_by(|&a, &b| outers[a].2.total_cmp(&outers[b].2))
        };
        match chosen {
            Some(i) => outers[i].0.interiors_push(h),
            None => orphans.push(h),
        }
    }
    let mut parts: Vec<Polygon<f64>> = outers.into_iter().map(|(p, _, _)| p).collect();
    parts.extend(orphans.into_iter().map(|h| Polygon::new(h, Vec::new())));
    Geometry::MultiPolygon(MultiPolygon(parts))
}

#[cfg(test)]
mod tests;
