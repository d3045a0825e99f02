//! BD72 ↔ WGS 84 seven-parameter Helmert transformation (EPSG:15929,
//! "BD72 to WGS 84 (3)", accuracy about 1 m), applied through geocentric
//! cartesian coordinates exactly as PROJ applies `+towgs84`.

/// An ellipsoid given by its semi-major axis and squared eccentricity.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Ellipsoid {
    pub a: f64,
    pub es: f64,
}

impl Ellipsoid {
    const fn from_a_rf(a: f64, rf: f64) -> Ellipsoid {
        let f = 1.0 / rf;
        Ellipsoid {
            a,
            es: f * (2.0 - f),
        }
    }
}

/// International 1924 (Hayford), the ellipsoid of BD72.
pub(crate) const INTL_1924: Ellipsoid = Ellipsoid::from_a_rf(6378388.0, 297.0);
/// WGS 84 (ETRS89's GRS 80 differs by 0.1 mm in the semi-minor axis).
pub(crate) const WGS84: Ellipsoid = Ellipsoid::from_a_rf(6378137.0, 298.257223563);

/// EPSG:15929 in the position-vector convention used by proj4 `+towgs84`:
/// translations in metres, rotations in arc-seconds, scale in ppm.
pub(crate) const BD72_TO_WGS84: [f64; 7] = [
    -106.8686, 52.2978, -103.7239, 0.3366, -0.457, 1.8422, -1.2747,
];

/// Geodetic (radians, ellipsoidal height in metres) → geocentric cartesian.
pub(crate) fn geodetic_to_geocentric(e: Ellipsoid, lon: f64, lat: f64, h: f64) -> [f64; 3] {
    let (sin_lat, cos_lat) = lat.sin_cos();
    let (sin_lon, cos_lon) = lon.sin_cos();
    let n = e.a / (1.0 - e.es * sin_lat * sin_lat).sqrt();
    [
        (n + h) * cos_lat * cos_lon,
        (n + h) * cos_lat * sin_lon,
        (n * (1.0 - e.es) + h) * sin_lat,
    ]
}

/// Geocentric cartesian → geodetic longitude and latitude (radians); the
/// height is dropped (all CRSs here are 2D). Iterates to 1e-15 rad.
pub(crate) fn geocentric_to_geodetic(e: Ellipsoid, p: [f64; 3]) -> (f64, f64) {
    let [x, y, z] = p;
    let lon = y.atan2(x);
    let r = x.hypot(y);
    // Exact for points on the ellipsoid; converges by a factor ~e² per step.
    let mut lat = z.atan2(r * (1.0 - e.es));
    for _ in 0..16 {
        let s = lat.sin();
        let n = e.a / (1.0 - e.es * s * s).sqrt();
        let next = (z + e.es * n * s).atan2(r);
        let done = (next - lat).abs() < 1e-15;
        lat = next;
        if done {
            break;
        }
    }
    (lon, lat)
}

/// A 7-parameter Helmert transformation with its exact inverse.
#[derive(Debug, Clone)]
pub(crate) struct Helmert {
    t: [f64; 3],
    /// Forward matrix `(1 + s) · R` (small-angle rotation, as PROJ).
    m: [[f64; 3]; 3],
    /// Exact inverse of `m`.
    inv: [[f64; 3]; 3],
}

impl Helmert {
    /// From proj4 `+towgs84` parameters (position vector convention).
    pub(crate) fn position_vector(p: [f64; 7]) -> Helmert {
        let sec = std::f64::consts::PI / (180.0 * 3600.0);
        let (rx, ry, rz) = (p[3] * sec, p[4] * sec, p[5] * sec);
        let k = 1.0 + p[6] * 1e-6;
        let m = [
            [k, -rz * k, ry * k],
            [rz * k, k, -rx * k],
            [-ry * k, rx * k, k],
        ];
        Helmert {
            t: [p[0], p[1], p[2]],
            m,
            inv: invert(m),
        }
    }

    pub(crate) fn apply(&self, p: [f64; 3]) -> [f64; 3] {
        let r = mul(&self.m, p);
        [r[0] + self.t[0], r[1] + self.t[1], r[2] + self.t[2]]
    }

    pub(crate) fn apply_inverse(&self, p: [f64; 3]) -> [f64; 3] {
        mul(
            &self.inv,
            [p[0] - self.t[0], p[1] - self.t[1], p[2] - self.t[2]],
        )
    }

    /// BD72 geographic (radians, International 1924) → WGS 84 geographic.
    pub(crate) fn bd72_to_wgs84(&self, lon: f64, lat: f64) -> (f64, f64) {
        let g = geodetic_to_geocentric(INTL_1924, lon, lat, 0.0);
        geocentric_to_geodetic(WGS84, self.apply(g))
    }

    /// WGS 84 geographic (radians) → BD72 geographic.
    pub(crate) fn wgs84_to_bd72(&self, lon: f64, lat: f64) -> (f64, f64) {
        let g = geodetic_to_geocentric(WGS84, lon, lat, 0.0);
        geocentric_to_geodetic(INTL_1924, self.apply_inverse(g))
    }
}

fn mul(m: &[[f64; 3]; 3], p: [f64; 3]) -> [f64; 3] {
    [
        m[0][0] * p[0] + m[0][1] * p[1] + m[0][2] * p[2],
        m[1][0] * p[0] + m[1][1] * p[1] + m[1][2] * p[2],
        m[2][0] * p[0] + m[2][1] * p[1] + m[2][2] * p[2],
    ]
}

/// Inverse of a 3×3 matrix by the adjugate (the matrices here are close to
/// the identity, so the determinant is never near zero).
fn invert(m: [[f64; 3]; 3]) -> [[f64; 3]; 3] {
    let c =
        |r0: usize, c0: usize, r1: usize, c1: usize| m[r0][c0] * m[r1][c1] - m[r0][c1] * m[r1][c0];
    let adj = [
        [c(1, 1, 2, 2), -c(0, 1, 2, 2), c(0, 1, 1, 2)],
        [-c(1, 0, 2, 2), c(0, 0, 2, 2), -c(0, 0, 1, 2)],
        [c(1, 0, 2, 1), -c(0, 0, 2, 1), c(0, 0, 1, 1)],
    ];
    let det = m[0][0] * adj[0][0] + m[0][1] * adj[1][0] + m[0][2] * adj[2][0];
    let mut inv = [[0.0; 3]; 3];
    for (row, adj_row) in inv.iter_mut().zip(adj.iter()) {
        for (v, a) in row.iter_mut().zip(adj_row.iter()) {
            *v = a / det;
        }
    }
    inv
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn geocentric_round_trip() {
        for (lon, lat) in [
            (4.35f64, 50.85f64),
            (-120.0, -33.0),
            (0.0, 89.9999),
            (179.0, 0.0),
        ] {
            let g = geodetic_to_geocentric(INTL_1924, lon.to_radians(), lat.to_radians(), 0.0);
            let (lon2, lat2) = geocentric_to_geodetic(INTL_1924, g);
            assert!((lon2.to_degrees() - lon).abs() < 1e-12);
            assert!((lat2.to_degrees() - lat).abs() < 1e-12);
        }
    }

    #[test]
    fn helmert_inverse_is_exact() {
        let h = Helmert::position_vector(BD72_TO_WGS84);
        let p = [4_000_000.0, 300_000.0, 4_900_000.0];
        let q = h.apply_inverse(h.apply(p));
        for i in 0..3 {
            assert!((p[i] - q[i]).abs() < 1e-8);
        }
    }
}
