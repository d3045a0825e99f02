//! `urbis tiles seed` to PMTiles and MBTiles on the real centre: header and metadata, the TMS
//! row flip, tile contents identical to the live server's, valid polygons in every seeded tile,
//! and the server serving the files as tilesets.

mod common;

use std::path::Path;

use common::{import, shared, urbis, Server};
use geo::{LineString, MultiPolygon, Polygon, Validation};
use sqlx::sqlite::SqliteConnectOptions;
use sqlx::{ConnectOptions, Row};
use tile_server::archive::{Archive, PmHeader};
use tile_server::cache::gunzip;
use tile_server::mvt::{decode, ring_area2, DecodedFeature};

const BBOX: &str = "4.345,50.842,4.360,50.850";

fn seed(dir: &Path, out: &Path, args: &[&str]) -> String {
    let mut all = vec!["tiles", "seed", "--out", out.to_str().expect("utf-8")];
    all.extend_from_slice(args);
    let o = urbis(dir, &all);
    String::from_utf8_lossy(&o.stdout).into_owned()
}

/// Polygons of a decoded feature, as geo types in tile coordinates (exterior, then holes).
fn polygons(f: &DecodedFeature) -> MultiPolygon<f64> {
    let ring = |r: &Vec<[i32; 2]>| {
        LineString::from(
            r.iter()
                .map(|p| (p[0] as f64, p[1] as f64))
                .collect::<Vec<_>>(),
        )
    };
    let mut polys: Vec<Polygon<f64>> = Vec::new();
    for part in &f.parts {
        if ring_area2(part) > 0 {
            polys.push(Polygon::new(ring(part), vec![]));
        } else {
            let last = polys.last_mut().expect("a hole follows an exterior ring");
            last.interiors_push(ring(part));
        }
    }
    MultiPolygon::new(polys)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn seed_pmtiles_and_mbtiles_then_serve_them() {
    let Some(gpkg) = shared("data/urbis/UrbISVector_centre_31370.gpkg") else {
        return;
    };
    let dir = tempfile::tempdir().expect("tempdir");
    import(dir.path(), &gpkg);
    let pm = dir.path().join("centre.pmtiles");
    let mb = dir.path().join("centre.mbtiles");
    let report = seed(
        dir.path(),
        &pm,
        &["--minzoom", "10", "--maxzoom", "16", "--bbox", BBOX],
    );
    assert!(report.contains("tiles written"), "{report}");
    seed(
        dir.path(),
        &mb,
        &[
            "--minzoom",
            "10",
            "--maxzoom",
            "16",
            "--bbox",
            BBOX,
            "--threads",
            "1",
        ],
    );

    // PMTiles header: v3, MVT, gzip, zooms and bounds as asked.
    let bytes = std::fs::read(&pm).expect("read pmtiles");
    assert_eq!(&bytes[..7], b"PMTiles");
    let h = PmHeader::parse(&bytes).expect("header");
    assert_eq!(
        (h.tile_type, h.tile_compression, h.internal_compression),
        (1, 2, 2)
    );
    assert_eq!((h.min_zoom, h.max_zoom), (10, 16));
    for (got, want) in h.bounds.iter().zip([4.345, 50.842, 4.360, 50.850]) {
        assert!((got - want).abs() < 1e-6, "{:?}", h.bounds);
    }
    assert!(h.root_offset == 127 && h.root_offset + h.root_length <= 16_384);

    // MBTiles metadata and the TMS row of a known tile.
    let mut conn = SqliteConnectOptions::new()
        .filename(&mb)
        .read_only(true)
        .connect()
        .await
        .expect("open mbtiles");
    let meta: Vec<(String, String)> = sqlx::query_as("SELECT name, value FROM metadata")
        .fetch_all(&mut conn)
        .await
        .expect("metadata");
    let get = |k: &str| {
        meta.iter()
            .find(|(n, _)| n == k)
            .map(|(_, v)| v.clone())
            .unwrap_or_else(|| panic!("metadata {k} missing"))
    };
    assert_eq!(get("format"), "pbf");
    assert_eq!(get("name"), "urbis");
    assert_eq!(get("minzoom"), "10");
    assert_eq!(get("maxzoom"), "16");
    assert_eq!(get("bounds"), "4.345,50.842,4.36,50.85");
    assert_eq!(get("center").split(',').count(), 3);
    let json: serde_json::Value = serde_json::from_str(&get("json")).expect("json metadata");
    let ids: Vec<&str> = json["vector_layers"]
        .as_array()
        .expect("vector_layers")
        .iter()
        .map(|l| l["id"].as_str().expect("id"))
        .collect();
    assert_eq!(
        ids,
        [
            "municipalities",
            "parcels",
            "buildings",
            "streets",
            "addresses"
        ]
    );
    let row = sqlx::query(
        "SELECT tile_data FROM tiles WHERE zoom_level = 16 AND tile_column = 33560 AND tile_row = ?",
    )
    .bind((1i64 << 16) - 1 - 21984)
    .fetch_one(&mut conn)
    .await
    .expect("z16 tile stored with the TMS row");
    let gz: Vec<u8> = row.get(0);
    assert_eq!(&gz[..2], &[0x1f, 0x8b], "gzip tile_data");
    let seeded = gunzip(&gz, 1 << 24).expect("gunzip");
    let unflipped: Option<(i64,)> = sqlx::query_as(
        "SELECT zoom_level FROM tiles WHERE zoom_level = 16 AND tile_column = 33560 AND tile_row = 21984",
    )
    .fetch_optional(&mut conn)
    .await
    .expect("query");
    assert!(unflipped.is_none(), "rows are TMS, not XYZ");
    let count: (i64,) = sqlx::query_as("SELECT count(*) FROM tiles")
        .fetch_one(&mut conn)
        .await
        .expect("count");

    // Every seeded tile decodes, within the budget, with valid clockwise polygons.
    let all = sqlx::query("SELECT zoom_level, tile_data FROM tiles")
        .fetch_all(&mut conn)
        .await
        .expect("tiles");
    let mut polygons_checked = 0;
    for r in &all {
        let z: i64 = r.get(0);
        let data: Vec<u8> = r.get(1);
        let raw = gunzip(&data, 1 << 24).expect("gunzip");
        assert!(raw.len() <= 500_000, "z{z} tile of {} bytes", raw.len());
        for l in decode(&raw).expect("valid MVT") {
            if z < 16 {
                assert_ne!(l.name, "addresses", "addresses only at z16");
            }
            if z < 13 {
                assert_ne!(l.name, "buildings", "buildings from z13");
            }
            for f in l.features.iter().filter(|f| f.kind == 3) {
                assert!(
                    ring_area2(&f.parts[0]) > 0,
                    "z{z} {}: first ring not exterior",
                    l.name
                );
                let mp = polygons(f);
                assert!(
                    mp.is_valid(),
                    "z{z} {} feature {:?}: invalid polygon {:?}: {mp:?}",
                    l.name,
                    f.id,
                    mp.check_validation()
                );
                polygons_checked += 1;
            }
        }
    }
    assert!(polygons_checked > 1000, "{polygons_checked}");

    // The same tiles from our PMTiles reader.
    let a = Archive::open(&pm).await.expect("open pmtiles");
    let t = a
        .tile(16, 33560, 21984)
        .await
        .expect("read")
        .expect("present");
    assert_eq!(gunzip(&t, 1 << 24).expect("gunzip"), seeded);

    // Served as tilesets, they match the live tiles.
    let files = format!("centre-pm={};centre-mb={}", pm.display(), mb.display());
    let server = Server::start_with(dir.path(), &[("URBIS_TILES_FILES", &files)]);
    let (_, _, cat) = server.get_json("/tiles").await;
    let ids: Vec<&str> = cat["tilesets"]
        .as_array()
        .expect("tilesets")
        .iter()
        .map(|t| t["id"].as_str().expect("id"))
        .collect();
    assert!(
        ids.contains(&"centre-pm") && ids.contains(&"centre-mb"),
        "{ids:?}"
    );
    let live = reqwest::get(server.url("/tiles/urbis/16/33560/21984.mvt"))
        .await
        .expect("live")
        .bytes()
        .await
        .expect("body");
    assert_eq!(live.to_vec(), seeded, "seeded tile equals the live tile");
    for name in ["centre-pm", "centre-mb"] {
        let (status, _, tj) = server.get_json(&format!("/tiles/{name}.json")).await;
        assert_eq!(status, 200);
        assert_eq!(tj["tilejson"], "3.0.0");
        assert_eq!(
            (tj["minzoom"].as_u64(), tj["maxzoom"].as_u64()),
            (Some(10), Some(16))
        );
        assert_eq!(
            tj["tiles"][0],
            server.url(&format!("/tiles/{name}/{{z}}/{{x}}/{{y}}.mvt"))
        );
        assert_eq!(tj["vector_layers"].as_array().map(|v| v.len()), Some(5));

        let client = reqwest::Client::new();
        let r = client
            .get(server.url(&format!("/tiles/{name}/16/33560/21984.mvt")))
            .header("accept-encoding", "gzip")
            .send()
            .await
            .expect("tile");
        assert_eq!(r.status().as_u16(), 200);
        assert_eq!(
            r.headers()
                .get("content-encoding")
                .and_then(|v| v.to_str().ok()),
            Some("gzip")
        );
        let body = r.bytes().await.expect("body");
        assert_eq!(gunzip(&body, 1 << 24).expect("gunzip"), seeded);
        // Outside the seeded zooms / bounds.
        for (path, status) in [
            (format!("/tiles/{name}/9/262/171.mvt"), 404),
            (format!("/tiles/{name}/16/0/0.mvt"), 404),
            (format!("/tiles/{name}/16/x/0.mvt"), 400),
        ] {
            let r = reqwest::get(server.url(&path)).await.expect("request");
            assert_eq!(r.status().as_u16(), status, "{path}");
        }
    }
    assert!(count.0 > 20, "{} tiles", count.0);
}

#[test]
fn seed_rejects_bad_arguments() {
    let dir = tempfile::tempdir().expect("tempdir");
    for args in [
        vec!["--bbox", "1,2,3"],
        vec!["--tileset", "roads"],
        vec!["--minzoom", "12", "--maxzoom", "10"],
    ] {
        let out = std::process::Command::new(common::urbis_bin())
            .arg("--data-dir")
            .arg(dir.path())
            .args(["tiles", "seed", "--out"])
            .arg(dir.path().join("x.pmtiles"))
            .args(&args)
            .env("URBIS_SAMPLE", "")
            .output()
            .expect("run");
        assert!(!out.status.success(), "{args:?} accepted");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains("error"), "{args:?}: {err}");
    }
}
