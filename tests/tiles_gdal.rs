//! A real client: GDAL's MVT and MBTiles drivers read our tiles, our TileJSON and our seeded
//! MBTiles, and the features GDAL finds in a known z16 tile match a count made from the core.

mod common;

use std::process::Command;
use std::sync::Arc;

use common::{import, shared, tool, urbis, Server};
use urbis_core::store::SqliteStore;
use urbis_core::{Crs, CrsEngine, Dataset, Layer};

fn ogrinfo(args: &[&str]) -> String {
    let out = Command::new("ogrinfo")
        .args(args)
        .output()
        .expect("run ogrinfo");
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(
        out.status.success(),
        "ogrinfo {args:?} failed:\n{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    stdout
}

fn layers_listed(out: &str) -> Vec<String> {
    out.lines()
        .filter_map(|l| {
            let (n, rest) = l.split_once(": ")?;
            n.trim().parse::<u32>().ok()?;
            Some(rest.split(' ').next().unwrap_or(rest).to_string())
        })
        .collect()
}

fn feature_count(out: &str) -> u64 {
    out.lines()
        .find_map(|l| l.strip_prefix("Feature Count: "))
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or_else(|| panic!("no feature count in\n{out}"))
}

const Z: u8 = 16;
const X: u32 = 33560;
const Y: u32 = 21984;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn gdal_reads_tiles_tilejson_and_mbtiles() {
    let Some(gpkg) = shared("data/urbis/UrbISVector_centre_31370.gpkg") else {
        return;
    };
    if !tool("ogrinfo") {
        return;
    }
    let dir = tempfile::tempdir().expect("tempdir");
    import(dir.path(), &gpkg);
    let server = Server::start(dir.path());

    // One tile saved as {z}/{x}/{y}.pbf, so GDAL georeferences it in EPSG:3857.
    let tile_dir = dir.path().join(format!("tiles/{Z}/{X}"));
    std::fs::create_dir_all(&tile_dir).expect("mkdir");
    let body = reqwest::get(server.url(&format!("/tiles/urbis/{Z}/{X}/{Y}.mvt")))
        .await
        .expect("tile")
        .bytes()
        .await
        .expect("body");
    let tile = tile_dir.join(format!("{Y}.pbf"));
    std::fs::write(&tile, &body).expect("write tile");
    let tile = tile.to_str().expect("utf-8");

    let out = ogrinfo(&["-ro", "-so", tile]);
    assert!(out.contains("using driver `MVT'"), "{out}");
    assert_eq!(
        layers_listed(&out),
        ["municipalities", "buildings", "streets", "addresses"]
    );

    // The count from the core: addresses whose position, snapped to the 4096 grid of this
    // tile, lies in the tile (what GDAL returns with its default CLIP=YES), and those in the
    // tile plus its 64-unit buffer (what the layer holds: GDAL's feature count).
    let store = SqliteStore::open(&dir.path().join("urbis.sqlite"))
        .await
        .expect("store");
    let ds = Dataset::load(Arc::new(store)).await.expect("dataset");
    let to_merc = CrsEngine::helmert()
        .transformer(Crs::Lambert72, Crs::WebMercator)
        .expect("transformer");
    let half = 20_037_508.342_789_244_f64;
    let size = 2.0 * half / (1u64 << Z) as f64;
    let (minx, maxy) = (-half + X as f64 * size, half - Y as f64 * size);
    let (mut strict, mut buffered) = (0u64, 0u64);
    for f in ds.layer(Layer::Addresses).expect("addresses").features() {
        let geo::Geometry::Point(p) = &f.geometry else {
            continue;
        };
        let (x, y) = to_merc.transform(p.x(), p.y()).expect("transform");
        let tx = (x - minx) / size * 4096.0;
        let ty = (maxy - y) / size * 4096.0;
        if (0.0..=4096.0).contains(&tx.round()) && (0.0..=4096.0).contains(&ty.round()) {
            strict += 1;
        }
        if (-64.0..=4160.0).contains(&tx) && (-64.0..=4160.0).contains(&ty) {
            buffered += 1;
        }
    }
    assert!(strict > 100, "{strict}");
    let out = ogrinfo(&["-ro", "-so", tile, "addresses"]);
    assert_eq!(feature_count(&out), buffered, "{out}");
    let out = ogrinfo(&["-ro", "-al", "-q", tile, "addresses"]);
    let points = out
        .lines()
        .filter(|l| l.trim().starts_with("POINT ("))
        .count() as u64;
    assert_eq!(points, strict, "addresses GDAL finds inside the tile");
    assert!(out.contains("housenumber (String) = "), "attributes read");

    // The TileJSON as the metadata of a remote tileset (zoom level 16).
    let base = format!("/vsicurl/{}", server.url("/tiles/urbis"));
    let meta = format!("METADATA_FILE=/vsicurl/{}", server.url("/tiles/urbis.json"));
    let out = ogrinfo(&[
        "-ro",
        "-so",
        &format!("MVT:{base}/16"),
        "-oo",
        &meta,
        "-oo",
        "TILE_EXTENSION=mvt",
    ]);
    assert_eq!(
        layers_listed(&out),
        [
            "municipalities",
            "parcels",
            "buildings",
            "streets",
            "addresses"
        ],
        "{out}"
    );

    // The tileset as a tree of files over HTTP (directory listings at /tiles/urbis/{z}/ and
    // /tiles/urbis/{z}/{x}/, byte ranges on tiles): GDAL walks every tile of a zoom level and
    // reads its features; per layer, as many as our own decoder finds in the listed tiles.
    let out = ogrinfo(&[
        "-ro",
        "-so",
        "-al",
        &format!("MVT:{base}/{Z}"),
        "-oo",
        &meta,
        "-oo",
        "TILE_EXTENSION=mvt",
    ]);
    let gdal_counts: std::collections::BTreeMap<String, u64> = out
        .split("Layer name: ")
        .skip(1)
        .map(|part| {
            let name = part.lines().next().unwrap_or("").trim().to_string();
            (name, feature_count(part))
        })
        .collect();
    let client = reqwest::Client::new();
    let get_text = |path: String| {
        let client = client.clone();
        let url = server.url(&path);
        async move {
            let r = client.get(&url).send().await.expect("listing");
            assert_eq!(r.status(), 200, "{url}");
            r.text().await.expect("listing text")
        }
    };
    let hrefs = |html: &str| -> Vec<String> {
        html.split("<a href=\"")
            .skip(1)
            .filter_map(|s| s.split('"').next().map(str::to_string))
            .collect()
    };
    let mut ours: std::collections::BTreeMap<String, u64> = Default::default();
    let mut tiles = 0;
    for col in hrefs(&get_text(format!("/tiles/urbis/{Z}/")).await) {
        for row in hrefs(&get_text(format!("/tiles/urbis/{Z}/{col}")).await) {
            let r = client
                .get(server.url(&format!("/tiles/urbis/{Z}/{col}{row}")))
                .send()
                .await
                .expect("tile");
            if r.status() != 200 {
                assert_eq!(r.status(), 204);
                continue;
            }
            tiles += 1;
            let bytes = r.bytes().await.expect("tile body");
            for l in tile_server::mvt::decode(&bytes).expect("decodes") {
                *ours.entry(l.name).or_default() += l.features.len() as u64;
            }
        }
    }
    assert!(tiles > 100, "{tiles} tiles listed with data");
    assert!(ours["addresses"] > 30_000, "{ours:?}");
    for (layer, n) in &ours {
        assert_eq!(gdal_counts.get(layer), Some(n), "{layer}: {out}");
    }
    // A range of a tile, as /vsicurl/ reads files.
    let r = client
        .get(server.url(&format!("/tiles/urbis/{Z}/{X}/{Y}.mvt")))
        .header("range", "bytes=0-99")
        .send()
        .await
        .expect("range");
    assert_eq!(r.status(), 206);
    let total = body.len();
    assert_eq!(
        r.headers()["content-range"].to_str().expect("ascii"),
        format!("bytes 0-99/{total}")
    );
    assert_eq!(&r.bytes().await.expect("part")[..], &body[..100]);

    // A seeded MBTiles file.
    let mb = dir.path().join("centre.mbtiles");
    urbis(
        dir.path(),
        &[
            "tiles",
            "seed",
            "--minzoom",
            "14",
            "--maxzoom",
            "16",
            "--bbox",
            "4.348,50.844,4.356,50.849",
            "--out",
            mb.to_str().expect("utf-8"),
        ],
    );
    let mb = mb.to_str().expect("utf-8");
    let out = ogrinfo(&["-ro", "-so", mb]);
    assert!(out.contains("using driver `MBTiles'"), "{out}");
    assert!(out.contains("format=pbf"), "{out}");
    assert_eq!(
        layers_listed(&out),
        [
            "municipalities",
            "parcels",
            "buildings",
            "streets",
            "addresses"
        ]
    );
    let out = ogrinfo(&["-ro", "-so", mb, "addresses"]);
    assert!(feature_count(&out) > 100, "{out}");
    let out = ogrinfo(&["-ro", "-so", mb, "buildings"]);
    assert!(feature_count(&out) > 100, "{out}");
}
