//! Downloads (issue 8): `/downloads`, prepared full-Region files and `urbis export`.
//!
//! Owned by its issue; the server mounts [`mount`], the CLI flattens [`Cmd`] into its
//! commands and the configuration has a `[downloads]` section of type [`Settings`].

use std::path::PathBuf;
use std::sync::Arc;

use anyhow::{bail, Context, Result};
use clap::Subcommand;
use datastore_api::downloads::export::{self, ExportJob, Filter, Packaging};
use datastore_api::downloads::http::{find_municipality, parse_bbox, router, DownloadState};
use datastore_api::downloads::prepared::{self, Prepared};
use datastore_api::downloads::{formats, layer_name, Format, DOWNLOAD_CRS};
use indicatif::{ProgressBar, ProgressStyle};
use serde::Deserialize;
use urbis_core::store::{FeatureStore, SqliteStore};
use urbis_core::{Crs, Dataset, Layer};

use crate::config::Config;
use crate::server::{crs_engine, Mounted, ServerContext};

/// The `[downloads]` section of `urbis.toml`.
#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Settings {
    /// Directory of the prepared files and of the extracts' temporary files
    /// (default: `<data dir>/downloads`).
    pub dir: Option<PathBuf>,
    /// Prepare the whole-Region files after each import (default: true). Without them every
    /// download is extracted on demand (no ranges, no checksums).
    pub prepare: bool,
    /// Extracts running at once; further requests get 503 with `Retry-After` (default: 2).
    pub max_concurrent_extracts: usize,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            dir: None,
            prepare: true,
            max_concurrent_extracts: 2,
        }
    }
}

/// Top-level commands this module adds to the CLI.
#[derive(Subcommand, Debug)]
pub enum Cmd {
    /// Export layers of the live data to a file: GeoPackage, Shapefile (zip), GeoJSON, CSV,
    /// FlatGeobuf or KML (DXF and GML with the `gdal` feature), in EPSG:31370, 3812 or 4326,
    /// for the whole Region, a bbox or a municipality.
    Export {
        /// Layer to export (addresses, buildings, parcels, streets, municipalities); repeat
        /// or separate with commas for several (GeoPackage, or a `.zip` output).
        #[arg(long = "layer", required = true, value_delimiter = ',')]
        layers: Vec<String>,
        /// gpkg, shp, geojson, csv, fgb, kml (with `gdal`: dxf, gml).
        #[arg(long, default_value = "gpkg")]
        format: String,
        /// Output CRS: 31370, 3812 or 4326 (default: 31370; 4326 for GeoJSON and KML).
        #[arg(long)]
        crs: Option<String>,
        /// minx,miny,maxx,maxy in --bbox-crs.
        #[arg(long, allow_hyphen_values = true)]
        bbox: Option<String>,
        /// CRS of --bbox (default: 31370 here, unlike the HTTP API's CRS84).
        #[arg(long)]
        bbox_crs: Option<String>,
        /// NIS code or French/Dutch name of a municipality.
        #[arg(long)]
        municipality: Option<String>,
        /// Output file; a `.zip` name zips the layers' files (Shapefiles are always zipped).
        out: PathBuf,
    },
}

/// Routes and `/ogc` contribution of this module.
pub async fn mount(ctx: &ServerContext) -> Result<Mounted> {
    let s = &ctx.cfg.downloads;
    let dir = s
        .dir
        .clone()
        .unwrap_or_else(|| ctx.cfg.data.dir.join("downloads"));
    std::fs::create_dir_all(&dir)
        .with_context(|| format!("cannot create the downloads directory {}", dir.display()))?;
    let prepared = Arc::new(Prepared::new(dir));
    prepared.remove_stale_extracts();
    if s.prepare {
        prepared::spawn(prepared.clone(), ctx.dataset.clone(), ctx.engine.clone());
    }
    let state = DownloadState::new(
        ctx.dataset.clone(),
        ctx.engine.clone(),
        prepared,
        ctx.cfg.server.public_url.clone(),
        s.max_concurrent_extracts,
    );
    Ok(Mounted {
        router: router(state),
        ogc: None,
    })
}

pub async fn run(cfg: &Config, cmd: Cmd) -> Result<()> {
    match cmd {
        Cmd::Export {
            layers,
            format,
            crs,
            bbox,
            bbox_crs,
            municipality,
            out,
        } => {
            export_cmd(
                cfg,
                &layers,
                &format,
                crs.as_deref(),
                bbox.as_deref(),
                bbox_crs.as_deref(),
                municipality.as_deref(),
                out,
            )
            .await
        }
    }
}

fn parse_download_crs(what: &str, v: &str, allowed: &[Crs]) -> Result<Crs> {
    let c = Crs::parse(v).map_err(|_| anyhow::anyhow!("{what}: unknown CRS `{v}`"))?;
    if !allowed.contains(&c) {
        bail!(
            "{what}: EPSG:{} is not offered (use one of {})",
            c.epsg(),
            allowed
                .iter()
                .map(|c| c.epsg().to_string())
                .collect::<Vec<_>>()
                .join(", ")
        );
    }
    Ok(c)
}

#[allow(clippy::too_many_arguments)]
async fn export_cmd(
    cfg: &Config,
    layers: &[String],
    format: &str,
    crs: Option<&str>,
    bbox: Option<&str>,
    bbox_crs: Option<&str>,
    municipality: Option<&str>,
    out: PathBuf,
) -> Result<()> {
    let (format, ogr_driver) = match format.strip_prefix("ogr:") {
        Some(driver) => (Format::Ogr, Some(driver.to_string())),
        None => {
            let f = Format::from_id(format).with_context(|| {
                format!(
                    "unknown format `{format}` (available: {}; with the gdal feature ogr:<Driver>)",
                    formats()
                        .iter()
                        .map(|f| f.id)
                        .collect::<Vec<_>>()
                        .join(", ")
                )
            })?;
            (f, None)
        }
    };
    let mut wanted: Vec<Layer> = Vec::new();
    for id in layers.iter().map(|s| s.trim()).filter(|s| !s.is_empty()) {
        let l: Layer = id.parse()?;
        if !wanted.contains(&l) {
            wanted.push(l);
        }
    }
    let crs = match crs {
        Some(v) => parse_download_crs("--crs", v, format.crs_allowed())?,
        None => format.info().default_crs,
    };
    let engine = crs_engine(cfg)?;
    let store_path = cfg.store_path();
    let store = SqliteStore::open(&store_path)
        .await
        .with_context(|| format!("cannot open the store {}", store_path.display()))?;
    let Some(generation) = store.live_generation().await? else {
        bail!(
            "{}: no data imported yet (run `urbis import <file>`)",
            store_path.display()
        );
    };
    // Load only the layers this export reads (and the municipalities for --municipality).
    let mut needed = wanted.clone();
    if municipality.is_some() && !needed.contains(&Layer::Municipalities) {
        needed.push(Layer::Municipalities);
    }
    let mut layers = Vec::new();
    for layer in needed {
        if !generation.counts.contains_key(&layer) {
            continue;
        }
        let mut features = Vec::new();
        store
            .load_layer(generation.id, layer, &mut |f| features.push(f))
            .await?;
        layers.push((layer, features));
    }
    let ds = Arc::new(Dataset::from_layers(Some(generation), layers));
    let bbox = match bbox {
        Some(v) => {
            let c = match bbox_crs {
                Some(c) => parse_download_crs("--bbox-crs", c, &DOWNLOAD_CRS)?,
                None => Crs::Lambert72,
            };
            Some(parse_bbox(&engine, v, c).map_err(|p| anyhow::anyhow!("--bbox: {}", p.detail))?)
        }
        None => None,
    };
    let area = match municipality {
        Some(m) => Some(
            find_municipality(&ds, m)
                .map_err(|p| anyhow::anyhow!("--municipality: {}", p.detail))?
                .1,
        ),
        None => None,
    };
    let is_zip = out
        .extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("zip"));
    let packaging = if is_zip && format != Format::Shapefile {
        Packaging::Zip {
            prefix: String::new(),
        }
    } else {
        Packaging::File
    };
    let job = ExportJob {
        gpkg_stem: match (wanted.as_slice(), &packaging) {
            ([one], _) => layer_name(*one).to_string(),
            _ => "urbis".to_string(),
        },
        layers: wanted,
        format,
        crs,
        filter: Filter { bbox, area },
        packaging,
        ogr_driver,
    };
    export::validate(&ds, &job).map_err(|e| anyhow::anyhow!("{}: {e}", out.display()))?;
    let total = export::count(&ds, &job);
    let bar = ProgressBar::new(total);
    bar.set_style(
        ProgressStyle::with_template(
            "{spinner} {msg} [{bar:40}] {pos}/{len} features ({per_sec}, {eta})",
        )
        .unwrap_or_else(|_| ProgressStyle::default_bar())
        .progress_chars("=> "),
    );
    bar.set_message(format!("{}", out.display()));
    let rt = tokio::runtime::Handle::current();
    let pb = bar.clone();
    let target = out.clone();
    let summary = tokio::task::spawn_blocking(move || {
        export::export(&rt, &ds, &engine, &job, &target, &|n| pb.set_position(n))
    })
    .await
    .context("export task failed")?
    .map_err(|e| anyhow::anyhow!("{}: {e}", out.display()))?;
    bar.finish_and_clear();
    let counts = summary
        .counts
        .iter()
        .map(|(l, n)| format!("{n} {l}"))
        .collect::<Vec<_>>()
        .join(", ");
    println!(
        "{}: {counts} in {} EPSG:{} ({} bytes)",
        out.display(),
        format.info().title,
        crs.epsg(),
        summary.bytes
    );
    Ok(())
}
