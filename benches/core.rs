//! Benchmarks of the spatial core: index start-up at Region scale, bbox / nearest / at-point
//! query latency, and import of the real centre GeoPackage.
//!
//! `cargo bench --bench core` (figures in docs/BENCHMARKS.md). The Region-scale data is generated
//! once (`urbis generate --scale 1.0`) and imported into `target/bench-data/`, then reused.
//! The side-by-side comparison with `ogr2ogr` is `benches/import_vs_ogr2ogr.sh`.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use criterion::{criterion_group, criterion_main, BatchSize, Criterion};
use geo::Rect;
use urbis_core::generate::{generate, write_gpkg, GenerateOptions};
use urbis_core::import::{import_path, ImportOptions};
use urbis_core::store::{FeatureStore, SqliteStore};
use urbis_core::{Dataset, Layer};

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

/// A store holding generated Region-scale data (built once, then reused).
fn region_store(rt: &tokio::runtime::Runtime) -> PathBuf {
    let dir = bench_dir();
    let gpkg = dir.join("region-1.0.gpkg");
    let store_dir = dir.join("region-store");
    let store_path = store_dir.join("urbis.sqlite");
    rt.block_on(async {
        if !gpkg.exists() {
            eprintln!(
                "generating Region-scale data (scale 1.0) into {}",
                gpkg.display()
            );
            let g = generate(&GenerateOptions {
                scale: 1.0,
                seed: 1,
            });
            write_gpkg(&g, &gpkg).await.expect("write region gpkg");
        }
        let store = SqliteStore::open(&store_path).await.expect("store");
        if store.live_generation().await.expect("live").is_none() {
            eprintln!("importing {} into {}", gpkg.display(), store_path.display());
            import_path(
                Arc::new(store.clone()),
                &gpkg,
                &ImportOptions::default(),
                &mut |_| {},
            )
            .await
            .expect("import region");
        }
    });
    store_path
}

fn startup(c: &mut Criterion) {
    let rt = runtime();
    let store_path = region_store(&rt);
    let mut g = c.benchmark_group("startup");
    g.sample_size(10).measurement_time(Duration::from_secs(60));
    g.bench_function("region_index_load", |b| {
        b.iter(|| {
            rt.block_on(async {
                let store = SqliteStore::open(&store_path).await.expect("store");
                let ds = Dataset::load(Arc::new(store)).await.expect("load");
                assert!(ds.layer(Layer::Addresses).map(|l| l.len()).unwrap_or(0) > 100_000);
                ds
            })
        })
    });
    g.finish();
}

fn queries(c: &mut Criterion) {
    let rt = runtime();
    let store_path = region_store(&rt);
    let ds = rt.block_on(async {
        let store = SqliteStore::open(&store_path).await.expect("store");
        Dataset::load(Arc::new(store)).await.expect("load")
    });
    let addresses = ds.layer(Layer::Addresses).expect("addresses");
    let buildings = ds.layer(Layer::Buildings).expect("buildings");
    // Query points spread over the built-up area, deterministic.
    let ext = buildings.extent().expect("extent");
    let points: Vec<(f64, f64)> = (0..1024)
        .map(|i| {
            let fx = ((i * 7919) % 1024) as f64 / 1024.0;
            let fy = ((i * 104_729) % 1024) as f64 / 1024.0;
            (
                ext.min().x + fx * ext.width(),
                ext.min().y + fy * ext.height(),
            )
        })
        .collect();
    let mut i = 0usize;
    let mut next = || {
        i = (i + 1) % points.len();
        points[i]
    };
    let mut g = c.benchmark_group("query_region");
    g.bench_function("bbox_200m_buildings", |b| {
        b.iter(|| {
            let (x, y) = next();
            buildings
                .in_bbox(Rect::new((x, y), (x + 200.0, y + 200.0)))
                .len()
        })
    });
    g.bench_function("nearest_5_addresses", |b| {
        b.iter(|| {
            let (x, y) = next();
            addresses.nearest(x, y, 5, None).len()
        })
    });
    g.bench_function("at_point", |b| {
        b.iter(|| {
            let (x, y) = next();
            let at = ds.at_point(x, y);
            at.municipality.is_some() as u8 + at.building.is_some() as u8
        })
    });
    g.finish();
}

fn shared_centre() -> Option<PathBuf> {
    let p = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../shared/data/urbis/UrbISVector_centre_31370.gpkg");
    p.exists().then_some(p)
}

fn import_centre(c: &mut Criterion) {
    let Some(src) = shared_centre() else {
        eprintln!("skipped import_centre: ../shared not found");
        return;
    };
    let rt = runtime();
    let mut g = c.benchmark_group("import");
    g.sample_size(10).measurement_time(Duration::from_secs(30));
    g.bench_function("centre_gpkg", |b| {
        b.iter_batched(
            || tempfile::tempdir().expect("tempdir"),
            |dir| {
                rt.block_on(async {
                    let store = SqliteStore::open(&dir.path().join("urbis.sqlite"))
                        .await
                        .expect("store");
                    import_path(
                        Arc::new(store.clone()),
                        &src,
                        &ImportOptions::default(),
                        &mut |_| {},
                    )
                    .await
                    .expect("import")
                });
                dir
            },
            BatchSize::PerIteration,
        )
    });
    g.finish();
}

criterion_group!(benches, import_centre, startup, queries);
criterion_main!(benches);
