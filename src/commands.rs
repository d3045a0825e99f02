//! The CLI commands other than `serve`.

use std::path::{Path, PathBuf};
use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{bail, Context, Result};
use clap::Subcommand;
use geo::Rect;
use indicatif::{ProgressBar, ProgressStyle};
use serde_json::{json, Value};
use urbis_core::http::{GeometryWriter, OgcCrs};
use urbis_core::import::{import_path, ImportOptions, Progress};
use urbis_core::store::{FeatureStore, SqliteStore};
use urbis_core::{Crs, Dataset, Layer};

use crate::config::Config;
use crate::server::crs_engine;

/// Largest file `urbis import <url>` downloads (the whole-Region distribution is ~1 GB).
const MAX_DOWNLOAD_BYTES: u64 = 8 << 30;

#[derive(Subcommand, Debug)]
pub enum QueryCommand {
    /// Features of a layer intersecting a bbox.
    Bbox {
        #[arg(long, default_value = "addresses")]
        layer: String,
        /// minx,miny,maxx,maxy in --crs (longitude/latitude order for 4326).
        bbox: String,
        /// CRS of the bbox and of the output: 4326, 31370, 3812 or 3857.
        #[arg(long, default_value = "4326")]
        crs: String,
        #[arg(long, default_value_t = 100)]
        limit: usize,
    },
    /// The k features of a layer nearest to a point.
    Nearest {
        #[arg(long, default_value = "addresses")]
        layer: String,
        #[arg(allow_negative_numbers = true)]
        x: f64,
        #[arg(allow_negative_numbers = true)]
        y: f64,
        #[arg(long, default_value = "4326")]
        crs: String,
        #[arg(short, long, default_value_t = 5)]
        k: usize,
    },
    /// The municipality, parcel and building containing a point.
    At {
        #[arg(allow_negative_numbers = true)]
        x: f64,
        #[arg(allow_negative_numbers = true)]
        y: f64,
        #[arg(long, default_value = "4326")]
        crs: String,
    },
}

async fn open_store(cfg: &Config) -> Result<SqliteStore> {
    let p = cfg.store_path();
    SqliteStore::open(&p)
        .await
        .with_context(|| format!("cannot open the store {}", p.display()))
}

fn bar_style() -> ProgressStyle {
    ProgressStyle::with_template(
        "{prefix:>16} [{elapsed_precise}] {wide_bar} {pos}/{len} {per_sec}",
    )
    .unwrap_or_else(|_| ProgressStyle::default_bar())
}

/// Download an http(s) source to a temporary file, with a progress bar and a size limit.
async fn download(url: &str) -> Result<(tempfile::TempDir, PathBuf)> {
    let name = url
        .split(['?', '#'])
        .next()
        .and_then(|u| u.rsplit('/').next())
        .filter(|n| !n.is_empty())
        .unwrap_or("download.zip")
        .to_string();
    let dir = tempfile::tempdir().context("cannot create a temporary directory")?;
    let path = dir.path().join(&name);
    let client = reqwest::Client::builder()
        .connect_timeout(Duration::from_secs(30))
        .user_agent(concat!("urbis/", env!("CARGO_PKG_VERSION")))
        .build()?;
    let mut resp = client
        .get(url)
        .send()
        .await
        .with_context(|| format!("cannot fetch {url}"))?;
    if !resp.status().is_success() {
        bail!("{url}: HTTP {}", resp.status());
    }
    if resp
        .content_length()
        .is_some_and(|n| n > MAX_DOWNLOAD_BYTES)
    {
        bail!(
            "{url}: larger than the {} GiB limit",
            MAX_DOWNLOAD_BYTES >> 30
        );
    }
    let bar = ProgressBar::new(resp.content_length().unwrap_or(0));
    bar.set_style(bar_style());
    bar.set_prefix("download");
    let mut file = tokio::fs::File::create(&path)
        .await
        .with_context(|| format!("cannot write {}", path.display()))?;
    let mut total = 0u64;
    while let Some(chunk) = resp
        .chunk()
        .await
        .with_context(|| format!("{url}: download failed"))?
    {
        total += chunk.len() as u64;
        if total > MAX_DOWNLOAD_BYTES {
            bail!(
                "{url}: larger than the {} GiB limit",
                MAX_DOWNLOAD_BYTES >> 30
            );
        }
        tokio::io::AsyncWriteExt::write_all(&mut file, &chunk).await?;
        bar.set_position(total);
    }
    tokio::io::AsyncWriteExt::flush(&mut file).await?;
    bar.finish_and_clear();
    Ok((dir, path))
}

pub async fn import(cfg: &Config, source: &str, as_json: bool) -> Result<()> {
    let engine = crs_engine(cfg)?;
    let store = open_store(cfg).await?;
    let recovered = store.recover().await?;
    if !recovered.is_empty() {
        eprintln!("note: closed interrupted imports {recovered:?} as failed");
    }
    let (_tmp, path) = if source.starts_with("http://") || source.starts_with("https://") {
        let (d, p) = download(source).await?;
        (Some(d), p)
    } else {
        (None, PathBuf::from(source))
    };
    if !path.exists() {
        bail!("{}: no such file or directory", path.display());
    }
    let opts = ImportOptions {
        engine,
        source_label: Some(source.to_string()),
        ..Default::default()
    };
    let cancel = opts.cancel.clone();
    tokio::spawn(async move {
        if tokio::signal::ctrl_c().await.is_ok() {
            eprintln!("cancelling: the previous data stays live");
            cancel.store(true, Ordering::Relaxed);
        }
    });
    let bar = ProgressBar::new(0);
    bar.set_style(bar_style());
    let mut on_progress = |p: Progress| match p {
        Progress::LayerStarted { layer, total, .. } => {
            bar.reset();
            bar.set_prefix(format!("read {layer}"));
            bar.set_length(total.unwrap_or(0));
        }
        Progress::Read { records, .. } => bar.set_position(records),
        Progress::LayerDone { layer, features } => {
            bar.println(format!("{layer:>16}: {features} features"));
        }
        Progress::Finishing => {
            bar.reset();
            bar.set_prefix("storing");
        }
    };
    let summary = import_path(Arc::new(store), &path, &opts, &mut on_progress)
        .await
        .with_context(|| format!("import of {source} failed; the previous data is still live"))?;
    bar.finish_and_clear();
    if as_json {
        println!("{}", serde_json::to_string_pretty(&summary)?);
        return Ok(());
    }
    println!(
        "imported {source} as generation {} in {:.1?} (sha256 {})",
        summary.generation, summary.duration, summary.checksum
    );
    println!(
        "{:<16} {:>9} {:>9} {:>9} {:>9}  source",
        "layer", "read", "imported", "repaired", "skipped"
    );
    for (layer, s) in &summary.layers {
        println!(
            "{:<16} {:>9} {:>9} {:>9} {:>9}  {}",
            layer.id(),
            s.read,
            s.imported,
            s.repaired,
            s.skipped,
            s.source
        );
    }
    if summary.issue_count > 0 {
        println!("{} issue(s):", summary.issue_count);
        for i in summary.issues.iter().take(20) {
            println!("  {} record {}: {}", i.layer, i.record, i.detail);
        }
        if summary.issue_count > 20 {
            println!("  … (use --json for the first {})", summary.issues.len());
        }
    }
    Ok(())
}

pub async fn generate(scale: f64, seed: u64, out: &Path) -> Result<()> {
    if !(scale.is_finite() && scale > 0.0 && scale <= 16.0) {
        bail!("--scale must be within (0, 16]");
    }
    let started = Instant::now();
    let opts = urbis_core::generate::GenerateOptions { scale, seed };
    let generated = tokio::task::spawn_blocking(move || urbis_core::generate::generate(&opts))
        .await
        .context("generator failed")?;
    if let Some(parent) = out.parent().filter(|p| !p.as_os_str().is_empty()) {
        std::fs::create_dir_all(parent)
            .with_context(|| format!("cannot create {}", parent.display()))?;
    }
    urbis_core::generate::write_gpkg(&generated, out)
        .await
        .with_context(|| format!("cannot write {}", out.display()))?;
    let counts: Vec<String> = generated
        .layers
        .iter()
        .map(|(l, f)| format!("{} {l}", f.len()))
        .collect();
    println!(
        "wrote {} ({}) in {:.1?}",
        out.display(),
        counts.join(", "),
        started.elapsed()
    );
    Ok(())
}

async fn load_dataset(cfg: &Config) -> Result<Dataset> {
    let store = open_store(cfg).await?;
    let ds = Dataset::load(Arc::new(store)).await?;
    if ds.generation().is_none() {
        bail!(
            "the store {} is empty: run `urbis import <file>` first",
            cfg.store_path().display()
        );
    }
    Ok(ds)
}

fn parse_layer(s: &str) -> Result<Layer> {
    Ok(s.parse::<Layer>()?)
}

fn parse_crs(s: &str) -> Result<OgcCrs> {
    let crs = Crs::parse(s)?;
    Ok(OgcCrs {
        crs,
        lat_lon: false,
    })
}

pub async fn query(cfg: &Config, q: QueryCommand) -> Result<()> {
    let engine = crs_engine(cfg)?;
    let ds = load_dataset(cfg).await?;
    let to_l72 = |crs: OgcCrs, x: f64, y: f64| -> Result<(f64, f64)> {
        Ok(engine
            .transformer(crs.crs, Crs::Lambert72)?
            .transform(x, y)?)
    };
    let output = |crs: OgcCrs, features: Vec<Value>| json!({"type": "FeatureCollection", "crs_uri": crs.uri(), "features": features});
    let result = match q {
        QueryCommand::Bbox {
            layer,
            bbox,
            crs,
            limit,
        } => {
            let layer = parse_layer(&layer)?;
            let crs = parse_crs(&crs)?;
            let n: Vec<f64> = bbox
                .split(',')
                .map(|s| s.trim().parse::<f64>())
                .collect::<Result<_, _>>()
                .with_context(|| format!("bbox `{bbox}`: expected minx,miny,maxx,maxy"))?;
            let [a, b, c, d] = n[..] else {
                bail!("bbox `{bbox}`: expected 4 numbers");
            };
            let rect = engine
                .transformer(crs.crs, Crs::Lambert72)?
                .transform_rect(Rect::new((a, b), (c, d)))?;
            let idx = ds
                .layer(layer)
                .with_context(|| format!("no {layer} in the live data"))?;
            let w = GeometryWriter::new(&engine, crs).map_err(|p| anyhow::anyhow!(p.detail))?;
            let (total, page) = idx.page(Some(rect), 0, limit);
            let mut out = output(crs, page.iter().map(|f| w.feature(f, None)).collect());
            out["numberMatched"] = json!(total);
            out
        }
        QueryCommand::Nearest {
            layer,
            x,
            y,
            crs,
            k,
        } => {
            let layer = parse_layer(&layer)?;
            let crs = parse_crs(&crs)?;
            let (px, py) = to_l72(crs, x, y)?;
            let idx = ds
                .layer(layer)
                .with_context(|| format!("no {layer} in the live data"))?;
            let w = GeometryWriter::new(&engine, crs).map_err(|p| anyhow::anyhow!(p.detail))?;
            output(
                crs,
                idx.nearest(px, py, k, None)
                    .into_iter()
                    .map(|(f, d)| {
                        let mut v = w.feature(f, None);
                        v["distance_m"] = json!((d * 100.0).round() / 100.0);
                        v
                    })
                    .collect(),
            )
        }
        QueryCommand::At { x, y, crs } => {
            let crs = parse_crs(&crs)?;
            let (px, py) = to_l72(crs, x, y)?;
            let at = ds.at_point(px, py);
            let props = |f: Option<&urbis_core::Feature>| {
                f.map(|f| json!({"id": f.id, "properties": f.attributes}))
                    .unwrap_or(Value::Null)
            };
            json!({
                "point_31370": [px, py],
                "municipality": props(at.municipality),
                "parcel": props(at.parcel),
                "building": props(at.building),
            })
        }
    };
    println!("{}", serde_json::to_string_pretty(&result)?);
    Ok(())
}

pub async fn log(cfg: &Config, limit: u32) -> Result<()> {
    let store = open_store(cfg).await?;
    for g in store.generations(limit).await? {
        let counts: Vec<String> = g.counts.iter().map(|(l, n)| format!("{n} {l}")).collect();
        println!(
            "#{:<4} {:<8} {}  {}  {}{}",
            g.id,
            g.status.as_str(),
            g.started_at,
            g.source,
            counts.join(", "),
            g.message.map(|m| format!("  ({m})")).unwrap_or_default()
        );
    }
    Ok(())
}

/// `urbis geocode "..."` (a query) or `urbis reverse LON LAT` (a point): GeocodeJSON on stdout.
pub async fn geocode(
    cfg: &Config,
    query: Option<&str>,
    point: Option<(f64, f64)>,
    limit: usize,
    lang: Option<&str>,
) -> Result<()> {
    use urbis_core::geocode::{GeocodeIndex, Lang, SearchOptions};
    let engine = crs_engine(cfg)?;
    let lang = match lang {
        Some(l) => {
            Some(Lang::parse(l).with_context(|| format!("--lang `{l}`: expected fr or nl"))?)
        }
        None => None,
    };
    let ds = load_dataset(cfg).await?;
    let ix = tokio::task::spawn_blocking(move || GeocodeIndex::build(Arc::new(ds))).await?;
    let limit = limit.clamp(1, urbis_core::geocode::search::MAX_LIMIT);
    let (hits, q) = match (query, point) {
        (Some(q), _) => {
            if q.trim().is_empty()
                || q.chars().count() > urbis_core::geocode::search::MAX_QUERY_CHARS
            {
                bail!(
                    "the query must be 1 to {} characters",
                    urbis_core::geocode::search::MAX_QUERY_CHARS
                );
            }
            (
                ix.search(
                    q,
                    &SearchOptions {
                        limit,
                        ..Default::default()
                    },
                ),
                json!({"text": q}),
            )
        }
        (None, Some((lon, lat))) => {
            let (x, y) = engine
                .transformer(Crs::Wgs84, Crs::Lambert72)?
                .transform(lon, lat)?;
            (ix.reverse(x, y, limit, 250.0), json!({"point": [lon, lat]}))
        }
        (None, None) => bail!("nothing to geocode"),
    };
    let out = urbis_core::geocode::http::feature_collection(
        &ix,
        false,
        &hits,
        q,
        lang,
        Crs::Wgs84,
        &engine,
    )
    .map_err(|p| anyhow::anyhow!(p.detail))?;
    println!("{}", serde_json::to_string_pretty(&out)?);
    Ok(())
}
