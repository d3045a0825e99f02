//! From a geometry in the tile's CRS to valid integer tile geometry: transform to tile space,
//! select by the buffered tile, simplify, snap, clip and repair.
//!
//! * Points are kept when they lie in the buffered tile (`-buffer ..= extent + buffer`).
//! * Lines are clipped to the buffered tile with Liang–Barsky, split where they leave and
//!   re-enter it, simplified (Douglas–Peucker), snapped to integers; repeated points and
//!   zero-length parts are dropped.
//! * Polygons are simplified per ring, snapped, then passed through i_overlay's integer
//!   overlay: intersection with the buffered tile square when they cross it, otherwise its
//!   OGC simplification, which returns OGC-valid integer polygons (no self-intersections,
//!   no degenerate rings, no repeated or collinear points) with exteriors of positive area in
//!   tile space (clockwise with y down, as MVT requires) and holes of negative area.
//!   Validity is thus established *after* snapping, in the integer grid the client sees.

use geo::{Coord, Geometry, LineString, Polygon};
use i_overlay::core::fill_rule::FillRule;
use i_overlay::core::overlay::{IntOverlayOptions, Overlay};
use i_overlay::core::overlay_rule::OverlayRule;
use i_overlay::core::simplify::Simplify;
use i_overlay::i_float::int::point::IntPoint;

use crate::mvt::{ring_area2, IPoint, TileGeom, EXTENT};

/// A tile's frame in its CRS: maps CRS coordinates to tile space (x right, y down).
#[derive(Debug, Clone, Copy)]
pub struct TileFrame {
    pub minx: f64,
    pub miny: f64,
    pub maxx: f64,
    pub maxy: f64,
    /// Buffer around the tile, in tile units.
    pub buffer: f64,
}

impl TileFrame {
    pub fn new(bounds: (f64, f64, f64, f64), buffer: f64) -> Self {
        TileFrame {
            minx: bounds.0,
            miny: bounds.1,
            maxx: bounds.2,
            maxy: bounds.3,
            buffer,
        }
    }

    /// Units of the CRS per tile unit.
    pub fn unit(&self) -> f64 {
        (self.maxx - self.minx) / EXTENT as f64
    }

    /// The buffered tile in CRS coordinates (for the spatial selection).
    pub fn buffered(&self) -> (f64, f64, f64, f64) {
        let b = self.buffer * self.unit();
        (self.minx - b, self.miny - b, self.maxx + b, self.maxy + b)
    }

    #[inline]
    pub fn to_tile(&self, c: Coord<f64>) -> (f64, f64) {
        let e = EXTENT as f64;
        (
            (c.x - self.minx) * e / (self.maxx - self.minx),
            (self.maxy - c.y) * e / (self.maxy - self.miny),
        )
    }

    fn lo(&self) -> f64 {
        -self.buffer
    }

    fn hi(&self) -> f64 {
        EXTENT as f64 + self.buffer
    }
}

/// Zoom-dependent generalisation, in tile units.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Generalize {
    /// Douglas–Peucker tolerance (0: none beyond snapping).
    pub tolerance: f64,
    /// Polygons whose bounding box is smaller than this on both sides, and line parts shorter
    /// than this, are dropped (0: keep everything that survives snapping).
    pub min_size: f64,
}

impl Generalize {
    pub const NONE: Generalize = Generalize {
        tolerance: 0.0,
        min_size: 0.0,
    };
}

/// Process one geometry for a tile. `None` when nothing of it remains.
pub fn process(g: &Geometry<f64>, frame: &TileFrame, gen: Generalize) -> Option<TileGeom> {
    match g {
        Geometry::Point(p) => points(std::iter::once(p.0), frame),
        Geometry::MultiPoint(mp) => points(mp.0.iter().map(|p| p.0), frame),
        Geometry::LineString(l) => lines(std::iter::once(l), frame, gen),
        Geometry::MultiLineString(ml) => lines(ml.0.iter(), frame, gen),
        Geometry::Polygon(p) => polygons(std::iter::once(p), frame, gen),
        Geometry::MultiPolygon(mp) => polygons(mp.0.iter(), frame, gen),
        Geometry::Rect(r) => polygons(std::iter::once(&r.to_polygon()), frame, gen),
        Geometry::Triangle(t) => polygons(std::iter::once(&t.to_polygon()), frame, gen),
        Geometry::Line(l) => lines(
            std::iter::once(&LineString::new(vec![l.start, l.end])),
            frame,
            gen,
        ),
        // Mixed collections are not part of the UrbIS model; they are left out of tiles.
        Geometry::GeometryCollection(_) => None,
    }
}

fn snap(p: (f64, f64)) -> IPoint {
    [p.0.round() as i32, p.1.round() as i32]
}

fn points(it: impl Iterator<Item = Coord<f64>>, frame: &TileFrame) -> Option<TileGeom> {
    let (lo, hi) = (frame.lo(), frame.hi());
    let mut out: Vec<IPoint> = Vec::new();
    for c in it {
        let (x, y) = frame.to_tile(c);
        if x >= lo && x <= hi && y >= lo && y <= hi {
            let p = snap((x, y));
            if !out.contains(&p) {
                out.push(p);
            }
        }
    }
    (!out.is_empty()).then_some(TileGeom::Points(out))
}

/// Liang–Barsky: the part of segment a→b inside the box, as parameters t0 ≤ t1.
fn clip_segment(a: (f64, f64), b: (f64, f64), lo: f64, hi: f64) -> Option<(f64, f64)> {
    let (dx, dy) = (b.0 - a.0, b.1 - a.1);
    let mut t0 = 0.0f64;
    let mut t1 = 1.0f64;
    for (p, q) in [
        (-dx, a.0 - lo),
        (dx, hi - a.0),
        (-dy, a.1 - lo),
        (dy, hi - a.1),
    ] {
        if p == 0.0 {
            if q < 0.0 {
                return None;
            }
        } else {
            let r = q / p;
            if p < 0.0 {
                if r > t1 {
                    return None;
                }
                t0 = t0.max(r);
            } else {
                if r < t0 {
                    return None;
                }
                t1 = t1.min(r);
            }
        }
    }
    Some((t0, t1))
}

/// Clip a polyline (tile space) to the square `lo..=hi`, splitting it where it leaves.
pub fn clip_line(pts: &[(f64, f64)], lo: f64, hi: f64) -> Vec<Vec<(f64, f64)>> {
    let mut out = Vec::new();
    let mut cur: Vec<(f64, f64)> = Vec::new();
    for w in pts.windows(2) {
        let (a, b) = (w[0], w[1]);
        match clip_segment(a, b, lo, hi) {
            Some((t0, t1)) => {
                let at = |t: f64| (a.0 + t * (b.0 - a.0), a.1 + t * (b.1 - a.1));
                if t0 > 0.0 || cur.is_empty() {
                    if cur.len() >= 2 {
                        out.push(std::mem::take(&mut cur));
                    }
                    cur.clear();
                    cur.push(if t0 > 0.0 { at(t0) } else { a });
                }
                cur.push(if t1 < 1.0 { at(t1) } else { b });
                if t1 < 1.0 {
                    out.push(std::mem::take(&mut cur));
                }
            }
            None => {
                if cur.len() >= 2 {
                    out.push(std::mem::take(&mut cur));
                }
                cur.clear();
            }
        }
    }
    if cur.len() >= 2 {
        out.push(cur);
    }
    out
}

fn seg_dist2(p: (f64, f64), a: (f64, f64), b: (f64, f64)) -> f64 {
    let (dx, dy) = (b.0 - a.0, b.1 - a.1);
    let len2 = dx * dx + dy * dy;
    let t = if len2 == 0.0 {
        0.0
    } else {
        (((p.0 - a.0) * dx + (p.1 - a.1) * dy) / len2).clamp(0.0, 1.0)
    };
    let (cx, cy) = (a.0 + t * dx - p.0, a.1 + t * dy - p.1);
    cx * cx + cy * cy
}

/// Douglas–Peucker on an open polyline; keeps both ends.
pub fn simplify(pts: &[(f64, f64)], tolerance: f64) -> Vec<(f64, f64)> {
    if tolerance <= 0.0 || pts.len() <= 2 {
        return pts.to_vec();
    }
    let tol2 = tolerance * tolerance;
    let mut keep = vec![false; pts.len()];
    keep[0] = true;
    keep[pts.len() - 1] = true;
    let mut stack = vec![(0usize, pts.len() - 1)];
    while let Some((s, e)) = stack.pop() {
        if e <= s + 1 {
            continue;
        }
        let mut best = (0.0, 0usize);
        for (i, p) in pts.iter().enumerate().take(e).skip(s + 1) {
            let d = seg_dist2(*p, pts[s], pts[e]);
            if d > best.0 {
                best = (d, i);
            }
        }
        if best.0 > tol2 {
            keep[best.1] = true;
            stack.push((s, best.1));
            stack.push((best.1, e));
        }
    }
    pts.iter()
        .zip(keep)
        .filter(|(_, k)| *k)
        .map(|(p, _)| *p)
        .collect()
}

fn dedup_snapped(pts: impl Iterator<Item = (f64, f64)>) -> Vec<IPoint> {
    let mut out: Vec<IPoint> = Vec::new();
    for p in pts {
        let s = snap(p);
        if out.last() != Some(&s) {
            out.push(s);
        }
    }
    out
}

fn lines<'a>(
    it: impl Iterator<Item = &'a LineString<f64>>,
    frame: &TileFrame,
    gen: Generalize,
) -> Option<TileGeom> {
    let (lo, hi) = (frame.lo(), frame.hi());
    let mut out = Vec::new();
    for l in it {
        let pts: Vec<(f64, f64)> = l.0.iter().map(|c| frame.to_tile(*c)).collect();
        for piece in clip_line(&pts, lo, hi) {
            let simplified = simplify(&piece, gen.tolerance);
            let snapped = dedup_snapped(simplified.into_iter());
            if snapped.len() < 2 {
                continue;
            }
            if gen.min_size > 0.0 {
                let len: f64 = snapped
                    .windows(2)
                    .map(|w| {
                        (((w[1][0] - w[0][0]) as f64).powi(2)
                            + ((w[1][1] - w[0][1]) as f64).powi(2))
                        .sqrt()
                    })
                    .sum();
                if len < gen.min_size {
                    continue;
                }
            }
            out.push(snapped);
        }
    }
    (!out.is_empty()).then_some(TileGeom::Lines(out))
}

/// Margin (tile units) between the pre-clip box of [`ring`] and the buffered tile, so that the
/// pre-clip's seams (and what simplification does near them) stay outside the tile the overlay
/// finally cuts.
const PRECLIP_MARGIN: f64 = 16.0;

/// Sutherland–Hodgman: the open ring `pts` clipped to the square `lo..=hi` (both axes).
///
/// Linear in the ring's size, in floating point, before any simplification or overlay: a large
/// polygon (a municipality at z16 has thousands of vertices, of which a tile sees a handful)
/// is cut down to what lies near the tile. Where a concave ring leaves and re-enters the
/// square, the result runs along the square's side and back (zero-width seams); the integer
/// overlay that follows removes them, as they lie outside the tile proper.
pub fn clip_ring(pts: &[(f64, f64)], lo: f64, hi: f64) -> Vec<(f64, f64)> {
    // (axis, bound, keep the side >= bound?)
    let planes = [(0, lo, true), (0, hi, false), (1, lo, true), (1, hi, false)];
    let mut cur: Vec<(f64, f64)> = pts.to_vec();
    let mut next: Vec<(f64, f64)> = Vec::with_capacity(pts.len() + 8);
    for (axis, bound, ge) in planes {
        if cur.is_empty() {
            break;
        }
        next.clear();
        let coord = |p: (f64, f64)| if axis == 0 { p.0 } else { p.1 };
        let is_in = |p: (f64, f64)| {
            if ge {
                coord(p) >= bound
            } else {
                coord(p) <= bound
            }
        };
        let cross = |a: (f64, f64), b: (f64, f64)| {
            let t = (bound - coord(a)) / (coord(b) - coord(a));
            if axis == 0 {
                (bound, a.1 + t * (b.1 - a.1))
            } else {
                (a.0 + t * (b.0 - a.0), bound)
            }
        };
        let mut prev = cur[cur.len() - 1];
        let mut prev_in = is_in(prev);
        for &p in &cur {
            let p_in = is_in(p);
            if p_in {
                if !prev_in {
                    next.push(cross(prev, p));
                }
                next.push(p);
            } else if prev_in {
                next.push(cross(prev, p));
            }
            prev = p;
            prev_in = p_in;
        }
        std::mem::swap(&mut cur, &mut next);
    }
    cur
}

/// One ring to tile space, pre-clipped near the buffered tile, simplified (as a closed loop)
/// and snapped; `None` when it collapses.
fn ring(ls: &LineString<f64>, frame: &TileFrame, tolerance: f64) -> Option<Vec<IntPoint>> {
    let mut pts: Vec<(f64, f64)> = ls.0.iter().map(|c| frame.to_tile(*c)).collect();
    if pts.len() >= 2 && pts.first() == pts.last() {
        pts.pop();
    }
    let (clo, chi) = (frame.lo() - PRECLIP_MARGIN, frame.hi() + PRECLIP_MARGIN);
    if pts
        .iter()
        .any(|p| p.0 < clo || p.0 > chi || p.1 < clo || p.1 > chi)
    {
        pts = clip_ring(&pts, clo, chi);
    }
    if pts.len() < 3 {
        return None;
    }
    let pts = if tolerance > 0.0 && pts.len() > 4 {
        // Split the loop at the point farthest from the first so both halves keep their ends.
        let far = pts
            .iter()
            .enumerate()
            .map(|(i, p)| (i, (p.0 - pts[0].0).powi(2) + (p.1 - pts[0].1).powi(2)))
            .max_by(|a, b| a.1.total_cmp(&b.1))
            .map(|(i, _)| i)
            .unwrap_or(0);
        let mut first: Vec<(f64, f64)> = pts[..=far].to_vec();
        let mut second: Vec<(f64, f64)> = pts[far..].to_vec();
        second.push(pts[0]);
        first = simplify(&first, tolerance);
        second = simplify(&second, tolerance);
        first.pop();
        second.pop();
        first.extend(second);
        first
    } else {
        pts
    };
    let mut snapped = dedup_snapped(pts.into_iter());
    while snapped.len() > 1 && snapped.first() == snapped.last() {
        snapped.pop();
    }
    (snapped.len() >= 3).then(|| {
        snapped
            .into_iter()
            .map(|p| IntPoint::new(p[0], p[1]))
            .collect()
    })
}

/// Largest ring checked by [`is_simple_ring`] (quadratic) instead of the overlay.
const SIMPLE_RING_MAX: usize = 64;

fn orient(a: IPoint, b: IPoint, c: IPoint) -> i64 {
    (b[0] as i64 - a[0] as i64) * (c[1] as i64 - a[1] as i64)
        - (b[1] as i64 - a[1] as i64) * (c[0] as i64 - a[0] as i64)
}

/// `p`, collinear with a–b, lies on the closed segment a–b.
fn on_segment(a: IPoint, b: IPoint, p: IPoint) -> bool {
    p[0] >= a[0].min(b[0])
        && p[0] <= a[0].max(b[0])
        && p[1] >= a[1].min(b[1])
        && p[1] <= a[1].max(b[1])
}

/// Do the closed segments a–b and c–d share any point?
fn segments_touch(a: IPoint, b: IPoint, c: IPoint, d: IPoint) -> bool {
    let (o1, o2, o3, o4) = (
        orient(a, b, c),
        orient(a, b, d),
        orient(c, d, a),
        orient(c, d, b),
    );
    if o1.signum() * o2.signum() < 0 && o3.signum() * o4.signum() < 0 {
        return true;
    }
    (o1 == 0 && on_segment(a, b, c))
        || (o2 == 0 && on_segment(a, b, d))
        || (o3 == 0 && on_segment(c, d, a))
        || (o4 == 0 && on_segment(c, d, b))
}

/// Is the open integer ring a simple polygon boundary (OGC-valid on its own): non-zero area,
/// no repeated point, no edge folding back on the previous one, no two non-adjacent edges
/// touching? Quadratic: for small rings.
pub fn is_simple_ring(r: &[IPoint]) -> bool {
    let n = r.len();
    if n < 3 || ring_area2(r) == 0 {
        return false;
    }
    for i in 0..n {
        let (a, b, c) = (r[i], r[(i + 1) % n], r[(i + 2) % n]);
        if a == b {
            return false;
        }
        let dot = (b[0] as i64 - a[0] as i64) * (c[0] as i64 - b[0] as i64)
            + (b[1] as i64 - a[1] as i64) * (c[1] as i64 - b[1] as i64);
        if orient(a, b, c) == 0 && dot < 0 {
            return false;
        }
    }
    for i in 0..n {
        for j in i + 2..n {
            if i == 0 && j == n - 1 {
                continue;
            }
            if segments_touch(r[i], r[(i + 1) % n], r[j], r[(j + 1) % n]) {
                return false;
            }
        }
    }
    true
}

fn polygons<'a>(
    it: impl Iterator<Item = &'a Polygon<f64>>,
    frame: &TileFrame,
    gen: Generalize,
) -> Option<TileGeom> {
    let (lo, hi) = (frame.lo(), frame.hi());
    let mut shapes: Vec<Vec<Vec<IntPoint>>> = Vec::new();
    let mut bmin = (f64::INFINITY, f64::INFINITY);
    let mut bmax = (f64::NEG_INFINITY, f64::NEG_INFINITY);
    for p in it {
        // Bounding box of the exterior in tile space: quick rejection and size test.
        let mut pmin = (f64::INFINITY, f64::INFINITY);
        let mut pmax = (f64::NEG_INFINITY, f64::NEG_INFINITY);
        for c in &p.exterior().0 {
            let (x, y) = frame.to_tile(*c);
            pmin = (pmin.0.min(x), pmin.1.min(y));
            pmax = (pmax.0.max(x), pmax.1.max(y));
        }
        if pmax.0 < lo || pmin.0 > hi || pmax.1 < lo || pmin.1 > hi {
            continue;
        }
        if gen.min_size > 0.0 && pmax.0 - pmin.0 < gen.min_size && pmax.1 - pmin.1 < gen.min_size {
            continue;
        }
        let Some(ext) = ring(p.exterior(), frame, gen.tolerance) else {
            continue;
        };
        let mut shape = vec![ext];
        for h in p.interiors() {
            if let Some(r) = ring(h, frame, gen.tolerance) {
                shape.push(r);
            }
        }
        bmin = (bmin.0.min(pmin.0), bmin.1.min(pmin.1));
        bmax = (bmax.0.max(pmax.0), bmax.1.max(pmax.1));
        shapes.push(shape);
    }
    if shapes.is_empty() {
        return None;
    }
    let inside = bmin.0 >= lo && bmin.1 >= lo && bmax.0 <= hi && bmax.1 <= hi;
    // Fast path: a single ring inside the clip square that is already simple (most buildings)
    // needs no overlay, only its orientation.
    if inside && shapes.len() == 1 && shapes[0].len() == 1 && shapes[0][0].len() <= SIMPLE_RING_MAX
    {
        let mut r: Vec<IPoint> = shapes[0][0].iter().map(|p| [p.x, p.y]).collect();
        if is_simple_ring(&r) {
            if ring_area2(&r) < 0 {
                r.reverse();
            }
            return Some(TileGeom::Polygons(vec![vec![r]]));
        }
    }
    let result = if inside {
        shapes
            .as_slice()
            .simplify(FillRule::EvenOdd, IntOverlayOptions::ogc())
    } else {
        let (l, h) = (lo.floor() as i32, hi.ceil() as i32);
        let square = vec![vec![
            IntPoint::new(l, l),
            IntPoint::new(h, l),
            IntPoint::new(h, h),
            IntPoint::new(l, h),
        ]];
        let subj: Vec<Vec<IntPoint>> = shapes.into_iter().flatten().collect();
        Overlay::with_contours_custom(&subj, &square, IntOverlayOptions::ogc(), Default::default())
            .overlay(OverlayRule::Intersect, FillRule::EvenOdd)
    };
    // Each shape is an exterior followed by its holes. i_overlay may hand back a hole that
    // touches its exterior at a vertex with the exterior's orientation: orient every ring by
    // its role (exterior positive in tile space, holes negative) and drop zero-area rings.
    let mut polys: Vec<Vec<Vec<IPoint>>> = Vec::with_capacity(result.len());
    for shape in result {
        let mut rings: Vec<Vec<IPoint>> = Vec::with_capacity(shape.len());
        for (i, c) in shape.into_iter().enumerate() {
            let mut r: Vec<IPoint> = c.into_iter().map(|p| [p.x, p.y]).collect();
            let a = ring_area2(&r);
            if r.len() < 3 || a == 0 {
                if i == 0 {
                    break;
                }
                continue;
            }
            if (i == 0) != (a > 0) {
                r.reverse();
            }
            rings.push(r);
        }
        if !rings.is_empty() {
            polys.push(rings);
        }
    }
    (!polys.is_empty()).then_some(TileGeom::Polygons(polys))
}

#[cfg(test)]
mod tests {
    use super::*;
    use geo::{line_string, point, polygon, MultiPolygon, Validation};

    /// A frame whose CRS units equal tile units with y up (tile y = 4096 - crs y).
    fn unit_frame(buffer: f64) -> TileFrame {
        TileFrame::new((0.0, 0.0, 4096.0, 4096.0), buffer)
    }

    fn to_geo(polys: &[Vec<Vec<IPoint>>]) -> MultiPolygon<f64> {
        MultiPolygon::new(
            polys
                .iter()
                .map(|p| {
                    let ring = |r: &Vec<IPoint>| {
                        LineString::from(
                            r.iter()
                                .map(|c| (c[0] as f64, c[1] as f64))
                                .collect::<Vec<_>>(),
                        )
                    };
                    Polygon::new(ring(&p[0]), p[1..].iter().map(ring).collect())
                })
                .collect(),
        )
    }

    fn assert_valid_mvt_polygons(g: &TileGeom) {
        let TileGeom::Polygons(polys) = g else {
            panic!("expected polygons, got {g:?}");
        };
        for p in polys {
            assert!(
                ring_area2(&p[0]) > 0,
                "exterior must be clockwise in tile space: {p:?}"
            );
            for h in &p[1..] {
                assert!(ring_area2(h) < 0, "holes must be counter-clockwise: {h:?}");
            }
            for r in p {
                assert!(r.len() >= 3);
                for i in 0..r.len() {
                    assert_ne!(r[i], r[(i + 1) % r.len()], "repeated point in {r:?}");
                }
            }
        }
        assert!(to_geo(polys).is_valid(), "invalid polygons {polys:?}");
    }

    #[test]
    fn tile_frame_maps_y_down() {
        let f = TileFrame::new((100.0, 200.0, 300.0, 400.0), 64.0);
        assert_eq!(f.to_tile(Coord { x: 100.0, y: 400.0 }), (0.0, 0.0));
        assert_eq!(f.to_tile(Coord { x: 300.0, y: 200.0 }), (4096.0, 4096.0));
        let b = f.buffered();
        assert!((b.0 - (100.0 - 64.0 * 200.0 / 4096.0)).abs() < 1e-9);
    }

    #[test]
    fn points_inside_buffer_only() {
        let f = unit_frame(64.0);
        let g = Geometry::MultiPoint(
            vec![
                point!(x: 10.0, y: 10.0),
                point!(x: -60.0, y: 10.0),
                point!(x: -70.0, y: 10.0),
            ]
            .into(),
        );
        assert_eq!(
            process(&g, &f, Generalize::NONE),
            Some(TileGeom::Points(vec![[10, 4086], [-60, 4086]]))
        );
        assert_eq!(
            process(
                &Geometry::Point(point!(x: 5000.0, y: 10.0)),
                &f,
                Generalize::NONE
            ),
            None
        );
    }

    #[test]
    fn line_leaving_and_reentering_is_split() {
        let f = unit_frame(0.0);
        // y up in CRS; tile y = 4096 - y.
        let l = Geometry::LineString(line_string![
            (x: 100.0, y: 100.0),
            (x: 5000.0, y: 100.0),
            (x: 5000.0, y: 200.0),
            (x: 100.0, y: 200.0),
        ]);
        let Some(TileGeom::Lines(parts)) = process(&l, &f, Generalize::NONE) else {
            panic!("expected lines");
        };
        assert_eq!(
            parts,
            vec![
                vec![[100, 3996], [4096, 3996]],
                vec![[4096, 3896], [100, 3896]]
            ]
        );
    }

    #[test]
    fn zero_length_lines_dropped_and_repeats_removed() {
        let f = unit_frame(0.0);
        let l = Geometry::LineString(line_string![(x: 10.1, y: 10.0), (x: 10.2, y: 10.1)]);
        assert_eq!(process(&l, &f, Generalize::NONE), None);
        let l = Geometry::LineString(
            line_string![(x: 10.0, y: 10.0), (x: 10.2, y: 10.0), (x: 20.0, y: 10.0)],
        );
        assert_eq!(
            process(&l, &f, Generalize::NONE),
            Some(TileGeom::Lines(vec![vec![[10, 4086], [20, 4086]]]))
        );
        // Shorter than min_size after generalisation.
        let l = Geometry::LineString(line_string![(x: 10.0, y: 10.0), (x: 14.0, y: 10.0)]);
        let gen = Generalize {
            tolerance: 1.0,
            min_size: 8.0,
        };
        assert_eq!(process(&l, &f, gen), None);
    }

    #[test]
    fn polygon_winding_is_fixed_both_ways() {
        let f = unit_frame(64.0);
        // Counter-clockwise in the CRS (y up) = clockwise in tile space, and the reverse.
        for ccw in [true, false] {
            let mut ext = vec![
                (10.0, 10.0),
                (110.0, 10.0),
                (110.0, 110.0),
                (10.0, 110.0),
                (10.0, 10.0),
            ];
            let mut hole = vec![
                (40.0, 40.0),
                (40.0, 60.0),
                (60.0, 60.0),
                (60.0, 40.0),
                (40.0, 40.0),
            ];
            if !ccw {
                ext.reverse();
                hole.reverse();
            }
            let p = Geometry::Polygon(Polygon::new(ext.into(), vec![hole.into()]));
            let g = process(&p, &f, Generalize::NONE).expect("kept");
            assert_valid_mvt_polygons(&g);
            let TileGeom::Polygons(polys) = g else {
                unreachable!()
            };
            assert_eq!(polys.len(), 1);
            assert_eq!(polys[0].len(), 2, "hole kept");
            assert_eq!(ring_area2(&polys[0][0]), 2 * 100 * 100);
        }
    }

    #[test]
    fn clipping_keeps_hole_and_validity() {
        let f = unit_frame(0.0);
        // A square straddling the right edge with a hole also crossing it.
        let p = Geometry::Polygon(polygon!(
            exterior: [(x: 4000.0, y: 100.0), (x: 4200.0, y: 100.0), (x: 4200.0, y: 300.0), (x: 4000.0, y: 300.0)],
            interiors: [[(x: 4050.0, y: 150.0), (x: 4050.0, y: 250.0), (x: 4150.0, y: 250.0), (x: 4150.0, y: 150.0)]],
        ));
        let g = process(&p, &f, Generalize::NONE).expect("kept");
        assert_valid_mvt_polygons(&g);
        let TileGeom::Polygons(polys) = &g else {
            unreachable!()
        };
        let area: i64 = polys.iter().flatten().map(|r| ring_area2(r)).sum();
        // 96 × 200 minus the hole's 46 × 100.
        assert_eq!(area, 2 * (96 * 200 - 46 * 100));
        for r in polys.iter().flatten() {
            assert!(r.iter().all(|c| c[0] <= 4096 && c[1] >= 0));
        }
    }

    /// A comb: a large concave polygon whose teeth leave and re-enter the tile many times,
    /// with thousands of vertices far outside it (as a municipality at z16).
    fn comb(teeth: usize) -> Polygon<f64> {
        let mut pts = vec![(-50_000.0, -50_000.0), (50_000.0, -50_000.0)];
        // Teeth hang down from y = 50,000 to y = 2,000 (tile y 2,096), each 100 wide, 100 apart.
        for i in 0..teeth {
            let x0 = 50_000.0 - 200.0 * i as f64;
            pts.push((x0, 50_000.0));
            pts.push((x0, 2_000.0));
            pts.push((x0 - 100.0, 2_000.0));
            pts.push((x0 - 100.0, 50_000.0));
        }
        pts.push((-50_000.0, 50_000.0));
        Polygon::new(LineString::from(pts), vec![])
    }

    #[test]
    fn large_concave_polygon_is_preclipped_exactly() {
        let f = unit_frame(64.0);
        let p = comb(500);
        let g = process(&Geometry::Polygon(p.clone()), &f, Generalize::NONE).expect("kept");
        assert_valid_mvt_polygons(&g);
        let TileGeom::Polygons(polys) = &g else {
            unreachable!()
        };
        // The exact intersection with the buffered tile (-64..4160), by geo's boolean ops,
        // in tile space (y down).
        use geo::{Area, BooleanOps, MapCoords};
        let tile_space = p.map_coords(|c| Coord {
            x: c.x,
            y: 4096.0 - c.y,
        });
        let square = geo::Rect::new((-64.0, -64.0), (4160.0, 4160.0)).to_polygon();
        let want = tile_space.intersection(&square).unsigned_area();
        let got = to_geo(polys).unsigned_area();
        assert!(want > 1e6);
        assert!((got - want).abs() < 1.0, "area {got} != exact {want}");
        // Nothing outside the buffered tile, and far fewer vertices than the input.
        let n: usize = polys.iter().flatten().map(|r| r.len()).sum();
        assert!(n < 200, "{n} vertices");
        for c in polys.iter().flatten().flatten() {
            assert!((-64..=4160).contains(&c[0]) && (-64..=4160).contains(&c[1]));
        }
    }

    #[test]
    fn tile_inside_a_large_polygon_is_the_buffered_square() {
        let f = unit_frame(64.0);
        let outer = LineString::from(vec![
            (-50_000.0, -50_000.0),
            (50_000.0, -50_000.0),
            (50_000.0, 50_000.0),
            (-50_000.0, 50_000.0),
        ]);
        let big = Geometry::Polygon(Polygon::new(outer.clone(), vec![]));
        let g = process(&big, &f, Generalize::NONE).expect("kept");
        let TileGeom::Polygons(polys) = &g else {
            unreachable!()
        };
        assert_eq!(polys.len(), 1);
        assert_eq!(polys[0].len(), 1);
        let mut r = polys[0][0].clone();
        r.sort();
        assert_eq!(r, vec![[-64, -64], [-64, 4160], [4160, -64], [4160, 4160]]);
        // The same polygon with a hole covering the whole tile: nothing remains.
        let holed = Geometry::Polygon(Polygon::new(
            outer,
            vec![LineString::from(vec![
                (-1_000.0, -1_000.0),
                (-1_000.0, 6_000.0),
                (6_000.0, 6_000.0),
                (6_000.0, -1_000.0),
            ])],
        ));
        assert!(process(&holed, &f, Generalize::NONE).is_none());
    }

    #[test]
    fn clip_ring_keeps_inside_rings_and_drops_outside_ones() {
        let inside = vec![(10.0, 10.0), (20.0, 10.0), (20.0, 20.0)];
        assert_eq!(clip_ring(&inside, 0.0, 100.0), inside);
        let outside = vec![(200.0, 10.0), (220.0, 10.0), (220.0, 20.0)];
        assert!(clip_ring(&outside, 0.0, 100.0).is_empty());
        let crossing = vec![(50.0, 50.0), (150.0, 50.0), (150.0, 80.0), (50.0, 80.0)];
        assert_eq!(
            clip_ring(&crossing, 0.0, 100.0),
            vec![(50.0, 50.0), (100.0, 50.0), (100.0, 80.0), (50.0, 80.0)]
        );
    }

    #[test]
    fn snapping_that_creates_a_self_intersection_is_repaired() {
        // A thin bow shape: after rounding, the two long edges cross.
        let f = unit_frame(0.0);
        let p = Geometry::Polygon(polygon![
            (x: 10.0, y: 10.0),
            (x: 30.0, y: 10.4),
            (x: 50.0, y: 10.0),
            (x: 50.0, y: 10.6),
            (x: 30.0, y: 10.45),
            (x: 10.0, y: 10.6),
        ]);
        if let Some(g) = process(&p, &f, Generalize::NONE) {
            assert_valid_mvt_polygons(&g);
        }
        // A valid star whose rounding makes edges touch: still valid or dropped, never invalid.
        let mut pts = Vec::new();
        for i in 0..40 {
            let a = i as f64 * std::f64::consts::PI / 20.0;
            let r = if i % 2 == 0 { 3.3 } else { 1.2 };
            pts.push((2000.0 + r * a.cos(), 2000.0 + r * a.sin()));
        }
        let g = Geometry::Polygon(Polygon::new(pts.into(), vec![]));
        if let Some(g) = process(&g, &f, Generalize::NONE) {
            assert_valid_mvt_polygons(&g);
        }
    }

    #[test]
    fn small_polygons_dropped_when_generalising() {
        let f = unit_frame(0.0);
        let p = Geometry::Polygon(
            polygon![(x: 10.0, y: 10.0), (x: 14.0, y: 10.0), (x: 14.0, y: 14.0), (x: 10.0, y: 14.0)],
        );
        assert!(process(&p, &f, Generalize::NONE).is_some());
        assert!(process(
            &p,
            &f,
            Generalize {
                tolerance: 1.0,
                min_size: 8.0
            }
        )
        .is_none());
    }

    #[test]
    fn simple_ring_check_agrees_with_ogc_validity() {
        assert!(is_simple_ring(&[[0, 0], [10, 0], [10, 10], [0, 10]]));
        assert!(
            !is_simple_ring(&[[0, 0], [10, 10], [10, 0], [0, 10]]),
            "bow tie"
        );
        assert!(
            !is_simple_ring(&[[0, 0], [10, 0], [5, 0], [5, 5]]),
            "fold back"
        );
        assert!(
            !is_simple_ring(&[[0, 0], [4, 0], [4, 4], [0, 0], [-4, 0], [-4, -4]]),
            "figure 8"
        );
        assert!(!is_simple_ring(&[[0, 0], [1, 1], [2, 2]]), "zero area");
        // Random small rings on a tiny grid (many degeneracies): whenever the quick check says
        // simple, geo's OGC validation agrees.
        let mut seed = 7u64;
        let mut rnd = |m: u64| {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            (seed % m) as i32
        };
        let mut simple = 0;
        for _ in 0..20_000 {
            let n = 3 + rnd(6) as usize;
            let r: Vec<IPoint> = (0..n).map(|_| [rnd(6), rnd(6)]).collect();
            if is_simple_ring(&r) {
                simple += 1;
                let ls = LineString::from(
                    r.iter()
                        .map(|p| (p[0] as f64, p[1] as f64))
                        .collect::<Vec<_>>(),
                );
                assert!(Polygon::new(ls, vec![]).is_valid(), "{r:?}");
            }
        }
        assert!(simple > 1000, "{simple}");
    }

    #[test]
    fn douglas_peucker() {
        let pts = vec![
            (0.0, 0.0),
            (1.0, 0.1),
            (2.0, -0.1),
            (3.0, 5.0),
            (4.0, 6.0),
            (5.0, 7.0),
        ];
        assert_eq!(
            simplify(&pts, 0.5),
            vec![(0.0, 0.0), (2.0, -0.1), (3.0, 5.0), (5.0, 7.0)]
        );
        assert_eq!(simplify(&pts, 0.0), pts);
    }
}
