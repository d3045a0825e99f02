//! `urbis import` from every supported source kind: official distribution zip, GeoJSON, an
//! http URL (served on 127.0.0.1), and clear errors for bad input.

mod common;

use std::io::Write;
use std::process::Command;

use common::{generate, import, urbis_bin};

fn imported(summary: &serde_json::Value, layer: &str) -> u64 {
    summary["layers"][layer]["imported"].as_u64().unwrap_or(0)
}

#[test]
fn official_distribution_zip_layout() {
    let dir = tempfile::tempdir().expect("tempdir");
    let gpkg = dir.path().join("sample.gpkg");
    generate(&gpkg, 0.01);
    let direct = import(&dir.path().join("a"), &gpkg);

    // UrbISVector_31370_GPKG_04000_<date>.zip holding gpkg/UrbISVector_04000.gpkg
    let zip_path = dir.path().join("UrbISVector_31370_GPKG_04000_20251004.zip");
    let file = std::fs::File::create(&zip_path).expect("create zip");
    let mut zw = zip::ZipWriter::new(file);
    zw.start_file(
        "gpkg/UrbISVector_04000.gpkg",
        zip::write::SimpleFileOptions::default(),
    )
    .expect("entry");
    zw.write_all(&std::fs::read(&gpkg).expect("read gpkg"))
        .expect("write entry");
    zw.finish().expect("finish zip");

    let zipped = import(&dir.path().join("b"), &zip_path);
    for layer in [
        "addresses",
        "buildings",
        "parcels",
        "streets",
        "municipalities",
    ] {
        assert!(imported(&direct, layer) > 0, "{layer}");
        assert_eq!(
            imported(&zipped, layer),
            imported(&direct, layer),
            "{layer}"
        );
    }
}

#[test]
fn geojson_in_wgs84_is_transformed_to_lambert72() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("Municipalities.geojson");
    // A small square around the Grand-Place in WGS 84, with legacy attribute names.
    std::fs::write(
        &path,
        r#"{"type":"FeatureCollection","features":[{"type":"Feature","id":7,
            "properties":{"NAT_CODE":21004,"NAME_FRE":"Bruxelles","NAME_DUT":"Brussel"},
            "geometry":{"type":"Polygon","coordinates":[[[4.35,50.845],[4.355,50.845],[4.355,50.848],[4.35,50.848],[4.35,50.845]]]}}]}"#,
    )
    .expect("write");
    let summary = import(dir.path(), &path);
    assert_eq!(imported(&summary, "municipalities"), 1);
    let out = common::urbis(dir.path(), &["query", "at", "4.3525", "50.8467"]);
    let at: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    assert_eq!(at["municipality"]["id"], 7);
    assert_eq!(at["municipality"]["properties"]["NISCODE"], "21004");
    assert_eq!(at["municipality"]["properties"]["NAMEFRE"], "Bruxelles");
    // Lambert 72 of the Grand-Place: about (148,900, 170,800).
    let x = at["point_31370"][0].as_f64().expect("x");
    let y = at["point_31370"][1].as_f64().expect("y");
    assert!(
        (148_500.0..149_500.0).contains(&x) && (170_400.0..171_200.0).contains(&y),
        "{x} {y}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn import_from_an_http_url() {
    let dir = tempfile::tempdir().expect("tempdir");
    let gpkg = dir.path().join("sample.gpkg");
    generate(&gpkg, 0.01);
    let bytes = std::fs::read(&gpkg).expect("read");
    let app = axum::Router::new().route(
        "/UrbISVector_sample.gpkg",
        axum::routing::get(move || {
            let b = bytes.clone();
            async move { b }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr = listener.local_addr().expect("addr");
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    let url = format!("http://{addr}/UrbISVector_sample.gpkg");
    let data_dir = dir.path().join("store");
    let out = tokio::task::spawn_blocking(move || {
        Command::new(urbis_bin())
            .arg("--data-dir")
            .arg(&data_dir)
            .args(["import", &url, "--json"])
            .output()
            .expect("run")
    })
    .await
    .expect("join");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let summary: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    assert!(imported(&summary, "addresses") > 100);
    assert!(summary["source"]
        .as_str()
        .expect("source")
        .starts_with("http://127.0.0.1"));
}

#[test]
fn bad_sources_are_named_in_the_error() {
    let dir = tempfile::tempdir().expect("tempdir");
    for (name, content) in [
        ("notes.txt", &b"hello"[..]),
        (
            "broken.geojson",
            &b"{\"type\": \"FeatureCollection\", \"features\": [ {"[..],
        ),
        (
            "empty.zip",
            &b"PK\x05\x06\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0"[..],
        ),
    ] {
        let p = dir.path().join(name);
        std::fs::write(&p, content).expect("write");
        let out = Command::new(urbis_bin())
            .arg("--data-dir")
            .arg(dir.path().join("store"))
            .arg("import")
            .arg(&p)
            .output()
            .expect("run");
        assert!(!out.status.success(), "{name} was accepted");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains(name), "{name}: {err}");
        if name.ends_with(".geojson") {
            // The parser's position is reported.
            assert!(err.contains("line"), "{name}: {err}");
        }
    }
    let out = Command::new(urbis_bin())
        .arg("--data-dir")
        .arg(dir.path().join("store"))
        .args(["import", "/nonexistent/file.gpkg"])
        .output()
        .expect("run");
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("/nonexistent/file.gpkg"));
}
