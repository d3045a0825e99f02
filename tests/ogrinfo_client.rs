//! A real client: GDAL's OGC API Features driver (`ogrinfo OAPIF:`) reads our endpoint.

mod common;

use std::process::Command;

use common::{generate, import, tool, Server};

fn ogrinfo(args: &[&str]) -> String {
    let out = Command::new("ogrinfo")
        .args(args)
        .env("GDAL_HTTP_TIMEOUT", "60")
        .output()
        .expect("run ogrinfo");
    let stdout = String::from_utf8_lossy(&out.stdout).to_string();
    assert!(
        out.status.success(),
        "ogrinfo {args:?} failed:\n{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    stdout
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn gdal_oapif_lists_collections_and_counts_features() {
    if !tool("ogrinfo") {
        return;
    }
    let dir = tempfile::tempdir().expect("tempdir");
    let gpkg = dir.path().join("sample.gpkg");
    generate(&gpkg, 0.01);
    let summary = import(dir.path(), &gpkg);
    let municipalities = summary["layers"]["municipalities"]["imported"]
        .as_u64()
        .expect("n");
    let streets = summary["layers"]["streets"]["imported"]
        .as_u64()
        .expect("n");
    let server = Server::start(dir.path());
    let ds = format!("OAPIF:{}/ogc", server.base);

    let list = ogrinfo(&["-ro", "-q", &ds]);
    for layer in [
        "addresses",
        "buildings",
        "parcels",
        "streets",
        "municipalities",
    ] {
        assert!(list.contains(layer), "{layer} missing from:\n{list}");
    }

    let info = ogrinfo(&["-ro", "-so", &ds, "municipalities"]);
    assert!(
        info.contains(&format!("Feature Count: {municipalities}")),
        "expected {municipalities} municipalities:\n{info}"
    );
    assert!(info.contains("NAMEFRE"), "{info}");

    // Reading every feature through paging gives the same count.
    let all = ogrinfo(&["-ro", "-al", "-q", &ds, "streets"]);
    let n = all.matches("OGRFeature(streets)").count() as u64;
    assert_eq!(n, streets, "ogrinfo paged through {n} of {streets} streets");
}
