//! Plane geometry helpers on `geo::Coord` (metres, EPSG:31370).

use geo::{Coord, LineString, Polygon};

pub(crate) fn c(x: f64, y: f64) -> Coord {
    Coord { x, y }
}

/// Round to the centimetre, as the coordinates of the real distribution are.
pub(crate) fn cm(v: f64) -> f64 {
    (v * 100.0).round() / 100.0
}

pub(crate) fn round_cm(p: Coord) -> Coord {
    c(cm(p.x), cm(p.y))
}

pub(crate) fn lerp(a: Coord, b: Coord, t: f64) -> Coord {
    c(a.x + (b.x - a.x) * t, a.y + (b.y - a.y) * t)
}

pub(crate) fn cross(a: Coord, b: Coord) -> f64 {
    a.x * b.y - a.y * b.x
}

pub(crate) fn dot(a: Coord, b: Coord) -> f64 {
    a.x * b.x + a.y * b.y
}

pub(crate) fn len(a: Coord) -> f64 {
    a.x.hypot(a.y)
}

pub(crate) fn dist(a: Coord, b: Coord) -> f64 {
    len(b - a)
}

/// Signed area of an open ring (positive when counter-clockwise).
pub(crate) fn signed_area(ring: &[Coord]) -> f64 {
    let n = ring.len();
    let mut s = 0.0;
    for i in 0..n {
        s += cross(ring[i], ring[(i + 1) % n]);
    }
    s / 2.0
}

pub(crate) fn centroid(ring: &[Coord]) -> Coord {
    let n = ring.len().max(1) as f64;
    let (sx, sy) = ring
        .iter()
        .fold((0.0, 0.0), |(sx, sy), p| (sx + p.x, sy + p.y));
    c(sx / n, sy / n)
}

/// Is the open ring strictly convex and counter-clockwise?
pub(crate) fn is_convex_ccw(ring: &[Coord]) -> bool {
    let n = ring.len();
    n >= 3
        && (0..n).all(|i| {
            let a = ring[i];
            let b = ring[(i + 1) % n];
            let d = ring[(i + 2) % n];
            cross(b - a, d - b) > 1e-6
        })
}

fn line_intersection(p: Coord, d: Coord, q: Coord, e: Coord) -> Option<Coord> {
    let den = cross(d, e);
    if den.abs() < 1e-12 {
        return None;
    }
    let t = cross(q - p, e) / den;
    Some(p + d * t)
}

/// Inset a convex counter-clockwise polygon: edge `i` (from vertex `i` to `i + 1`) moves inwards
/// by `dists[i]`. `None` when an edge would vanish or shrink below `min_ratio` of its length or
/// below `min_len` metres (the inset is then not the simple shrunk copy the callers rely on).
pub(crate) fn inset(
    ring: &[Coord],
    dists: &[f64],
    min_len: f64,
    min_ratio: f64,
) -> Option<Vec<Coord>> {
    let n = ring.len();
    if n < 3 || dists.len() != n {
        return None;
    }
    let mut lines = Vec::with_capacity(n);
    for i in 0..n {
        let a = ring[i];
        let d = ring[(i + 1) % n] - a;
        let l = len(d);
        if l < 1e-9 {
            return None;
        }
        let normal = c(-d.y / l, d.x / l);
        lines.push((a + normal * dists[i], d));
    }
    let mut out = Vec::with_capacity(n);
    for i in 0..n {
        let (p, d) = lines[(i + n - 1) % n];
        let (q, e) = lines[i];
        out.push(line_intersection(p, d, q, e)?);
    }
    for i in 0..n {
        let orig = ring[(i + 1) % n] - ring[i];
        let new = out[(i + 1) % n] - out[i];
        let lo = len(orig);
        if dot(new, orig) / lo < (min_len).max(min_ratio * lo) {
            return None;
        }
    }
    Some(out)
}

/// Point in an open ring (crossing number; for points clearly inside or outside).
pub(crate) fn ring_contains(ring: &[Coord], p: Coord) -> bool {
    let n = ring.len();
    let mut inside = false;
    let mut j = n - 1;
    for i in 0..n {
        let (a, b) = (ring[i], ring[j]);
        if (a.y > p.y) != (b.y > p.y) && p.x < (b.x - a.x) * (p.y - a.y) / (b.y - a.y) + a.x {
            inside = !inside;
        }
        j = i;
    }
    inside
}

/// Drop consecutive duplicates of an open ring; `None` if fewer than 3 points remain.
pub(crate) fn clean_ring(ring: Vec<Coord>) -> Option<Vec<Coord>> {
    let mut out: Vec<Coord> = Vec::with_capacity(ring.len());
    for p in ring {
        if out.last() != Some(&p) {
            out.push(p);
        }
    }
    while out.len() > 1 && out.first() == out.last() {
        out.pop();
    }
    (out.len() >= 3).then_some(out)
}

/// A polygon from open rings (geo closes them).
pub(crate) fn polygon(exterior: Vec<Coord>, holes: Vec<Vec<Coord>>) -> Polygon {
    Polygon::new(
        LineString::from(exterior),
        holes.into_iter().map(LineString::from).collect(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn inset_square() {
        let sq = [c(0.0, 0.0), c(10.0, 0.0), c(10.0, 10.0), c(0.0, 10.0)];
        let r = inset(&sq, &[1.0, 2.0, 1.0, 2.0], 0.1, 0.0).expect("inset");
        assert_eq!(r, vec![c(2.0, 1.0), c(8.0, 1.0), c(8.0, 9.0), c(2.0, 9.0)]);
        assert!(inset(&sq, &[6.0; 4], 0.1, 0.0).is_none());
        assert!((signed_area(&sq) - 100.0).abs() < 1e-9);
        assert!(is_convex_ccw(&sq));
        assert!(ring_contains(&sq, c(5.0, 5.0)) && !ring_contains(&sq, c(15.0, 5.0)));
    }
}
