//! Render time of the urbis tile encoder for a list of tiles, one thread, in process (the
//! counterpart of PostGIS's in-server timing in `benches/tiles_vs_postgis.sh`, which runs it).
//!
//!   TILES_STORE=<data dir with urbis.sqlite> TILES_LIST=<tiles.txt: "z x y" lines>
//!   TILES_OUT=<out.csv> cargo bench --bench tiles_render
//!
//! Loads the store's live generation into the in-memory dataset, prepares it for tiling (as the
//! server does at start-up), renders every tile once as a warm-up and then once timed, composite
//! `urbis` tileset (or TILES_TILESET), WebMercatorQuad, no cache, and writes `z,x,y,status,ms,bytes` per tile
//! (status 204 for an empty tile) for `benches/tiles/tiles.py stats`.

use std::io::Write;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Instant;

use tile_server::render::{render, Budget, TileId, Tileset};
use tile_server::source::Prepared;
use tile_server::tms::Tms;
use urbis_core::store::SqliteStore;
use urbis_core::{CrsEngine, Dataset};

/// The same allocator as the `urbis` binary.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn env_path(name: &str) -> Option<PathBuf> {
    std::env::var_os(name).map(PathBuf::from)
}

fn main() {
    let (Some(store), Some(list), Some(out)) = (
        env_path("TILES_STORE"),
        env_path("TILES_LIST"),
        env_path("TILES_OUT"),
    ) else {
        eprintln!(
            "tiles_render: set TILES_STORE, TILES_LIST and TILES_OUT (benches/tiles_vs_postgis.sh does)"
        );
        return;
    };
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("runtime");
    let ds = rt.block_on(async {
        let store = SqliteStore::open(&store.join("urbis.sqlite"))
            .await
            .expect("open the store");
        Dataset::load(Arc::new(store))
            .await
            .expect("load the dataset")
    });
    let t0 = Instant::now();
    let prep = Prepared::build(Arc::new(ds), &CrsEngine::helmert());
    eprintln!(
        "tiles_render: prepared the dataset for tiling in {:.2} s",
        t0.elapsed().as_secs_f64()
    );
    let text = std::fs::read_to_string(&list).expect("read the tile list");
    let tiles: Vec<(u8, u32, u32)> = text
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| {
            let v: Vec<u32> = l
                .split_whitespace()
                .map(|n| n.parse().expect("tile list: z x y"))
                .collect();
            (v[0] as u8, v[1], v[2])
        })
        .collect();
    // TILES_TILESET: another tileset than the composite `urbis` (to see where time goes).
    let tileset = std::env::var("TILES_TILESET").unwrap_or_else(|_| "urbis".into());
    let layers = Tileset::find(&tileset)
        .expect("TILES_TILESET: no such tileset")
        .layers;
    let run = |keep: bool| {
        let mut rows = Vec::with_capacity(tiles.len());
        for &(z, x, y) in &tiles {
            let t = Instant::now();
            let r = render(
                &prep,
                TileId::new(Tms::WebMercatorQuad, z, x, y),
                layers,
                None,
                Budget::default(),
            );
            let ms = t.elapsed().as_secs_f64() * 1000.0;
            if keep {
                rows.push((z, x, y, ms, r.bytes.len()));
            }
        }
        rows
    };
    run(false);
    let rows = run(true);
    let mut f = std::io::BufWriter::new(std::fs::File::create(&out).expect("create TILES_OUT"));
    for (z, x, y, ms, bytes) in rows {
        let status = if bytes > 0 { 200 } else { 204 };
        writeln!(f, "{z},{x},{y},{status},{ms:.4},{bytes}").expect("write");
    }
}
