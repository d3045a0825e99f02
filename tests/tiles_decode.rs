//! Our vector tiles decoded by an independent decoder: Python's `mapbox-vector-tile` (PyPI) and
//! shapely check every tile of the composite `urbis` tileset over the real centre of Brussels at
//! z12–z16 (fetched as MapLibre does, with `Accept-Encoding: gzip`): protobuf structure, unique
//! layer names, keys and values, well-formed commands, no repeated point, no zero-length line, no
//! degenerate ring, exterior rings clockwise in tile space (holes opposite), valid polygons, the
//! contract's attributes, at most 500 KB. Then the `?municipality=` filter, and generated data
//! for the parcels (the real extract has none). See `tests/python/check_mvt.py`.
//!
//! Needs `python3` with `mapbox-vector-tile` and `shapely` (`.ci/setup.d/tiles.sh`): skipped
//! with a message when missing, failed when missing under `CI=true`.

mod common;

use std::process::Command;

use common::{generate, import, root, shared, Server};
use serde_json::Value;

fn python_decoder() -> bool {
    let ok = Command::new("python3")
        .args(["-c", "import mapbox_vector_tile, shapely"])
        .status()
        .is_ok_and(|s| s.success());
    if !ok {
        let msg = "python3 with mapbox-vector-tile and shapely is not installed \
                   (pip install mapbox-vector-tile shapely; .ci/setup.d/tiles.sh)";
        if std::env::var("CI").is_ok_and(|v| v == "true") {
            panic!("CI=true but {msg}");
        }
        eprintln!("skipped: {msg}");
    }
    ok
}

/// Run the checker; panics with every violation when it fails; returns its summary.
fn check(server: &Server, args: &[&str]) -> Value {
    let out = Command::new("python3")
        .arg(root().join("tests/python/check_mvt.py"))
        .arg(&server.base)
        .args(args)
        .output()
        .expect("run check_mvt.py");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    eprintln!("check_mvt.py {args:?}: {stdout}");
    assert!(
        out.status.success(),
        "tiles failed the independent check ({args:?}):\n{stderr}\n{stdout}"
    );
    serde_json::from_str(stdout.trim().lines().last().unwrap_or("")).expect("summary JSON")
}

fn count(summary: &Value, layer: &str) -> u64 {
    summary["features"][layer].as_u64().unwrap_or(0)
}

#[test]
fn real_centre_tiles_decode_valid() {
    if !python_decoder() {
        return;
    }
    let Some(gpkg) = shared("data/urbis/UrbISVector_centre_31370.gpkg") else {
        return;
    };
    let dir = tempfile::tempdir().expect("tempdir");
    import(dir.path(), &gpkg);
    let server = Server::start(dir.path());

    // Every tile over the real centre (lon 4.319–4.399, lat 50.801–50.866) at z12–z16.
    let all = check(
        &server,
        &[
            "--bbox",
            "4.319,50.801,4.399,50.866",
            "--minzoom",
            "12",
            "--maxzoom",
            "16",
        ],
    );
    let tiles = all["tiles"].as_u64().unwrap_or(0);
    assert!(tiles >= 50, "{all}");
    assert!(all["status"]["200"].as_u64().unwrap_or(0) >= 50, "{all}");
    for layer in ["addresses", "buildings", "streets", "municipalities"] {
        assert!(count(&all, layer) > 0, "no {layer} in any tile: {all}");
    }
    // Dense tiles were among them: the Pentagon's z16 tiles hold hundreds of buildings each.
    assert!(count(&all, "buildings") > 18_000, "{all}");
    assert!(all["rings"]["interior"].as_u64().unwrap_or(0) > 0, "{all}");
    assert!(
        all["content_encoding"]["gzip"].as_u64().unwrap_or(0) > 0,
        "tiles are gzipped when the client accepts gzip: {all}"
    );

    // One municipality (Brussels, NIS 21004): fewer addresses, and still valid tiles.
    let one = check(
        &server,
        &[
            "--bbox",
            "4.340,50.835,4.365,50.855",
            "--minzoom",
            "16",
            "--maxzoom",
            "16",
            "--query",
            "municipality=21004",
        ],
    );
    let whole = check(
        &server,
        &[
            "--bbox",
            "4.340,50.835,4.365,50.855",
            "--minzoom",
            "16",
            "--maxzoom",
            "16",
        ],
    );
    assert!(count(&one, "addresses") > 0, "{one}");
    assert!(
        count(&one, "addresses") <= count(&whole, "addresses")
            && count(&one, "municipalities") <= count(&whole, "municipalities"),
        "filtered {one} vs whole {whole}"
    );
}

#[test]
fn generated_parcels_decode_valid() {
    if !python_decoder() {
        return;
    }
    let dir = tempfile::tempdir().expect("tempdir");
    let gpkg = dir.path().join("gen.gpkg");
    generate(&gpkg, 0.02);
    import(dir.path(), &gpkg);
    let server = Server::start(dir.path());
    let s = check(
        &server,
        &["--minzoom", "12", "--maxzoom", "16", "--max-per-zoom", "40"],
    );
    assert!(count(&s, "parcels") > 0, "no parcel in any tile: {s}");
    assert!(count(&s, "buildings") > 0, "{s}");
}
