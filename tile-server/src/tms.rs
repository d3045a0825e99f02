//! Tile matrix sets: WebMercatorQuad (the XYZ grid of web maps) and a Belgian Lambert 72 grid
//! (EPSG:31370), with their OGC TileMatrixSet 2.0 JSON definitions.

use serde_json::{json, Value};
use urbis_core::Crs;

use crate::WEB_MERCATOR_HALF;

/// Highest zoom level with data in WebMercatorQuad (clients over-zoom beyond it).
pub const MAX_ZOOM: u8 = 16;

/// Standardised rendering pixel size (OGC: 0.28 mm).
const PIXEL_M: f64 = 0.000_28;

/// Lambert 72 grid: top-left origin and the tile side at level 0, in metres. A 409.6 km square
/// from (0, 409 600) covers Belgium (EPSG:31370 area of use x 17–297 km, y 20–246 km); each
/// level halves the tile side, so level L tiles are 409 600 / 2^L m wide.
pub const L72_ORIGIN: (f64, f64) = (0.0, 409_600.0);
pub const L72_TILE0: f64 = 409_600.0;
/// Levels of the Lambert 72 grid: level 10 tiles are 400 m wide, about a z16 Web Mercator tile
/// in Brussels (≈ 386 m).
pub const L72_MAX_LEVEL: u8 = 10;
/// Web Mercator zoom with about the same ground size as Lambert 72 level 0 (used for the zoom
/// rules): a z6 tile is 626 km of Mercator, ≈ 395 km on the ground at 50.85° N.
pub const L72_ZOOM_OFFSET: u8 = 6;

/// A tile matrix set served by urbis.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Tms {
    WebMercatorQuad,
    BelgianLambert72,
}

impl Tms {
    pub const ALL: [Tms; 2] = [Tms::WebMercatorQuad, Tms::BelgianLambert72];

    pub fn id(self) -> &'static str {
        match self {
            Tms::WebMercatorQuad => "WebMercatorQuad",
            Tms::BelgianLambert72 => "BelgianLambert72",
        }
    }

    pub fn parse(s: &str) -> Option<Tms> {
        Tms::ALL.into_iter().find(|t| t.id() == s)
    }

    pub fn crs(self) -> Crs {
        match self {
            Tms::WebMercatorQuad => Crs::WebMercator,
            Tms::BelgianLambert72 => Crs::Lambert72,
        }
    }

    /// Highest tile matrix with data.
    pub fn max_level(self) -> u8 {
        match self {
            Tms::WebMercatorQuad => MAX_ZOOM,
            Tms::BelgianLambert72 => L72_MAX_LEVEL,
        }
    }

    /// Highest tile matrix the definition publishes.
    pub fn defined_levels(self) -> u8 {
        match self {
            Tms::WebMercatorQuad => 24,
            Tms::BelgianLambert72 => L72_MAX_LEVEL,
        }
    }

    /// The Web Mercator zoom whose rules (min zooms, generalisation) apply at `level`.
    pub fn equivalent_zoom(self, level: u8) -> u8 {
        match self {
            Tms::WebMercatorQuad => level,
            Tms::BelgianLambert72 => level.saturating_add(L72_ZOOM_OFFSET),
        }
    }

    /// Side of a tile at `level` in CRS units.
    pub fn tile_size(self, level: u8) -> f64 {
        let l0 = match self {
            Tms::WebMercatorQuad => 2.0 * WEB_MERCATOR_HALF,
            Tms::BelgianLambert72 => L72_TILE0,
        };
        l0 / (1u64 << level) as f64
    }

    fn origin(self) -> (f64, f64) {
        match self {
            Tms::WebMercatorQuad => (-WEB_MERCATOR_HALF, WEB_MERCATOR_HALF),
            Tms::BelgianLambert72 => L72_ORIGIN,
        }
    }

    /// Bounds (min x, min y, max x, max y) of tile (`col`, `row`) at `level`; rows count down
    /// from the top-left origin.
    pub fn tile_bounds(self, level: u8, col: u32, row: u32) -> (f64, f64, f64, f64) {
        let s = self.tile_size(level);
        let (ox, oy) = self.origin();
        let minx = ox + col as f64 * s;
        let maxy = oy - row as f64 * s;
        (minx, maxy - s, minx + s, maxy)
    }

    /// Is (`col`, `row`) inside the matrix at `level`?
    pub fn contains(self, level: u8, col: u32, row: u32) -> bool {
        let n = 1u64 << level.min(40);
        (col as u64) < n && (row as u64) < n
    }

    /// The tiles at `level` covering a CRS bbox: (min col, min row, max col, max row), clamped
    /// to the matrix.
    pub fn tile_range(self, level: u8, b: (f64, f64, f64, f64)) -> (u32, u32, u32, u32) {
        let s = self.tile_size(level);
        let (ox, oy) = self.origin();
        let n = ((1u64 << level) - 1) as f64;
        let c = |v: f64| v.floor().clamp(0.0, n) as u32;
        (
            c((b.0 - ox) / s),
            c((oy - b.3) / s),
            c((b.2 - ox) / s),
            c((oy - b.1) / s),
        )
    }

    /// The OGC TileMatrixSet 2.0 JSON definition.
    pub fn definition(self) -> Value {
        let (ox, oy) = self.origin();
        let matrices: Vec<Value> = (0..=self.defined_levels())
            .map(|l| {
                let cell = self.tile_size(l) / 256.0;
                json!({
                    "id": l.to_string(),
                    "scaleDenominator": cell / PIXEL_M,
                    "cellSize": cell,
                    "cornerOfOrigin": "topLeft",
                    "pointOfOrigin": [ox, oy],
                    "tileWidth": 256,
                    "tileHeight": 256,
                    "matrixWidth": 1u64 << l,
                    "matrixHeight": 1u64 << l,
                })
            })
            .collect();
        match self {
            Tms::WebMercatorQuad => json!({
                "id": "WebMercatorQuad",
                "title": "Google Maps Compatible for the World",
                "uri": "http://www.opengis.net/def/tilematrixset/OGC/1.0/WebMercatorQuad",
                "crs": "http://www.opengis.net/def/crs/EPSG/0/3857",
                "orderedAxes": ["E", "N"],
                "wellKnownScaleSet": "http://www.opengis.net/def/wkss/OGC/1.0/GoogleMapsCompatible",
                "boundingBox": {
                    "lowerLeft": [-WEB_MERCATOR_HALF, -WEB_MERCATOR_HALF],
                    "upperRight": [WEB_MERCATOR_HALF, WEB_MERCATOR_HALF],
                    "crs": "http://www.opengis.net/def/crs/EPSG/0/3857",
                },
                "tileMatrices": matrices,
            }),
            Tms::BelgianLambert72 => json!({
                "id": "BelgianLambert72",
                "title": "Belgian Lambert 72 quadtree (EPSG:31370)",
                "description": "Quadtree over Belgium in Belgian Lambert 72: a 409.6 km square from the top-left corner (0, 409600); level L tiles are 409600/2^L m wide (256 notional pixels). Level 10 ≈ Web Mercator zoom 16 in Brussels.",
                "crs": "http://www.opengis.net/def/crs/EPSG/0/31370",
                "orderedAxes": ["E", "N"],
                "boundingBox": {
                    "lowerLeft": [ox, oy - L72_TILE0],
                    "upperRight": [ox + L72_TILE0, oy],
                    "crs": "http://www.opengis.net/def/crs/EPSG/0/31370",
                },
                "tileMatrices": matrices,
            }),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn web_mercator_tiles() {
        let t = Tms::WebMercatorQuad;
        let (minx, miny, maxx, maxy) = t.tile_bounds(0, 0, 0);
        assert!((minx + WEB_MERCATOR_HALF).abs() < 1e-6 && (maxy - WEB_MERCATOR_HALF).abs() < 1e-6);
        assert!((maxx - WEB_MERCATOR_HALF).abs() < 1e-6 && (miny + WEB_MERCATOR_HALF).abs() < 1e-6);
        // Brussels centre (4.3517 E, 50.8466 N) is z16 tile 33560/21984 (as on OSM).
        let (x, y) = (484_429.0, 6_594_203.8);
        let (c0, r0, c1, r1) = t.tile_range(16, (x, y, x, y));
        assert_eq!((c0, r0), (c1, r1));
        assert_eq!((c0, r0), (33560, 21984));
        assert!(t.contains(16, 65535, 0) && !t.contains(16, 65536, 0));
    }

    #[test]
    fn lambert_grid_covers_belgium_and_scales() {
        let t = Tms::BelgianLambert72;
        assert_eq!(t.tile_bounds(0, 0, 0), (0.0, 0.0, 409_600.0, 409_600.0));
        assert_eq!(t.tile_size(10), 400.0);
        // Brussels (150000, 170000) at level 10.
        let (c, r, _, _) = t.tile_range(10, (150_100.0, 170_100.0, 150_100.0, 170_100.0));
        assert_eq!((c, r), (375, 598));
        let (minx, miny, maxx, maxy) = t.tile_bounds(10, c, r);
        assert!(minx <= 150_100.0 && maxx > 150_100.0 && miny <= 170_100.0 && maxy > 170_100.0);
        assert_eq!(t.equivalent_zoom(10), 16);
        let def = t.definition();
        assert_eq!(def["tileMatrices"].as_array().map(|a| a.len()), Some(11));
        assert_eq!(def["tileMatrices"][10]["cellSize"], 400.0 / 256.0);
        assert_eq!(def["crs"], "http://www.opengis.net/def/crs/EPSG/0/31370");
    }

    #[test]
    fn web_mercator_definition_matches_the_standard() {
        let def = Tms::WebMercatorQuad.definition();
        let z0 = &def["tileMatrices"][0];
        let cell = z0["cellSize"].as_f64().unwrap_or_default();
        assert!((cell - 156_543.033_928_041).abs() < 1e-6);
        let scale = z0["scaleDenominator"].as_f64().unwrap_or_default();
        assert!((scale - 559_082_264.028_717_8).abs() < 1e-3);
        assert_eq!(def["tileMatrices"].as_array().map(|a| a.len()), Some(25));
    }
}
