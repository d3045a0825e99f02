//! Coordinate reference systems: EPSG:31370, 3812, 4326 and 3857, both ways.
//!
//! # Conventions
//! Everywhere in this API `x` is the easting **or the longitude in degrees**
//! and `y` the northing **or the latitude in degrees**, whatever the CRS's
//! official axis order; callers handle axis order at the protocol boundary.
//!
//! # Datums and accuracy
//! * Lambert 2008 (EPSG:3812, ETRS89), WGS 84 (EPSG:4326) and Web Mercator
//!   (EPSG:3857) are treated as one datum (ETRS89 = WGS 84, no shift): the
//!   conversions between them are pure projection math, exact to better than
//!   a millimetre (the projections come from the `proj4rs` crate and agree
//!   with PROJ to ~1e-8°).
//! * Lambert 72 (EPSG:31370) is on BD72. Converting to or from the other
//!   three needs a datum shift, chosen by the [`CrsEngine`]:
//!   * [`CrsEngine::helmert`]: the 7-parameter Helmert transformation
//!     EPSG:15929 "BD72 to WGS 84 (3)", about **1 m** accurate, works
//!     everywhere;
//!   * [`CrsEngine::with_grid`]: the official NGI/IGN BD72→ETRS89 NTv2 grid
//!     (EPSG:8369 "BD72 to ETRS89 (3)", `bd72lb72_etrs89lb08`), about **1 cm**
//!     accurate, identical to PROJ with `hgridshift`, but only inside the grid
//!     (Belgium, 49.45°–51.57°N, 2.46°–6.54°E). A point outside the grid is a
//!     [`CrsError::Transform`] error (no silent fallback), except in
//!     [`Transformer::transform_rect`] whose envelopes are approximate anyway.

mod helmert;
mod ntv2;
mod wkt;

use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::{Arc, OnceLock};

use geo::{Coord, Geometry, GeometryCollection, MapCoords, Rect};
use proj4rs::Proj;
use serde::Serialize;

use crate::error::CrsError;
use helmert::Helmert;
use ntv2::Ntv2Grid;

/// OGC URI of the CRS84 (WGS 84, longitude first) CRS.
pub const CRS84_URI: &str = "http://www.opengis.net/def/crs/OGC/1.3/CRS84";

/// One of the four supported coordinate reference systems.
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
    /// All supported CRSs.
    pub const ALL: [Crs; 4] = [
        Crs::Lambert72,
        Crs::Lambert2008,
        Crs::Wgs84,
        Crs::WebMercator,
    ];

    /// The EPSG code.
    pub fn epsg(self) -> u32 {
        match self {
            Crs::Lambert72 => 31370,
            Crs::Lambert2008 => 3812,
            Crs::Wgs84 => 4326,
            Crs::WebMercator => 3857,
        }
    }

    /// The CRS of an EPSG code, if supported.
    pub fn from_epsg(code: u32) -> Option<Crs> {
        Crs::ALL.into_iter().find(|c| c.epsg() == code)
    }

    /// Parse a CRS identifier: a bare EPSG code (`31370`), `EPSG:31370`,
    /// an OGC URN (`urn:ogc:def:crs:EPSG::31370`, `urn:ogc:def:crs:EPSG:6.6:31370`),
    /// an OGC URI (`http(s)://www.opengis.net/def/crs/EPSG/0/31370`), or CRS84
    /// (`CRS84`, `OGC:CRS84`, `urn:ogc:def:crs:OGC:1.3:CRS84`,
    /// `http://www.opengis.net/def/crs/OGC/1.3/CRS84`), which gives
    /// [`Crs::Wgs84`]. Case-insensitive. Anything else is
    /// [`CrsError::Unsupported`].
    pub fn parse(s: &str) -> Result<Crs, CrsError> {
        parse_identifier(s.trim()).ok_or_else(|| CrsError::Unsupported(s.to_string()))
    }

    /// The OGC URI, e.g. `http://www.opengis.net/def/crs/EPSG/0/31370`
    /// (EPSG:4326 for [`Crs::Wgs84`]; see [`CRS84_URI`] for CRS84).
    pub fn uri(self) -> &'static str {
        match self {
            Crs::Lambert72 => "http://www.opengis.net/def/crs/EPSG/0/31370",
            Crs::Lambert2008 => "http://www.opengis.net/def/crs/EPSG/0/3812",
            Crs::Wgs84 => "http://www.opengis.net/def/crs/EPSG/0/4326",
            Crs::WebMercator => "http://www.opengis.net/def/crs/EPSG/0/3857",
        }
    }

    /// OGC WKT1 as GDAL writes it in GeoPackage `gpkg_spatial_ref_sys` and
    /// `.prj` files; EPSG:31370 carries the EPSG:15929 `TOWGS84`.
    pub fn wkt(self) -> &'static str {
        match self {
            Crs::Lambert72 => wkt::WKT_31370,
            Crs::Lambert2008 => wkt::WKT_3812,
            Crs::Wgs84 => wkt::WKT_4326,
            Crs::WebMercator => wkt::WKT_3857,
        }
    }

    /// Recognise a supported CRS in WKT (OGC WKT1, ESRI `.prj` WKT1 or WKT2).
    ///
    /// A top-level `AUTHORITY["EPSG",…]` / `ID["EPSG",…]` decides when
    /// present; otherwise the CRS name (e.g. `Belge_Lambert_1972`,
    /// `BD72 / Belgian Lambert 72`, `ETRS89_Belgian_Lambert_2008`,
    /// `WGS_1984_Web_Mercator_Auxiliary_Sphere`, `WGS 84 / Pseudo-Mercator`),
    /// the Lambert false easting/northing, or a WGS 84 geographic CRS.
    pub fn from_wkt(wkt: &str) -> Option<Crs> {
        wkt::recognise(wkt)
    }

    /// True for the geographic CRS (coordinates in degrees).
    pub fn is_geographic(self) -> bool {
        matches!(self, Crs::Wgs84)
    }

    fn datum(self) -> Datum {
        match self {
            Crs::Lambert72 => Datum::Bd72,
            _ => Datum::Etrs89,
        }
    }
}

impl fmt::Display for Crs {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "EPSG:{}", self.epsg())
    }
}

fn is_crs84(s: &str) -> bool {
    s.eq_ignore_ascii_case("CRS84") || s.eq_ignore_ascii_case("CRS:84")
}

fn parse_identifier(s: &str) -> Option<Crs> {
    let code = |c: &str| c.trim().parse::<u32>().ok().and_then(Crs::from_epsg);
    if is_crs84(s) {
        return Some(Crs::Wgs84);
    }
    if s.bytes().all(|b| b.is_ascii_digit()) {
        return code(s);
    }
    let lower = s.to_ascii_lowercase();
    if let Some(rest) = lower.strip_prefix("epsg:") {
        return code(rest.trim_start_matches(':'));
    }
    if let Some(rest) = lower.strip_prefix("ogc:") {
        return is_crs84(rest).then_some(Crs::Wgs84);
    }
    if let Some(rest) = lower.strip_prefix("urn:ogc:def:crs:") {
        // AUTHORITY:[VERSION]:CODE
        let parts: Vec<&str> = rest.split(':').collect();
        return match parts.as_slice() {
            ["epsg", c] | ["epsg", _, c] => code(c),
            ["ogc", c] | ["ogc", _, c] if is_crs84(c) => Some(Crs::Wgs84),
            _ => None,
        };
    }
    let rest = lower
        .strip_prefix("http://")
        .or_else(|| lower.strip_prefix("https://"))?;
    let rest = rest.strip_prefix("www.").unwrap_or(rest);
    let rest = rest.strip_prefix("opengis.net/def/crs/")?;
    let parts: Vec<&str> = rest.trim_end_matches('/').split('/').collect();
    match parts.as_slice() {
        ["epsg", _, c] => code(c),
        ["ogc", _, c] if is_crs84(c) => Some(Crs::Wgs84),
        _ => None,
    }
}

// ---------------------------------------------------------------------------
// Projections
// ---------------------------------------------------------------------------

/// EPSG:31370 projection on its own ellipsoid (no datum in the string: the
/// datum shift is done by this module).
const PROJ_31370: &str = "+proj=lcc +lat_0=90 +lon_0=4.36748666666667 +lat_1=51.1666672333333 \
     +lat_2=49.8333339 +x_0=150000.013 +y_0=5400088.438 +ellps=intl +units=m";
const GEO_INTL: &str = "+proj=longlat +ellps=intl";
const PROJ_3812: &str = "+proj=lcc +lat_0=50.797815 +lon_0=4.35921583333333 \
     +lat_1=49.8333333333333 +lat_2=51.1666666666667 +x_0=649328 +y_0=665262 +ellps=GRS80 +units=m";
const GEO_GRS80: &str = "+proj=longlat +ellps=GRS80";
/// Pseudo-Mercator: spherical Mercator applied to WGS 84 latitudes.
const PROJ_3857: &str =
    "+proj=merc +a=6378137 +b=6378137 +lat_ts=0 +lon_0=0 +x_0=0 +y_0=0 +k=1 +units=m";
const GEO_SPHERE: &str = "+proj=longlat +a=6378137 +b=6378137";

/// Latitude limit of Web Mercator (the square world), degrees.
const WEB_MERCATOR_MAX_LAT: f64 = 85.051_128_779_806_59;

/// A map projection and the geographic CRS on the same ellipsoid.
struct Projection {
    proj: Proj,
    geo: Proj,
}

impl Projection {
    fn new(proj: &str, geo: &str) -> Result<Projection, String> {
        Ok(Projection {
            proj: Proj::from_proj_string(proj).map_err(|e| format!("{proj}: {e}"))?,
            geo: Proj::from_proj_string(geo).map_err(|e| format!("{geo}: {e}"))?,
        })
    }
    /// Projected metres → (longitude, latitude) radians.
    fn inverse(&self, x: f64, y: f64) -> Result<(f64, f64), String> {
        let mut p = (x, y, 0.0);
        proj4rs::transform::transform(&self.proj, &self.geo, &mut p).map_err(|e| e.to_string())?;
        Ok((p.0, p.1))
    }
    /// (longitude, latitude) radians → projected metres.
    fn forward(&self, lon: f64, lat: f64) -> Result<(f64, f64), String> {
        let mut p = (lon, lat, 0.0);
        proj4rs::transform::transform(&self.geo, &self.proj, &mut p).map_err(|e| e.to_string())?;
        Ok((p.0, p.1))
    }
}

struct Projections {
    lambert72: Projection,
    lambert2008: Projection,
    web_mercator: Projection,
}

/// Parsed once per process and shared by every transformer.
fn projections() -> Result<&'static Projections, CrsError> {
    static CELL: OnceLock<Result<Projections, String>> = OnceLock::new();
    CELL.get_or_init(|| {
        Ok(Projections {
            lambert72: Projection::new(PROJ_31370, GEO_INTL)?,
            lambert2008: Projection::new(PROJ_3812, GEO_GRS80)?,
            web_mercator: Projection::new(PROJ_3857, GEO_SPHERE)?,
        })
    })
    .as_ref()
    .map_err(|e| CrsError::Unsupported(format!("projection setup failed: {e}")))
}

fn projection_of(crs: Crs) -> Result<Option<&'static Projection>, CrsError> {
    let p = projections()?;
    Ok(match crs {
        Crs::Lambert72 => Some(&p.lambert72),
        Crs::Lambert2008 => Some(&p.lambert2008),
        Crs::WebMercator => Some(&p.web_mercator),
        Crs::Wgs84 => None,
    })
}

/// BD72 geographic (longitude, latitude in degrees on International 1924) →
/// Lambert 72 metres: the map projection alone, without datum shift (exact;
/// EPSG Guidance Note 7-2 example reproduced to 5 cm, PROJ to 0.1 mm).
pub fn lambert72_from_bd72(lon: f64, lat: f64) -> Result<(f64, f64), CrsError> {
    projections()?
        .lambert72
        .forward(lon.to_radians(), lat.to_radians())
        .map_err(|e| CrsError::Transform(lon, lat, e))
}

/// Lambert 72 metres → BD72 geographic (longitude, latitude) degrees: the
/// inverse map projection alone, without datum shift.
pub fn bd72_from_lambert72(x: f64, y: f64) -> Result<(f64, f64), CrsError> {
    let (lon, lat) = projections()?
        .lambert72
        .inverse(x, y)
        .map_err(|e| CrsError::Transform(x, y, e))?;
    Ok((lon.to_degrees(), lat.to_degrees()))
}

// ---------------------------------------------------------------------------
// Engine
// ---------------------------------------------------------------------------

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Datum {
    Bd72,
    /// ETRS89, treated as identical to WGS 84.
    Etrs89,
}

#[derive(Clone)]
struct GridHandle {
    grid: Arc<Ntv2Grid>,
    path: PathBuf,
}

/// Chooses how BD72 (Lambert 72) is related to ETRS89/WGS 84, and builds
/// [`Transformer`]s. Cheap to clone; `Send + Sync`.
///
/// The default is [`CrsEngine::helmert`].
#[derive(Clone, Default)]
pub struct CrsEngine {
    grid: Option<GridHandle>,
}

impl fmt::Debug for CrsEngine {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.grid {
            Some(g) => write!(f, "CrsEngine(NTv2 grid {})", g.path.display()),
            None => write!(f, "CrsEngine(Helmert EPSG:15929)"),
        }
    }
}

impl CrsEngine {
    /// BD72 ↔ WGS 84 with the 7-parameter Helmert transformation EPSG:15929
    /// (`+towgs84=-106.8686,52.2978,-103.7239,0.3366,-0.457,1.8422,-1.2747`,
    /// as PROJ/GDAL apply it): about 1 m accurate in Belgium, defined
    /// everywhere.
    pub fn helmert() -> Self {
        CrsEngine { grid: None }
    }

    /// BD72 ↔ ETRS89 with the official NGI grid in NTv2 format
    /// (`bd72lb72_etrs89lb08.gsb`, or a `.gsb` converted from PROJ's
    /// `be_ign_bd72lb72_etrs89lb08.tif`): about 1 cm accurate, identical to
    /// PROJ's `hgridshift` with that grid. Points outside the grid (Belgium
    /// and a thin margin) fail with [`CrsError::Transform`].
    ///
    /// The file is read and validated now: missing, truncated or corrupt
    /// files, GeoTIFF grids (not supported; convert with
    /// `gdal_translate -of NTv2`), and grids that do not give a BD72→ETRS89
    /// shift in Brussels are [`CrsError::Grid`].
    pub fn with_grid(path: &Path) -> Result<Self, CrsError> {
        let grid = Ntv2Grid::open(path)?;
        let err = |detail: String| CrsError::Grid {
            path: path.display().to_string(),
            detail,
        };
        // Sanity check: the grid must cover Brussels and agree there with the
        // Helmert transformation to a few metres (it does to ~0.3 m).
        let (lon, lat) = (4.35, 50.85);
        let shifted = grid.forward(lon, lat).ok_or_else(|| {
            err(format!(
                "grid ({}) does not cover Brussels; expected the BD72 -> ETRS89 grid",
                grid.systems()
            ))
        })?;
        let h = Helmert::position_vector(helmert::BD72_TO_WGS84);
        let (hl, hp) = h.bd72_to_wgs84(lon.to_radians(), lat.to_radians());
        let d_lat_m = (shifted.1 - hp.to_degrees()) * 111_000.0;
        let d_lon_m = (shifted.0 - hl.to_degrees()) * 70_000.0;
        if d_lat_m.hypot(d_lon_m) > 5.0 {
            return Err(err(format!(
                "grid ({}) is not a BD72 -> ETRS89 grid: its shift in Brussels differs by {:.0} m from EPSG:15929",
                grid.systems(),
                d_lat_m.hypot(d_lon_m)
            )));
        }
        Ok(CrsEngine {
            grid: Some(GridHandle {
                grid: Arc::new(grid),
                path: path.to_path_buf(),
            }),
        })
    }

    /// True when BD72 is shifted with an NTv2 grid rather than Helmert.
    pub fn uses_grid(&self) -> bool {
        self.grid.is_some()
    }

    /// The grid file in use, if any.
    pub fn grid_path(&self) -> Option<&Path> {
        self.grid.as_ref().map(|g| g.path.as_path())
    }

    /// A transformer from `from` to `to` (identity when equal).
    pub fn transformer(&self, from: Crs, to: Crs) -> Result<Transformer, CrsError> {
        let shift = match (from.datum(), to.datum()) {
            (Datum::Bd72, Datum::Bd72) | (Datum::Etrs89, Datum::Etrs89) => Shift::None,
            (Datum::Bd72, Datum::Etrs89) => self.shift(true),
            (Datum::Etrs89, Datum::Bd72) => self.shift(false),
        };
        Ok(Transformer {
            inner: Arc::new(Pipeline {
                from,
                to,
                src: projection_of(from)?,
                dst: projection_of(to)?,
                shift,
                helmert: Helmert::position_vector(helmert::BD72_TO_WGS84),
            }),
        })
    }

    fn shift(&self, to_etrs: bool) -> Shift {
        match &self.grid {
            Some(g) => Shift::Grid {
                grid: g.grid.clone(),
                to_etrs,
            },
            None => Shift::Helmert { to_etrs },
        }
    }
}

// ---------------------------------------------------------------------------
// Transformer
// ---------------------------------------------------------------------------

enum Shift {
    None,
    Helmert { to_etrs: bool },
    Grid { grid: Arc<Ntv2Grid>, to_etrs: bool },
}

struct Pipeline {
    from: Crs,
    to: Crs,
    /// `None` for WGS 84 (degrees ↔ radians only).
    src: Option<&'static Projection>,
    dst: Option<&'static Projection>,
    shift: Shift,
    helmert: Helmert,
}

/// Transforms coordinates from one [`Crs`] to another. Cheap to clone
/// (shared state), `Send + Sync`.
///
/// Accuracy: see the [module documentation](self); the numerical error of
/// the computation itself is below 0.1 mm (round trips agree to < 1 mm).
#[derive(Clone)]
pub struct Transformer {
    inner: Arc<Pipeline>,
}

impl fmt::Debug for Transformer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let method = match &self.inner.shift {
            Shift::None => "no datum shift",
            Shift::Helmert { .. } => "Helmert EPSG:15929",
            Shift::Grid { .. } => "NTv2 grid",
        };
        write!(
            f,
            "Transformer({} -> {}, {method})",
            self.inner.from, self.inner.to
        )
    }
}

impl Transformer {
    /// The source CRS.
    pub fn source(&self) -> Crs {
        self.inner.from
    }

    /// The target CRS.
    pub fn target(&self) -> Crs {
        self.inner.to
    }

    /// True when source and target are the same CRS.
    pub fn is_identity(&self) -> bool {
        self.inner.from == self.inner.to
    }

    /// Transform one position: `x` = easting or longitude (degrees), `y` =
    /// northing or latitude (degrees). Non-finite input, latitudes beyond
    /// ±90°, positions a projection cannot represent (e.g. the poles in Web
    /// Mercator) and, with a grid, positions outside the grid are
    /// [`CrsError::Transform`].
    pub fn transform(&self, x: f64, y: f64) -> Result<(f64, f64), CrsError> {
        self.run(x, y, false)
    }

    /// Transform every coordinate of a geometry (all geometry types; a
    /// `Rect` becomes the envelope of its transformed, densified outline).
    /// The first coordinate that fails makes the whole geometry fail.
    pub fn transform_geometry(&self, g: &Geometry<f64>) -> Result<Geometry<f64>, CrsError> {
        if self.is_identity() {
            return Ok(g.clone());
        }
        match g {
            Geometry::Rect(r) => Ok(Geometry::Rect(self.envelope(*r, false)?)),
            Geometry::GeometryCollection(gc) => {
                Ok(Geometry::GeometryCollection(GeometryCollection(
                    gc.0.iter()
                        .map(|g| self.transform_geometry(g))
                        .collect::<Result<Vec<_>, _>>()?,
                )))
            }
            other => other.try_map_coords(|c: Coord<f64>| {
                self.run(c.x, c.y, false).map(|(x, y)| Coord { x, y })
            }),
        }
    }

    /// The envelope of a rectangle after transformation: each edge is
    /// densified into 20 segments and the bounding box of the 80 transformed
    /// points returned.
    ///
    /// Being an approximation by nature, this is lenient: from WGS 84,
    /// latitudes are clamped to what the target can represent (±85.05° for
    /// Web Mercator), and with a grid engine, sample points outside the grid
    /// fall back to the Helmert transformation (so a box reaching beyond
    /// Belgium still works, with ~1 m accuracy at those points).
    pub fn transform_rect(&self, r: Rect<f64>) -> Result<Rect<f64>, CrsError> {
        if self.is_identity() {
            return Ok(r);
        }
        let r = if self.inner.from == Crs::Wgs84 {
            let limit = match self.inner.to {
                Crs::WebMercator => WEB_MERCATOR_MAX_LAT,
                _ => 89.999_999,
            };
            let (min, max) = (r.min(), r.max());
            Rect::new(
                (min.x, min.y.clamp(-limit, limit)),
                (max.x, max.y.clamp(-limit, limit)),
            )
        } else {
            r
        };
        self.envelope(r, true)
    }

    fn envelope(&self, r: Rect<f64>, lenient: bool) -> Result<Rect<f64>, CrsError> {
        const SEGMENTS: usize = 20;
        let (min, max) = (r.min(), r.max());
        let (w, h) = (max.x - min.x, max.y - min.y);
        let mut lo = Coord {
            x: f64::INFINITY,
            y: f64::INFINITY,
        };
        let mut hi = Coord {
            x: f64::NEG_INFINITY,
            y: f64::NEG_INFINITY,
        };
        for i in 0..SEGMENTS {
            let t = i as f64 / SEGMENTS as f64;
            for (x, y) in [
                (min.x + t * w, min.y),
                (max.x, min.y + t * h),
                (max.x - t * w, max.y),
                (min.x, max.y - t * h),
            ] {
                let (x, y) = self.run(x, y, lenient)?;
                lo.x = lo.x.min(x);
                lo.y = lo.y.min(y);
                hi.x = hi.x.max(x);
                hi.y = hi.y.max(y);
            }
        }
        Ok(Rect::new(lo, hi))
    }

    fn run(&self, x: f64, y: f64, lenient: bool) -> Result<(f64, f64), CrsError> {
        let p = &*self.inner;
        let fail = |detail: String| CrsError::Transform(x, y, detail);
        if !x.is_finite() || !y.is_finite() {
            return Err(fail("non-finite coordinate".to_string()));
        }
        if p.from == p.to {
            return Ok((x, y));
        }
        // 1. Source CRS → geographic radians on the source datum.
        let (lon, lat) = match p.src {
            Some(proj) => proj.inverse(x, y).map_err(fail)?,
            None => {
                if y.abs() > 90.0 {
                    return Err(fail("latitude beyond ±90°".to_string()));
                }
                if x.abs() > 540.0 {
                    return Err(fail("longitude beyond ±540°".to_string()));
                }
                (x.to_radians(), y.to_radians())
            }
        };
        // 2. Datum shift.
        let (lon, lat) = match &p.shift {
            Shift::None => (lon, lat),
            Shift::Helmert { to_etrs: true } => p.helmert.bd72_to_wgs84(lon, lat),
            Shift::Helmert { to_etrs: false } => p.helmert.wgs84_to_bd72(lon, lat),
            Shift::Grid { grid, to_etrs } => {
                let (dlon, dlat) = (lon.to_degrees(), lat.to_degrees());
                let shifted = if *to_etrs {
                    grid.forward(dlon, dlat)
                } else {
                    grid.inverse(dlon, dlat)
                };
                match shifted {
                    Some((lo, la)) => (lo.to_radians(), la.to_radians()),
                    None if lenient => {
                        if *to_etrs {
                            p.helmert.bd72_to_wgs84(lon, lat)
                        } else {
                            p.helmert.wgs84_to_bd72(lon, lat)
                        }
                    }
                    None => {
                        return Err(fail(format!(
                        "outside the BD72/ETRS89 grid (Belgium); position {dlat:.5}°N {dlon:.5}°E"
                    )))
                    }
                }
            }
        };
        // 3. Geographic → target CRS.
        let (ox, oy) = match p.dst {
            Some(proj) => proj.forward(lon, lat).map_err(fail)?,
            None => (lon.to_degrees(), lat.to_degrees()),
        };
        if ox.is_finite() && oy.is_finite() {
            Ok((ox, oy))
        } else {
            Err(fail(format!("not representable in {}", p.to)))
        }
    }
}

#[cfg(test)]
mod tests;
