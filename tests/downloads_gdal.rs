//! Downloads through the system GDAL (`--features gdal`): DXF, GML and an OGR driver by name,
//! read back by `ogrinfo` on the real centre data. Run by `.ci/extra.d/gdal.sh`:
//! `cargo test --features gdal --test downloads_gdal`.
#![cfg(feature = "gdal")]

mod common;

use std::path::Path;
use std::process::Command;

use common::{import, shared, tool, urbis, Server};

const CENTRE: &str = "data/urbis/UrbISVector_centre_31370.gpkg";

fn ogrinfo(args: &[&str]) -> String {
    let out = Command::new("ogrinfo")
        .args(args)
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

fn count(text: &str) -> u64 {
    text.lines()
        .find_map(|l| l.strip_prefix("Feature Count: "))
        .and_then(|n| n.trim().parse().ok())
        .unwrap_or_else(|| panic!("no feature count:\n{text}"))
}

async fn save(server: &Server, path: &str, to: &Path) {
    let resp = reqwest::get(server.url(path)).await.expect("request");
    let status = resp.status().as_u16();
    let body = resp.bytes().await.expect("body");
    assert_eq!(
        status,
        200,
        "{path}: {}",
        String::from_utf8_lossy(&body[..body.len().min(500)])
    );
    std::fs::write(to, &body).expect("write");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dxf_gml_and_ogr_drivers_read_back_in_gdal() {
    let Some(src) = shared(CENTRE) else {
        return;
    };
    if !tool("ogrinfo") {
        return;
    }
    let dir = tempfile::tempdir().expect("tempdir");
    import(dir.path(), &src);
    let server = Server::start(dir.path());
    let out = tempfile::tempdir().expect("tempdir");

    // The listing offers DXF and GML in this build.
    let (_, _, listing) = server.get_json("/downloads").await;
    let ids: Vec<&str> = listing["formats"]
        .as_array()
        .expect("formats")
        .iter()
        .filter_map(|f| f["id"].as_str())
        .collect();
    assert!(ids.contains(&"dxf") && ids.contains(&"gml"), "{ids:?}");

    // DXF: every building as an entity (no attributes, no CRS in the format).
    let dxf = out.path().join("buildings.dxf");
    save(&server, "/downloads/buildings.dxf", &dxf).await;
    let text = ogrinfo(&["-ro", "-al", "-so", dxf.to_str().expect("utf-8")]);
    assert_eq!(count(&text), 18_544, "{text}");

    // GML 3.2 in Lambert 2008: count, CRS and attributes.
    let gml = out.path().join("streets.gml");
    save(&server, "/downloads/streets.gml?crs=3812", &gml).await;
    let text = ogrinfo(&["-ro", "-al", "-so", gml.to_str().expect("utf-8")]);
    assert_eq!(count(&text), 2_483, "{text}");
    assert!(text.contains("ID[\"EPSG\",3812]"), "{text}");
    for field in ["INSPIRE_ID", "TYPE", "STRNAMEFRE", "STRNAMEDUT", "LENGTH"] {
        assert!(text.contains(&format!("{field}: ")), "{field}:\n{text}");
    }

    // Any OGR driver by name, zipped: MapInfo TAB (several files per layer).
    let tab = out.path().join("municipalities.zip");
    save(
        &server,
        "/downloads/municipalities.zip?format=ogr:MapInfo%20File&municipality=Ixelles",
        &tab,
    )
    .await;
    let text = ogrinfo(&[
        "-ro",
        "-al",
        "-so",
        &format!("/vsizip/{}/Municipalities.tab", tab.display()),
    ]);
    assert!(count(&text) >= 1, "{text}");
    assert!(text.contains("NAMEFRE"), "{text}");

    // An unknown driver is a 400 naming the drivers.
    let (status, ct, body) = server
        .get_json("/downloads/buildings.zip?format=ogr:NoSuchDriver")
        .await;
    assert_eq!(status, 400, "{body}");
    assert_eq!(ct, "application/problem+json");
    assert!(
        body["detail"].as_str().unwrap_or_default().contains("GPKG"),
        "{body}"
    );

    // The CLI writes DXF too.
    let cli = out.path().join("cli.dxf");
    let o = urbis(
        dir.path(),
        &[
            "export",
            "--layer",
            "streets",
            "--format",
            "dxf",
            "--municipality",
            "Bruxelles",
            cli.to_str().expect("utf-8"),
        ],
    );
    assert!(String::from_utf8_lossy(&o.stdout).contains("streets"));
    let text = ogrinfo(&["-ro", "-al", "-so", cli.to_str().expect("utf-8")]);
    assert!(count(&text) > 100, "{text}");
}
