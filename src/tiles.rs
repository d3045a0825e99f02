//! Vector tiles (issue 5): the tile-server crate's routes, tile cache settings and the `urbis tiles` commands.
//!
//! Owned by its issue; the server mounts [`mount`], the CLI flattens [`Cmd`] into its
//! commands and the configuration has a `[tiles]` section of type [`Settings`].

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::Arc;

use anyhow::{bail, Context, Result};
use clap::Subcommand;
use indicatif::{ProgressBar, ProgressStyle};
use serde::Deserialize;
use tile_server::http::{TileService, TileServiceOptions};
use tile_server::render::{Budget, Tileset};
use tile_server::seed::{parse_bbox, seed, SeedOptions};
use tile_server::source::Prepared;
use tile_server::style::{self, StyleOptions};
use urbis_core::store::SqliteStore;
use urbis_core::Dataset;

use crate::config::Config;
use crate::server::{crs_engine, Mounted, ServerContext};

/// The `[tiles]` section of `urbis.toml`.
///
/// Environment overrides (read when the server starts): `URBIS_TILES_CACHE_MB`,
/// `URBIS_TILES_FILES` (`name=path;name=path`), `URBIS_TILES_WEB_DIR`.
#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Settings {
    /// Memory bound of the encoded-tile cache, in MiB (0: no cache).
    pub cache_mb: u64,
    /// `Cache-Control: max-age` of tiles, in seconds.
    pub max_age_secs: u32,
    /// Largest uncompressed tile, in bytes (features are dropped beyond it).
    pub max_tile_bytes: usize,
    /// Pre-seeded PMTiles/MBTiles files served as tilesets: name → path.
    pub files: BTreeMap<String, PathBuf>,
    /// npm-installed web assets for the map page (relative to the current directory).
    pub web_dir: PathBuf,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            cache_mb: 256,
            max_age_secs: 3600,
            max_tile_bytes: 500_000,
            files: BTreeMap::new(),
            web_dir: PathBuf::from("web/node_modules"),
        }
    }
}

impl Settings {
    fn apply_env(&mut self, get: impl Fn(&str) -> Option<String>) -> Result<()> {
        if let Some(v) = get("URBIS_TILES_CACHE_MB") {
            self.cache_mb = v
                .trim()
                .parse()
                .with_context(|| format!("URBIS_TILES_CACHE_MB: `{v}` is not a number of MiB"))?;
        }
        if let Some(v) = get("URBIS_TILES_FILES") {
            for item in v.split(';').filter(|s| !s.trim().is_empty()) {
                let Some((name, path)) = item.split_once('=') else {
                    bail!("URBIS_TILES_FILES: `{item}` is not name=path");
                };
                self.files
                    .insert(name.trim().to_string(), PathBuf::from(path.trim()));
            }
        }
        if let Some(v) = get("URBIS_TILES_WEB_DIR") {
            self.web_dir = PathBuf::from(v);
        }
        Ok(())
    }

    fn budget(&self) -> Budget {
        Budget {
            max_bytes: self.max_tile_bytes.max(16 * 1024),
            ..Budget::default()
        }
    }
}

/// Top-level commands this module adds to the CLI.
#[derive(Subcommand, Debug)]
pub enum Cmd {
    /// Vector tiles: pre-seed PMTiles/MBTiles files.
    Tiles {
        #[command(subcommand)]
        cmd: TilesCmd,
    },
}

#[derive(Subcommand, Debug)]
pub enum TilesCmd {
    /// Render a tileset over a bbox and zoom range into a .pmtiles or .mbtiles file.
    Seed {
        /// Tileset: urbis (all layers), addresses, buildings, parcels, streets, municipalities.
        #[arg(long, default_value = "urbis")]
        tileset: String,
        #[arg(long, default_value_t = 0)]
        minzoom: u8,
        #[arg(long, default_value_t = 16)]
        maxzoom: u8,
        /// minlon,minlat,maxlon,maxlat (WGS 84); default: the bounds of the data.
        #[arg(long, allow_hyphen_values = true)]
        bbox: Option<String>,
        /// Output file (.pmtiles or .mbtiles).
        #[arg(long)]
        out: PathBuf,
        /// Worker threads (default: all cores).
        #[arg(long)]
        threads: Option<usize>,
    },
}

/// Routes and `/ogc` contribution of this module.
pub async fn mount(ctx: &ServerContext) -> Result<Mounted> {
    let mut settings = ctx.cfg.tiles.clone();
    settings.apply_env(|k| std::env::var(k).ok())?;
    let svc = TileService::new(TileServiceOptions {
        dataset: ctx.dataset.clone(),
        engine: ctx.engine.clone(),
        public_url: ctx.cfg.server.public_url.clone(),
        cache_bytes: settings.cache_mb.saturating_mul(1 << 20),
        files: settings.files.clone(),
        budget: settings.budget(),
        max_age: settings.max_age_secs,
    })
    .await
    .context("[tiles]")?;
    svc.spawn_refresh();
    let router = svc.router().merge(style::router(StyleOptions {
        public_url: ctx.cfg.server.public_url.clone(),
        web_dir: settings.web_dir.clone(),
    }));
    Ok(Mounted {
        router,
        ogc: Some(svc.ogc_extension()),
    })
}

pub async fn run(cfg: &Config, cmd: Cmd) -> Result<()> {
    match cmd {
        Cmd::Tiles {
            cmd:
                TilesCmd::Seed {
                    tileset,
                    minzoom,
                    maxzoom,
                    bbox,
                    out,
                    threads,
                },
        } => {
            let ts = Tileset::find(&tileset).with_context(|| {
                format!("unknown tileset `{tileset}` (urbis, addresses, buildings, parcels, streets, municipalities)")
            })?;
            let bbox = bbox.as_deref().map(parse_bbox).transpose()?;
            let engine = crs_engine(cfg)?;
            let p = cfg.store_path();
            let store = SqliteStore::open(&p)
                .await
                .with_context(|| format!("cannot open the store {}", p.display()))?;
            let ds = Arc::new(Dataset::load(Arc::new(store)).await?);
            if ds.generation().is_none() {
                bail!(
                    "the store {} is empty: run `urbis import` first",
                    p.display()
                );
            }
            let prep = {
                let ds = ds.clone();
                let engine = engine.clone();
                Arc::new(
                    tokio::task::spawn_blocking(move || Prepared::build(ds, &engine))
                        .await
                        .context("preparing the tile data")?,
                )
            };
            let threads = threads
                .or_else(|| std::thread::available_parallelism().ok().map(|n| n.get()))
                .unwrap_or(2);
            let mut settings = cfg.tiles.clone();
            settings.apply_env(|k| std::env::var(k).ok())?;
            let opts = SeedOptions {
                tileset: ts,
                min_zoom: minzoom,
                max_zoom: maxzoom,
                bbox,
                threads,
                budget: settings.budget(),
            };
            let bar = ProgressBar::new(0);
            bar.set_style(
                ProgressStyle::with_template(
                    "{prefix:>8} [{elapsed_precise}] {wide_bar} {pos}/{len} tiles {per_sec}",
                )
                .unwrap_or_else(|_| ProgressStyle::default_bar()),
            );
            bar.set_prefix("seed");
            let progress = |done: u64, total: u64| {
                bar.set_length(total);
                bar.set_position(done);
            };
            let report = seed(prep, opts, &out, &progress)
                .await
                .with_context(|| format!("seeding {}", out.display()))?;
            bar.finish_and_clear();
            println!(
                "{}: {} tiles written of {} ({} empty), {:.1} MB gzip ({:.1} MB raw, largest tile {} KB), {:.1?} on {threads} threads ({:.0} tiles/s)",
                out.display(),
                report.written,
                report.tiles,
                report.tiles - report.written,
                report.gzip_bytes as f64 / 1e6,
                report.raw_bytes as f64 / 1e6,
                report.max_tile_bytes / 1000,
                report.elapsed,
                report.tiles as f64 / report.elapsed.as_secs_f64().max(1e-9)
            );
            Ok(())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn settings_from_toml_and_env() {
        let s: Settings =
            toml::from_str("cache_mb = 64\n[files]\nold = \"/srv/old.pmtiles\"\n").expect("parse");
        assert_eq!(s.cache_mb, 64);
        assert_eq!(s.max_tile_bytes, 500_000);
        let mut s2 = s.clone();
        s2.apply_env(|k| match k {
            "URBIS_TILES_CACHE_MB" => Some("0".into()),
            "URBIS_TILES_FILES" => Some("a=/x/a.mbtiles; b = /x/b.pmtiles".into()),
            _ => None,
        })
        .expect("env");
        assert_eq!(s2.cache_mb, 0);
        assert_eq!(s2.files.len(), 3);
        assert_eq!(s2.files["b"], PathBuf::from("/x/b.pmtiles"));
        assert!(s
            .clone()
            .apply_env(|k| (k == "URBIS_TILES_FILES").then(|| "nope".to_string()))
            .is_err());
    }
}
