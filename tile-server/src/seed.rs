//! Pre-seeding: render every tile of a tileset over a bbox and zoom range into a PMTiles or
//! MBTiles file, on all cores.
//!
//! Tiles are rendered in chunks of [`CHUNK`] in PMTiles (Hilbert) order, each chunk split over
//! the worker threads, then written in order by the caller's task (PMTiles wants increasing
//! tile ids to be clustered). Empty tiles are not written.

use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{bail, Context, Result};

use crate::archive::{pmtiles_tile_id, ArchiveInfo, MbTilesWriter, PmTilesFileWriter};
use crate::cache::gzip;
use crate::render::{render, vector_layers, Budget, TileId, Tileset};
use crate::source::Prepared;
use crate::tms::{Tms, MAX_ZOOM};
use crate::WEB_MERCATOR_HALF;

/// Tiles rendered per chunk.
pub const CHUNK: usize = 256;

/// What to seed.
#[derive(Debug, Clone)]
pub struct SeedOptions {
    pub tileset: &'static Tileset,
    pub min_zoom: u8,
    pub max_zoom: u8,
    /// west, south, east, north (WGS 84); `None`: the data bounds.
    pub bbox: Option<[f64; 4]>,
    /// Worker threads (at least 1).
    pub threads: usize,
    pub budget: Budget,
}

/// What a seed run did.
#[derive(Debug, Clone, Default)]
pub struct SeedReport {
    /// Tiles considered.
    pub tiles: u64,
    /// Tiles written (non-empty).
    pub written: u64,
    /// Bytes of gzip tile data written.
    pub gzip_bytes: u64,
    /// Bytes of uncompressed tile data.
    pub raw_bytes: u64,
    /// Largest uncompressed tile.
    pub max_tile_bytes: u64,
    pub elapsed: Duration,
}

/// Parse `minlon,minlat,maxlon,maxlat`.
pub fn parse_bbox(s: &str) -> Result<[f64; 4]> {
    let v: Vec<f64> = s
        .split(',')
        .map(|p| p.trim().parse::<f64>())
        .collect::<Result<_, _>>()
        .with_context(|| format!("--bbox `{s}`: expected minlon,minlat,maxlon,maxlat"))?;
    if v.len() != 4 || v.iter().any(|x| !x.is_finite()) {
        bail!("--bbox `{s}`: expected four numbers minlon,minlat,maxlon,maxlat");
    }
    if !(-180.0..=180.0).contains(&v[0]) || !(-180.0..=180.0).contains(&v[2]) {
        bail!("--bbox `{s}`: longitudes must be within -180..180");
    }
    if !(-85.06..=85.06).contains(&v[1]) || !(-85.06..=85.06).contains(&v[3]) {
        bail!("--bbox `{s}`: latitudes must be within -85.05..85.05 (Web Mercator)");
    }
    if v[0] >= v[2] || v[1] >= v[3] {
        bail!("--bbox `{s}`: min must be below max");
    }
    Ok([v[0], v[1], v[2], v[3]])
}

fn merc(lon: f64, lat: f64) -> (f64, f64) {
    let x = lon / 180.0 * WEB_MERCATOR_HALF;
    let lat = lat.clamp(-85.051_128_78, 85.051_128_78).to_radians();
    let y = (std::f64::consts::FRAC_PI_4 + lat / 2.0).tan().ln() / std::f64::consts::PI
        * WEB_MERCATOR_HALF;
    (x, y)
}

/// The tiles to seed, in PMTiles tile-id order.
pub fn tile_list(opts: &SeedOptions, bbox: [f64; 4]) -> Vec<TileId> {
    let tms = Tms::WebMercatorQuad;
    let (x0, y0) = merc(bbox[0], bbox[1]);
    let (x1, y1) = merc(bbox[2], bbox[3]);
    let mut out = Vec::new();
    for z in opts.min_zoom.max(opts.tileset.min_zoom())..=opts.max_zoom {
        let (c0, r0, c1, r1) = tms.tile_range(z, (x0, y0, x1, y1));
        for col in c0..=c1 {
            for row in r0..=r1 {
                out.push(TileId::new(tms, z, col, row));
            }
        }
    }
    out.sort_by_key(|t| pmtiles_tile_id(t.level, t.col, t.row).unwrap_or(u64::MAX));
    out
}

enum Sink {
    Pm(Box<PmTilesFileWriter>),
    Mb(MbTilesWriter),
}

/// Seed `opts` from `prep` into `out` (`.pmtiles` or `.mbtiles`). `progress` is called with the
/// number of tiles done after each chunk.
pub async fn seed(
    prep: Arc<Prepared>,
    opts: SeedOptions,
    out: &Path,
    progress: &(dyn Fn(u64, u64) + Send + Sync),
) -> Result<SeedReport> {
    if opts.min_zoom > opts.max_zoom || opts.max_zoom > MAX_ZOOM {
        bail!(
            "zoom range {}..={} is invalid (0 <= minzoom <= maxzoom <= {MAX_ZOOM})",
            opts.min_zoom,
            opts.max_zoom
        );
    }
    let bbox = match opts.bbox.or_else(|| prep.bounds_of(opts.tileset.layers)) {
        Some(b) => b,
        None => bail!("no data to seed: the store is empty and no --bbox was given"),
    };
    let tiles = tile_list(&opts, bbox);
    let info = ArchiveInfo {
        min_zoom: opts.min_zoom.max(opts.tileset.min_zoom()),
        max_zoom: opts.max_zoom,
        bounds: bbox,
        center: [
            (bbox[0] + bbox[2]) / 2.0,
            (bbox[1] + bbox[3]) / 2.0,
            opts.max_zoom.min(14) as f64,
        ],
        vector_layers: serde_json::Value::Array(vector_layers(opts.tileset)),
        name: opts.tileset.id.to_string(),
    };
    let ext = out
        .extension()
        .and_then(|e| e.to_str())
        .map(|e| e.to_ascii_lowercase());
    let mut sink = match ext.as_deref() {
        Some("pmtiles") => Sink::Pm(Box::new(PmTilesFileWriter::create(out, &info)?)),
        Some("mbtiles") => Sink::Mb(MbTilesWriter::create(out, &info).await?),
        _ => bail!(
            "{}: the output must end in .pmtiles or .mbtiles",
            out.display()
        ),
    };
    let started = Instant::now();
    let mut report = SeedReport {
        tiles: tiles.len() as u64,
        ..Default::default()
    };
    let threads = opts.threads.max(1);
    let total = tiles.len() as u64;
    let mut done = 0u64;
    for chunk in tiles.chunks(CHUNK) {
        let chunk: Vec<TileId> = chunk.to_vec();
        let prep = prep.clone();
        let ts = opts.tileset;
        let budget = opts.budget;
        let rendered: Vec<Option<(Vec<u8>, usize)>> =
            tokio::task::spawn_blocking(move || render_chunk(&prep, ts, &chunk, threads, budget))
                .await
                .context("render task failed")?;
        for (t, r) in tiles_of(&tiles, done as usize, rendered.len())
            .iter()
            .zip(rendered)
        {
            let Some((gz, raw_len)) = r else {
                continue;
            };
            report.written += 1;
            report.gzip_bytes += gz.len() as u64;
            report.raw_bytes += raw_len as u64;
            report.max_tile_bytes = report.max_tile_bytes.max(raw_len as u64);
            match &mut sink {
                Sink::Pm(w) => w.add(t.level, t.col, t.row, &gz)?,
                Sink::Mb(w) => w.add(t.level, t.col, t.row, &gz).await?,
            }
        }
        done += CHUNK.min(tiles.len() - done as usize) as u64;
        progress(done, total);
    }
    match sink {
        Sink::Pm(w) => w.finish()?,
        Sink::Mb(w) => w.finish().await?,
    }
    report.elapsed = started.elapsed();
    Ok(report)
}

fn tiles_of(tiles: &[TileId], start: usize, n: usize) -> &[TileId] {
    &tiles[start..start + n]
}

/// Render a chunk on `threads` threads (interleaved), in the chunk's order: gzip bytes and
/// the uncompressed size, `None` for empty tiles.
pub fn render_chunk(
    prep: &Prepared,
    ts: &Tileset,
    chunk: &[TileId],
    threads: usize,
    budget: Budget,
) -> Vec<Option<(Vec<u8>, usize)>> {
    let mut out: Vec<Option<(Vec<u8>, usize)>> = vec![None; chunk.len()];
    std::thread::scope(|s| {
        let handles: Vec<_> = (0..threads)
            .map(|k| {
                s.spawn(move || {
                    chunk
                        .iter()
                        .enumerate()
                        .skip(k)
                        .step_by(threads)
                        .map(|(i, t)| {
                            let r = render(prep, *t, ts.layers, None, budget);
                            let v = (r.features > 0).then(|| (gzip(&r.bytes), r.bytes.len()));
                            (i, v)
                        })
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        for h in handles {
            if let Ok(v) = h.join() {
                for (i, r) in v {
                    out[i] = r;
                }
            }
        }
    });
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::render::TILESETS;

    #[test]
    fn bbox_parsing() {
        assert_eq!(
            parse_bbox("4.35,50.84,4.36,50.85").expect("ok"),
            [4.35, 50.84, 4.36, 50.85]
        );
        for bad in [
            "4.35,50.84,4.36",
            "a,b,c,d",
            "4.36,50.84,4.35,50.85",
            "4,89,5,90",
        ] {
            assert!(parse_bbox(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn tile_list_is_hilbert_ordered_and_covers_the_bbox() {
        let opts = SeedOptions {
            tileset: &TILESETS[0],
            min_zoom: 0,
            max_zoom: 14,
            bbox: None,
            threads: 2,
            budget: Budget::default(),
        };
        let tiles = tile_list(&opts, [4.35, 50.84, 4.36, 50.85]);
        // z0..z14: one tile per zoom up to z9 or so, then a few.
        assert!(tiles.len() >= 15);
        let ids: Vec<u64> = tiles
            .iter()
            .map(|t| pmtiles_tile_id(t.level, t.col, t.row).unwrap_or(0))
            .collect();
        assert!(ids.windows(2).all(|w| w[0] < w[1]));
        assert_eq!(tiles[0], TileId::new(Tms::WebMercatorQuad, 0, 0, 0));
        // Brussels at z14: x 8390, y 5496.
        assert!(tiles
            .iter()
            .any(|t| t.level == 14 && t.col == 8390 && t.row == 5496));
        // Addresses start at z16.
        let opts = SeedOptions {
            tileset: &TILESETS[1],
            ..opts
        };
        assert!(tile_list(&opts, [4.35, 50.84, 4.36, 50.85]).is_empty());
    }
}
