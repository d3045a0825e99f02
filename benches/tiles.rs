//! Throughput of the vector tile encoder (criterion): a fixed list of z12–z16 tiles rendered
//! from the in-memory dataset (select, clip, simplify, snap, repair, encode; composite `urbis`
//! tileset, no cache, no compression), over the real centre of Brussels (`../shared`; skipped
//! with a message when absent) and over generated Region-scale data (scale 1.0).
//!
//!   cargo bench --bench tiles
//!
//! Reported as elements (tiles) per second; the figures go to docs/BENCHMARKS.md ("Vector
//! tiles — encoder"). Also measured: one thread vs both cores over the same list (as `urbis
//! tiles seed` does), and gzip of the rendered tiles. The Region store is built once under
//! `target/bench-data/` and reused.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use tile_server::cache::gzip;
use tile_server::render::{render, Budget, TileId, Tileset};
use tile_server::seed::render_chunk;
use tile_server::source::Prepared;
use tile_server::tms::Tms;
use urbis_core::generate::{generate, write_gpkg, GenerateOptions};
use urbis_core::import::{import_path, ImportOptions};
use urbis_core::store::{FeatureStore, SqliteStore};
use urbis_core::{CrsEngine, Dataset};

/// The same allocator as the `urbis` binary.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("runtime")
}

fn bench_dir() -> PathBuf {
    let d = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("target/bench-data");
    std::fs::create_dir_all(&d).expect("bench dir");
    d
}

/// Import `gpkg` into a store under `target/bench-data/<name>` (once) and load it.
fn dataset(rt: &tokio::runtime::Runtime, gpkg: &Path, name: &str) -> Dataset {
    let store_path = bench_dir().join(name).join("urbis.sqlite");
    rt.block_on(async {
        let store = SqliteStore::open(&store_path).await.expect("store");
        if store.live_generation().await.expect("live").is_none() {
            eprintln!("importing {} into {}", gpkg.display(), store_path.display());
            import_path(
                Arc::new(store.clone()),
                gpkg,
                &ImportOptions::default(),
                &mut |_| {},
            )
            .await
            .expect("import");
        }
        Dataset::load(Arc::new(store)).await.expect("load")
    })
}

fn region_gpkg(rt: &tokio::runtime::Runtime) -> PathBuf {
    let gpkg = bench_dir().join("region-1.0.gpkg");
    if !gpkg.exists() {
        eprintln!(
            "generating Region-scale data (scale 1.0) into {}",
            gpkg.display()
        );
        let g = generate(&GenerateOptions {
            scale: 1.0,
            seed: 1,
        });
        rt.block_on(write_gpkg(&g, &gpkg))
            .expect("write region gpkg");
    }
    gpkg
}

/// The tile list: at each zoom 12..=16, a block of `z - 10` × `z - 10` tiles whose top-left tile
/// holds (lon, lat): 4 + 9 + 16 + 25 + 36 = 90 tiles.
pub fn tile_list(lon: f64, lat: f64) -> Vec<TileId> {
    let mut out = Vec::new();
    for z in 12u8..=16 {
        let n = (1u64 << z) as f64;
        let x = ((lon + 180.0) / 360.0 * n) as u32;
        let r = lat.to_radians();
        let y = ((1.0 - (r.tan() + 1.0 / r.cos()).ln() / std::f64::consts::PI) / 2.0 * n) as u32;
        let k = (z - 10) as u32;
        for dx in 0..k {
            for dy in 0..k {
                out.push(TileId::new(Tms::WebMercatorQuad, z, x + dx, y + dy));
            }
        }
    }
    out
}

/// CPU time of the calling thread in seconds (Linux `/proc/thread-self/schedstat`), so the
/// throughput can be reported independently of other load on the machine.
fn thread_cpu_secs() -> Option<f64> {
    let s = std::fs::read_to_string("/proc/thread-self/schedstat").ok()?;
    let ns: f64 = s.split_whitespace().next()?.parse().ok()?;
    Some(ns / 1e9)
}

fn bench_set(c: &mut Criterion, name: &str, prep: &Prepared, tiles: &[TileId]) {
    let ts = Tileset::find("urbis").expect("urbis");
    let budget = Budget::default();
    // Report the list once: non-empty tiles and sizes.
    let sizes: Vec<usize> = tiles
        .iter()
        .map(|t| render(prep, *t, ts.layers, None, budget).bytes.len())
        .collect();
    let total: usize = sizes.iter().sum();
    eprintln!(
        "{name}: {} tiles, {} non-empty, {:.1} KB mean, {:.1} KB max (uncompressed)",
        tiles.len(),
        sizes.iter().filter(|s| **s > 0).count(),
        total as f64 / tiles.len() as f64 / 1000.0,
        sizes.iter().max().copied().unwrap_or(0) as f64 / 1000.0
    );
    // Throughput per CPU-second of one thread (unaffected by other processes) and per wall
    // second, over 5 passes; then per-zoom latency.
    let (w0, c0) = (std::time::Instant::now(), thread_cpu_secs());
    for _ in 0..5 {
        for t in tiles {
            std::hint::black_box(render(prep, *t, ts.layers, None, budget));
        }
    }
    let wall = w0.elapsed().as_secs_f64();
    let n = (5 * tiles.len()) as f64;
    match (c0, thread_cpu_secs()) {
        (Some(a), Some(b)) => eprintln!(
            "{name}: {:.0} tiles per CPU-second (1 thread), {:.0} tiles/s wall",
            n / (b - a),
            n / wall
        ),
        _ => eprintln!("{name}: {:.0} tiles/s wall (1 thread)", n / wall),
    }
    for z in 12u8..=16 {
        let zt: Vec<&TileId> = tiles.iter().filter(|t| t.level == z).collect();
        let c0 = thread_cpu_secs();
        let mut bytes = 0;
        for t in &zt {
            bytes += render(prep, **t, ts.layers, None, budget).bytes.len();
        }
        if let (Some(a), Some(b)) = (c0, thread_cpu_secs()) {
            eprintln!(
                "{name}: z{z}: {} tiles, {:.2} ms CPU per tile, {:.1} KB mean",
                zt.len(),
                (b - a) * 1000.0 / zt.len() as f64,
                bytes as f64 / zt.len() as f64 / 1000.0
            );
        }
    }
    let mut g = c.benchmark_group(format!("tiles_{name}"));
    g.throughput(Throughput::Elements(tiles.len() as u64));
    g.sample_size(10).measurement_time(Duration::from_secs(20));
    g.bench_function("encode_z12_z16_1_thread", |b| {
        b.iter(|| {
            tiles
                .iter()
                .map(|t| render(prep, *t, ts.layers, None, budget).bytes.len())
                .sum::<usize>()
        })
    });
    g.bench_function("encode_z12_z16_2_threads", |b| {
        b.iter(|| render_chunk(prep, ts, tiles, 2, budget).len())
    });
    g.bench_function("encode_gzip_z12_z16_1_thread", |b| {
        b.iter(|| {
            tiles
                .iter()
                .map(|t| gzip(&render(prep, *t, ts.layers, None, budget).bytes).len())
                .sum::<usize>()
        })
    });
    g.finish();
}

fn centre(c: &mut Criterion) {
    let gpkg = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../shared/data/urbis/UrbISVector_centre_31370.gpkg");
    if !gpkg.exists() {
        eprintln!(
            "skipped: ../shared not found ({} is absent)",
            gpkg.display()
        );
        return;
    }
    let rt = runtime();
    let ds = dataset(&rt, &gpkg, "tiles-centre-store");
    let prep = Prepared::build(Arc::new(ds), &CrsEngine::helmert());
    // Around the Grand-Place.
    bench_set(c, "centre", &prep, &tile_list(4.345, 50.852));
}

fn region(c: &mut Criterion) {
    let rt = runtime();
    let gpkg = region_gpkg(&rt);
    let ds = dataset(&rt, &gpkg, "tiles-region-store");
    let started = std::time::Instant::now();
    let prep = Prepared::build(Arc::new(ds), &CrsEngine::helmert());
    eprintln!(
        "region: prepared for tiling in {:.2} s",
        started.elapsed().as_secs_f64()
    );
    // Around the centre of the generated Region.
    let (lon, lat) = prep
        .bounds_wgs84
        .map(|b| ((b[0] + b[2]) / 2.0 - 0.01, (b[1] + b[3]) / 2.0 + 0.01))
        .unwrap_or((4.35, 50.85));
    bench_set(c, "region", &prep, &tile_list(lon, lat));
}

criterion_group!(benches, centre, region);
criterion_main!(benches);
