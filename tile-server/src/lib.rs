//! # tile-server
//!
//! Mapbox Vector Tiles from the urbis spatial core: tile math ([`tms`]), the encoder
//! ([`mvt`], [`geometry`], [`render`]) over a per-generation prepared copy of the data
//! ([`source`]), the HTTP routes with caching ([`http`], [`cache`]), PMTiles/MBTiles
//! pre-seeding ([`archive`], [`seed`]), OGC API Tiles, and the MapLibre styles ([`style`]).

pub mod archive;
pub mod cache;
pub mod geometry;
pub mod http;
pub mod mvt;
pub mod render;
pub mod seed;
pub mod source;
pub mod style;
pub mod tms;

/// A tile address in the Web Mercator quad tree (XYZ scheme, y down from the north).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct TileCoord {
    pub z: u8,
    pub x: u32,
    pub y: u32,
}

/// Half the circumference of the Web Mercator world, in metres.
pub const WEB_MERCATOR_HALF: f64 = 20_037_508.342_789_244;

/// Highest zoom level the grid addresses.
pub const MAX_ZOOM: u8 = 24;

impl TileCoord {
    /// A valid tile address, or `None` when x or y is outside the zoom level's matrix.
    pub fn new(z: u8, x: u32, y: u32) -> Option<TileCoord> {
        if z > MAX_ZOOM {
            return None;
        }
        let n = 1u64 << z;
        ((x as u64) < n && (y as u64) < n).then_some(TileCoord { z, x, y })
    }

    /// Bounds of the tile in EPSG:3857 metres: (min x, min y, max x, max y).
    pub fn bounds_3857(&self) -> (f64, f64, f64, f64) {
        let size = 2.0 * WEB_MERCATOR_HALF / (1u64 << self.z) as f64;
        let minx = -WEB_MERCATOR_HALF + self.x as f64 * size;
        let maxy = WEB_MERCATOR_HALF - self.y as f64 * size;
        (minx, maxy - size, minx + size, maxy)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tile_bounds() {
        let world = TileCoord::new(0, 0, 0).expect("z0");
        let (minx, miny, maxx, maxy) = world.bounds_3857();
        assert!((minx + WEB_MERCATOR_HALF).abs() < 1e-6 && (maxy - WEB_MERCATOR_HALF).abs() < 1e-6);
        assert!((maxx - WEB_MERCATOR_HALF).abs() < 1e-6 && (miny + WEB_MERCATOR_HALF).abs() < 1e-6);
        // z1 tile (1, 0) is the north-east quadrant.
        let ne = TileCoord::new(1, 1, 0).expect("z1");
        assert_eq!(ne.bounds_3857().0, 0.0);
        assert_eq!(ne.bounds_3857().1, 0.0);
        assert!(TileCoord::new(1, 2, 0).is_none());
        assert!(TileCoord::new(25, 0, 0).is_none());
    }
}
