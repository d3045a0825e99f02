//! Validation and repair of imported geometries.
//!
//! [`repair`] checks a geometry and fixes what can be fixed without guessing: consecutive
//! duplicate points are dropped, unclosed rings closed, degenerate rings (fewer than 4 points or
//! no area) and zero-length lines dropped, and self-intersecting or otherwise invalid polygons
//! rebuilt with geo's boolean operations (shell resolved with the non-zero fill rule, holes
//! subtracted). What cannot be used (non-finite coordinates, a polygon whose exterior ring is
//! degenerate, a multi-geometry all of whose parts were dropped) is an error with the reason.

use std::panic::{catch_unwind, AssertUnwindSafe};

use geo::algorithm::bool_ops::{BooleanOps, FillRule};
use geo::algorithm::kernels::{Kernel, Orientation, RobustKernel};
use geo::algorithm::sweep::{Cross, Intersections};
use geo::coordinate_position::CoordPos;
use geo::line_intersection::LineIntersection;
use geo::{
    Coord, CoordsIter, Geometry, GeometryCollection, LineString, MultiLineString, MultiPoint,
    MultiPolygon, Polygon, Validation,
};
use geo::{CoordinatePosition, Line};

/// Validate `g`; return it (repaired if needed, with a note saying what was fixed) or the reason
/// it cannot be used. Never panics: a failure inside the geometry library is reported as an
/// error.
pub fn repair(g: Geometry<f64>) -> Result<(Geometry<f64>, Option<String>), String> {
    if let Some(c) = g
        .coords_iter()
        .find(|c| !c.x.is_finite() || !c.y.is_finite())
    {
        return Err(format!("non-finite coordinate ({}, {})", c.x, c.y));
    }
    let mut notes = Notes::default();
    let out = catch_unwind(AssertUnwindSafe(|| repair_geometry(g, &mut notes, 0)))
        .map_err(|_| "geometry could not be repaired (geometry library failure)".to_string())??;
    Ok((out, notes.into_note()))
}

/// Counts of what was fixed, turned into the note.
#[derive(Default)]
struct Notes {
    duplicates: usize,
    closed: usize,
    rings_dropped: usize,
    polygons_dropped: usize,
    lines_dropped: usize,
    members_dropped: usize,
    rebuilt: Vec<String>,
}

impl Notes {
    fn into_note(self) -> Option<String> {
        let mut parts = Vec::new();
        let plural =
            |n: usize, one: &str, many: &str| format!("{n} {}", if n == 1 { one } else { many });
        if self.closed > 0 {
            parts.push(format!("closed {}", plural(self.closed, "ring", "rings")));
        }
        if self.duplicates > 0 {
            parts.push(format!(
                "removed {}",
                plural(self.duplicates, "duplicate point", "duplicate points")
            ));
        }
        if self.rings_dropped > 0 {
            parts.push(format!(
                "dropped {}",
                plural(self.rings_dropped, "degenerate hole", "degenerate holes")
            ));
        }
        if self.polygons_dropped > 0 {
            parts.push(format!(
                "dropped {}",
                plural(
                    self.polygons_dropped,
                    "degenerate polygon",
                    "degenerate polygons"
                )
            ));
        }
        if self.lines_dropped > 0 {
            parts.push(format!(
                "dropped {}",
                plural(self.lines_dropped, "zero-length line", "zero-length lines")
            ));
        }
        if self.members_dropped > 0 {
            parts.push(format!(
                "dropped {}",
                plural(self.members_dropped, "unusable member", "unusable members")
            ));
        }
        for r in self.rebuilt {
            parts.push(format!("rebuilt invalid polygon ({r})"));
        }
        (!parts.is_empty()).then(|| parts.join("; "))
    }
}

fn repair_geometry(
    g: Geometry<f64>,
    notes: &mut Notes,
    depth: usize,
) -> Result<Geometry<f64>, String> {
    match g {
        Geometry::Point(p) => Ok(Geometry::Point(p)),
        Geometry::MultiPoint(mp) => {
            if mp.0.is_empty() {
                Err("empty multipoint".into())
            } else {
                Ok(Geometry::MultiPoint(MultiPoint(mp.0)))
            }
        }
        Geometry::Line(l) => {
            if l.start == l.end {
                Err("zero-length line".into())
            } else {
                Ok(Geometry::Line(l))
            }
        }
        Geometry::LineString(ls) => clean_line(ls, notes)
            .map(Geometry::LineString)
            .ok_or_else(|| "line with fewer than 2 distinct points".to_string()),
        Geometry::MultiLineString(mls) => {
            let n = mls.0.len();
            let mut lines = Vec::with_capacity(n);
            for ls in mls.0 {
                match clean_line(ls, notes) {
                    Some(l) => lines.push(l),
                    None => notes.lines_dropped += 1,
                }
            }
            if lines.is_empty() {
                return Err(if n == 0 {
                    "empty multilinestring".into()
                } else {
                    "every line of the multilinestring has zero length".into()
                });
            }
            Ok(Geometry::MultiLineString(MultiLineString(lines)))
        }
        Geometry::Polygon(p) => repair_polygon(p, notes),
        Geometry::Rect(r) => {
            if r.width() > 0.0 && r.height() > 0.0 {
                Ok(Geometry::Rect(r))
            } else {
                Err("rectangle with no area".into())
            }
        }
        Geometry::Triangle(t) => repair_polygon(t.to_polygon(), notes),
        Geometry::MultiPolygon(mp) => repair_multipolygon(mp, notes),
        Geometry::GeometryCollection(gc) => {
            if depth > 32 {
                return Err("geometry collections nested too deeply".into());
            }
            let n = gc.0.len();
            let mut members = Vec::with_capacity(n);
            for m in gc.0 {
                match repair_geometry(m, notes, depth + 1) {
                    Ok(m) => members.push(m),
                    Err(_) => notes.members_dropped += 1,
                }
            }
            if members.is_empty() {
                return Err(if n == 0 {
                    "empty geometry collection".into()
                } else {
                    "no usable member in the geometry collection".into()
                });
            }
            Ok(Geometry::GeometryCollection(GeometryCollection(members)))
        }
    }
}

/// Drop consecutive duplicate points; `None` when fewer than 2 points remain.
fn clean_line(ls: LineString<f64>, notes: &mut Notes) -> Option<LineString<f64>> {
    let (ls, dups) = dedup(ls);
    notes.duplicates += dups;
    (ls.0.len() >= 2).then_some(ls)
}

fn dedup(ls: LineString<f64>) -> (LineString<f64>, usize) {
    let n = ls.0.len();
    let mut v: Vec<Coord<f64>> = Vec::with_capacity(n);
    for c in ls.0 {
        if v.last() != Some(&c) {
            v.push(c);
        }
    }
    let dups = n - v.len();
    (LineString(v), dups)
}

/// Twice the signed area of a ring (shoelace formula), closed or not.
fn ring_area2(ring: &[Coord<f64>]) -> f64 {
    let Some(first) = ring.first() else {
        return 0.0;
    };
    // Relative to the first point, for precision with large projected coordinates.
    let mut sum = 0.0;
    for w in ring.windows(2) {
        let (a, b) = (w[0] - *first, w[1] - *first);
        sum += a.x * b.y - b.x * a.y;
    }
    sum
}

/// Do all the points lie on one line (robust orientation predicate)?
fn collinear(ring: &[Coord<f64>]) -> bool {
    let Some(&a) = ring.first() else {
        return true;
    };
    let Some(&b) = ring.iter().find(|c| **c != a) else {
        return true;
    };
    ring.iter()
        .all(|&c| RobustKernel::orient2d(a, b, c) == Orientation::Collinear)
}

/// Clean one ring: drop duplicates, close it. `None` when degenerate (fewer than 4 points once
/// closed, or no area).
fn clean_ring(ring: LineString<f64>, notes: &mut Notes) -> Option<LineString<f64>> {
    let (mut ring, dups) = dedup(ring);
    notes.duplicates += dups;
    if ring.0.is_empty() {
        return None;
    }
    if !ring.is_closed() {
        ring.close();
        // A ring of fewer than 3 points is dropped anyway: closing it is no repair.
        if ring.0.len() >= 4 {
            notes.closed += 1;
        }
    }
    if ring.0.len() < 4 || collinear(&ring.0) {
        return None;
    }
    Some(ring)
}

/// Clean the rings of a polygon; `Err` when its exterior is degenerate.
fn clean_polygon(p: Polygon<f64>, notes: &mut Notes) -> Result<Polygon<f64>, String> {
    let (exterior, interiors) = p.into_inner();
    if exterior.0.is_empty() {
        return Err("empty polygon".into());
    }
    let exterior = clean_ring(exterior, notes)
        .ok_or("degenerate exterior ring (fewer than 3 distinct points or no area)")?;
    let mut holes = Vec::with_capacity(interiors.len());
    for h in interiors {
        match clean_ring(h, notes) {
            Some(h) => holes.push(h),
            None => notes.rings_dropped += 1,
        }
    }
    Ok(Polygon::new(exterior, holes))
}

/// Below this many segments the full validation is cheap enough.
const FAST_CHECK_MIN_SEGMENTS: usize = 64;

/// A segment of a ring, for the sweep-line check.
#[derive(Debug, Clone, Copy)]
struct RingSegment {
    line: Line<f64>,
    part: u32,
    ring: u32,
    index: u32,
    ring_segments: u32,
}

impl Cross for RingSegment {
    type Scalar = f64;
    fn line(&self) -> Line<f64> {
        self.line
    }
}

/// Is a point strictly inside a closed ring?
fn in_ring(c: Coord<f64>, ring: &LineString<f64>) -> bool {
    Polygon::new(ring.clone(), vec![]).coordinate_position(&c) == CoordPos::Inside
}

/// A sufficient test of validity for large polygons (cleaned rings), in O(n log n) where geo's
/// validation is quadratic: no two segments meet except consecutive ones at their shared
/// vertex, every hole lies inside its shell and outside the other holes, and no part lies inside
/// another. `false` means "not proven": the caller runs the full validation.
fn surely_valid(parts: &[Polygon<f64>]) -> bool {
    let mut segments = Vec::new();
    for (pi, p) in parts.iter().enumerate() {
        for (ri, ring) in std::iter::once(p.exterior())
            .chain(p.interiors())
            .enumerate()
        {
            let n = ring.0.len().saturating_sub(1) as u32;
            for (i, l) in ring.lines().enumerate() {
                segments.push(RingSegment {
                    line: l,
                    part: pi as u32,
                    ring: ri as u32,
                    index: i as u32,
                    ring_segments: n,
                });
            }
        }
    }
    if segments.len() < FAST_CHECK_MIN_SEGMENTS {
        return false;
    }
    for (a, b, x) in Intersections::from_iter(segments) {
        let adjacent = a.part == b.part
            && a.ring == b.ring
            && (a.index + 1 == b.index
                || b.index + 1 == a.index
                || (a.index == 0 && b.index + 1 == a.ring_segments)
                || (b.index == 0 && a.index + 1 == b.ring_segments));
        let at_vertex = matches!(
            x,
            LineIntersection::SinglePoint {
                is_proper: false,
                ..
            }
        );
        if !(adjacent && at_vertex) {
            return false;
        }
    }
    // With no crossings or touches, one vertex tells on which side a whole ring lies.
    for (pi, p) in parts.iter().enumerate() {
        for (hi, h) in p.interiors().iter().enumerate() {
            let v = h.0[0];
            if !in_ring(v, p.exterior()) {
                return false;
            }
            if p.interiors()
                .iter()
                .enumerate()
                .any(|(hj, other)| hj != hi && in_ring(v, other))
            {
                return false;
            }
        }
        let v = p.exterior().0[0];
        if parts
            .iter()
            .enumerate()
            .any(|(pj, other)| pj != pi && in_ring(v, other.exterior()))
        {
            return false;
        }
    }
    true
}

fn repair_polygon(p: Polygon<f64>, notes: &mut Notes) -> Result<Geometry<f64>, String> {
    let p = clean_polygon(p, notes)?;
    if surely_valid(std::slice::from_ref(&p)) {
        return Ok(Geometry::Polygon(p));
    }
    match p.check_validation() {
        Ok(()) => Ok(Geometry::Polygon(p)),
        Err(problem) => {
            let fixed = rebuild(std::slice::from_ref(&p));
            finish_rebuilt(fixed, problem.to_string(), notes)
        }
    }
}

fn repair_multipolygon(mp: MultiPolygon<f64>, notes: &mut Notes) -> Result<Geometry<f64>, String> {
    let n = mp.0.len();
    let mut parts = Vec::with_capacity(n);
    for p in mp.0 {
        match clean_polygon(p, notes) {
            Ok(p) => parts.push(p),
            Err(_) => notes.polygons_dropped += 1,
        }
    }
    if parts.is_empty() {
        return Err(if n == 0 {
            "empty multipolygon".into()
        } else {
            "every polygon of the multipolygon is degenerate".into()
        });
    }
    let mp = MultiPolygon(parts);
    if surely_valid(&mp.0) {
        return Ok(Geometry::MultiPolygon(mp));
    }
    match mp.check_validation() {
        Ok(()) => Ok(Geometry::MultiPolygon(mp)),
        Err(problem) => {
            let fixed = rebuild(&mp.0);
            match finish_rebuilt(fixed, problem.to_string(), notes)? {
                Geometry::Polygon(p) => Ok(Geometry::MultiPolygon(MultiPolygon(vec![p]))),
                g => Ok(g),
            }
        }
    }
}

/// Rebuild valid polygons from possibly invalid ones: each shell resolved with the non-zero
/// fill rule, the union of the shells minus the union of the holes.
fn rebuild(polygons: &[Polygon<f64>]) -> MultiPolygon<f64> {
    let empty = MultiPolygon::<f64>(Vec::new());
    let shells = MultiPolygon(
        polygons
            .iter()
            .map(|p| Polygon::new(p.exterior().clone(), Vec::new()))
            .collect(),
    );
    let shells = shells.union_with_fill_rule(&empty, FillRule::NonZero);
    let holes = MultiPolygon(
        polygons
            .iter()
            .flat_map(|p| p.interiors().iter().cloned())
            .map(|r| Polygon::new(r, Vec::new()))
            .collect(),
    );
    if holes.0.is_empty() {
        return shells;
    }
    let holes = holes.union_with_fill_rule(&empty, FillRule::NonZero);
    shells.difference(&holes)
}

fn finish_rebuilt(
    fixed: MultiPolygon<f64>,
    problem: String,
    notes: &mut Notes,
) -> Result<Geometry<f64>, String> {
    let mut parts: Vec<Polygon<f64>> = fixed
        .0
        .into_iter()
        .filter(|p| ring_area2(&p.exterior().0) != 0.0)
        .collect();
    if parts.is_empty() {
        return Err(format!(
            "invalid polygon ({problem}) has no area once repaired"
        ));
    }
    if let Err(still) = MultiPolygon(parts.clone()).check_validation() {
        return Err(format!(
            "invalid polygon ({problem}) could not be repaired: {still}"
        ));
    }
    notes.rebuilt.push(problem);
    if parts.len() == 1 {
        if let Some(p) = parts.pop() {
            return Ok(Geometry::Polygon(p));
        }
    }
    Ok(Geometry::MultiPolygon(MultiPolygon(parts)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use geo::{line_string, point, polygon, Area, Line};

    fn ok(g: Geometry<f64>) -> (Geometry<f64>, Option<String>) {
        repair(g).expect("repairable")
    }

    fn circle(cx: f64, cy: f64, r: f64, n: usize) -> LineString<f64> {
        let mut pts: Vec<(f64, f64)> = (0..n)
            .map(|i| {
                let a = i as f64 / n as f64 * std::f64::consts::TAU;
                (cx + r * a.cos(), cy + r * a.sin())
            })
            .collect();
        pts.push(pts[0]);
        LineString::from(pts)
    }

    #[test]
    fn sweep_check_agrees_with_full_validation() {
        let shell = circle(0.0, 0.0, 100.0, 400);
        let hole = circle(10.0, 0.0, 20.0, 100);
        let valid = Polygon::new(shell.clone(), vec![hole.clone()]);
        assert!(valid.is_valid());
        assert!(surely_valid(std::slice::from_ref(&valid)));

        // A vertex pulled across the ring: self-intersection, not proven valid.
        let mut crossing = shell.clone();
        crossing.0[200] = Coord { x: 150.0, y: 5.0 };
        crossing.0[10] = Coord { x: -150.0, y: 0.0 };
        let bad = Polygon::new(crossing, vec![]);
        assert!(!surely_valid(std::slice::from_ref(&bad)));

        // A hole outside its shell, a part inside another: not proven valid (and invalid).
        let outside = Polygon::new(shell.clone(), vec![circle(500.0, 0.0, 10.0, 100)]);
        assert!(!outside.is_valid());
        assert!(!surely_valid(std::slice::from_ref(&outside)));
        let nested = vec![
            Polygon::new(shell.clone(), vec![]),
            Polygon::new(circle(0.0, 0.0, 10.0, 100), vec![]),
        ];
        assert!(!MultiPolygon(nested.clone()).is_valid());
        assert!(!surely_valid(&nested));
        let apart = vec![
            Polygon::new(shell, vec![hole]),
            Polygon::new(circle(500.0, 0.0, 10.0, 100), vec![]),
        ];
        assert!(MultiPolygon(apart.clone()).is_valid());
        assert!(surely_valid(&apart));

        // Through `repair`, the invalid large polygon is still rebuilt into a valid one.
        let (fixed, note) = ok(Geometry::Polygon(bad));
        assert!(note.is_some());
        assert!(fixed.is_valid());
    }

    #[test]
    fn valid_geometries_pass_unchanged() {
        let p = Geometry::Polygon(polygon![
            exterior: [(x: 0., y: 0.), (x: 10., y: 0.), (x: 10., y: 10.), (x: 0., y: 10.), (x: 0., y: 0.)],
            interiors: [[(x: 2., y: 2.), (x: 2., y: 4.), (x: 4., y: 4.), (x: 4., y: 2.), (x: 2., y: 2.)]],
        ]);
        assert_eq!(ok(p.clone()), (p, None));
        let pt = Geometry::Point(point!(x: 1., y: 2.));
        assert_eq!(ok(pt.clone()), (pt, None));
        let ls = Geometry::LineString(line_string![(x: 0., y: 0.), (x: 1., y: 1.)]);
        assert_eq!(ok(ls.clone()), (ls, None));
    }

    #[test]
    fn non_finite_is_an_error() {
        assert!(repair(Geometry::Point(point!(x: f64::NAN, y: 1.))).is_err());
        assert!(repair(Geometry::LineString(
            line_string![(x: 0., y: 0.), (x: f64::INFINITY, y: 1.)]
        ))
        .is_err());
    }

    #[test]
    fn duplicates_removed_and_rings_closed() {
        let p = Polygon::new(
            LineString::from(vec![
                (0., 0.),
                (0., 0.),
                (10., 0.),
                (10., 10.),
                (10., 10.),
                (0., 10.),
            ]),
            vec![],
        );
        let (g, note) = ok(Geometry::Polygon(p));
        // geo closes rings when a polygon is built, so only the duplicates are reported.
        assert_eq!(note.as_deref(), Some("removed 2 duplicate points"));
        match g {
            Geometry::Polygon(p) => {
                assert_eq!(p.exterior().0.len(), 5);
                assert!(p.exterior().is_closed());
            }
            g => panic!("{g:?}"),
        }
    }

    #[test]
    fn degenerate_rings_and_lines() {
        // A degenerate hole is dropped, a degenerate exterior is an error.
        let p = Polygon::new(
            LineString::from(vec![(0., 0.), (10., 0.), (10., 10.), (0., 10.), (0., 0.)]),
            vec![LineString::from(vec![
                (1., 1.),
                (2., 2.),
                (3., 3.),
                (1., 1.),
            ])],
        );
        let (g, note) = ok(Geometry::Polygon(p));
        assert_eq!(note.as_deref(), Some("dropped 1 degenerate hole"));
        assert!(matches!(g, Geometry::Polygon(ref p) if p.interiors().is_empty()));
        let flat = Polygon::new(
            LineString::from(vec![(0., 0.), (5., 0.), (10., 0.), (0., 0.)]),
            vec![],
        );
        assert!(repair(Geometry::Polygon(flat.clone())).is_err());
        let tiny = Polygon::new(LineString::from(vec![(0., 0.), (1., 1.)]), vec![]);
        assert!(repair(Geometry::Polygon(tiny.clone())).is_err());
        // A multipolygon loses its degenerate parts; all degenerate is an error.
        let good = polygon![(x: 0., y: 0.), (x: 1., y: 0.), (x: 1., y: 1.), (x: 0., y: 0.)];
        let (g, note) = ok(Geometry::MultiPolygon(MultiPolygon(vec![
            flat.clone(),
            good,
        ])));
        assert_eq!(note.as_deref(), Some("dropped 1 degenerate polygon"));
        assert!(matches!(g, Geometry::MultiPolygon(ref m) if m.0.len() == 1));
        assert!(repair(Geometry::MultiPolygon(MultiPolygon(vec![flat, tiny]))).is_err());
        assert!(repair(Geometry::MultiPolygon(MultiPolygon(vec![]))).is_err());
        // Lines.
        assert!(repair(Geometry::LineString(
            line_string![(x: 1., y: 1.), (x: 1., y: 1.)]
        ))
        .is_err());
        assert!(repair(Geometry::Line(Line::new((1., 1.), (1., 1.)))).is_err());
        let mls = MultiLineString(vec![
            line_string![(x: 1., y: 1.), (x: 1., y: 1.)],
            line_string![(x: 0., y: 0.), (x: 0., y: 0.), (x: 2., y: 0.)],
        ]);
        let (g, note) = ok(Geometry::MultiLineString(mls));
        assert_eq!(
            note.as_deref(),
            Some("removed 2 duplicate points; dropped 1 zero-length line")
        );
        assert!(matches!(g, Geometry::MultiLineString(ref m) if m.0.len() == 1));
    }

    #[test]
    fn bowtie_is_rebuilt_into_two_parts() {
        let bowtie = polygon![(x: 0., y: 0.), (x: 0., y: 10.), (x: 10., y: 0.), (x: 10., y: 10.), (x: 0., y: 0.)];
        let (g, note) = ok(Geometry::Polygon(bowtie));
        let note = note.expect("note");
        assert!(note.starts_with("rebuilt invalid polygon"), "{note}");
        match g {
            Geometry::MultiPolygon(mp) => {
                assert_eq!(mp.0.len(), 2);
                assert!((mp.unsigned_area() - 50.0).abs() < 1e-9);
                assert!(mp.is_valid());
            }
            g => panic!("{g:?}"),
        }
    }

    #[test]
    fn hole_outside_and_overlapping_parts() {
        // A hole touching the shell along an edge, and overlapping multipolygon parts.
        let p = Polygon::new(
            LineString::from(vec![(0., 0.), (10., 0.), (10., 10.), (0., 10.), (0., 0.)]),
            vec![LineString::from(vec![
                (0., 0.),
                (5., 0.),
                (5., 5.),
                (0., 5.),
                (0., 0.),
            ])],
        );
        let (g, note) = ok(Geometry::Polygon(p));
        assert!(note.is_some());
        assert!((g.unsigned_area() - 75.0).abs() < 1e-9, "{g:?}");
        let a = polygon![(x: 0., y: 0.), (x: 2., y: 0.), (x: 2., y: 2.), (x: 0., y: 2.), (x: 0., y: 0.)];
        let b = polygon![(x: 1., y: 1.), (x: 3., y: 1.), (x: 3., y: 3.), (x: 1., y: 3.), (x: 1., y: 1.)];
        let (g, note) = ok(Geometry::MultiPolygon(MultiPolygon(vec![a, b])));
        assert!(note.is_some());
        assert!(matches!(g, Geometry::MultiPolygon(ref m) if m.0.len() == 1 && m.is_valid()));
        assert!((g.unsigned_area() - 7.0).abs() < 1e-9);
    }

    #[test]
    fn collections_keep_usable_members() {
        let gc = GeometryCollection(vec![
            Geometry::Point(point!(x: 1., y: 1.)),
            Geometry::LineString(line_string![(x: 1., y: 1.), (x: 1., y: 1.)]),
        ]);
        let (g, note) = ok(Geometry::GeometryCollection(gc));
        assert_eq!(
            note.as_deref(),
            Some("removed 1 duplicate point; dropped 1 unusable member")
        );
        assert!(matches!(g, Geometry::GeometryCollection(ref c) if c.0.len() == 1));
        assert!(repair(Geometry::GeometryCollection(GeometryCollection(vec![]))).is_err());
    }

    #[test]
    fn pathological_inputs_never_panic() {
        // Huge, tiny and mixed-magnitude coordinates, spikes and repeated loops.
        let cases: Vec<Vec<(f64, f64)>> = vec![
            vec![(0., 0.), (1e300, 0.), (1e300, 1e300), (0., 0.)],
            vec![(0., 0.), (1e-300, 0.), (0., 1e-300), (0., 0.)],
            vec![(0., 0.), (10., 0.), (0., 0.), (10., 0.), (5., 5.), (0., 0.)],
            vec![
                (0., 0.),
                (10., 10.),
                (0., 10.),
                (10., 0.),
                (0., 0.),
                (10., 10.),
                (0., 10.),
            ],
            vec![
                (f64::MAX, f64::MAX),
                (-f64::MAX, f64::MAX),
                (0., -f64::MAX),
                (f64::MAX, f64::MAX),
            ],
        ];
        for c in cases {
            let _ = repair(Geometry::Polygon(Polygon::new(
                LineString::from(c.clone()),
                vec![LineString::from(c.clone())],
            )));
            let _ = repair(Geometry::MultiPolygon(MultiPolygon(vec![
                Polygon::new(LineString::from(c.clone()), vec![]),
                Polygon::new(LineString::from(c), vec![]),
            ])));
        }
    }
}
