//! The MapLibre styles, their glyphs and the `/map` page on the real server with the real centre
//! of Brussels: the styles pass the style specification's validator
//! (`@maplibre/maplibre-gl-style-spec`), and headless Chromium (Debian's, driven by
//! playwright-core) renders the map at the Grand-Place in both languages with no console error
//! and no failed request (`tests/browser/map.mjs`). Screenshots: `target/test-output/map-*.png`.
//!
//! Needs `node`, `/usr/bin/chromium` and `npm ci --prefix web` (see `.ci/setup.d/tiles.sh`):
//! skipped with a message when they are missing, failed when they are missing under `CI=true`.

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;

use common::{import, root, shared, tool, Server};

/// The npm-installed web assets, or `None` (skip; a failure under `CI=true`).
fn web_assets() -> Option<PathBuf> {
    let dir = root().join("web").join("node_modules");
    let needed = [
        "maplibre-gl/dist/maplibre-gl.js",
        "@maplibre/maplibre-gl-style-spec/package.json",
        "playwright-core/package.json",
        ".glyphs/Noto Sans Regular/0-255.pbf",
        ".glyphs/Noto Sans Bold/0-255.pbf",
    ];
    if let Some(missing) = needed.iter().find(|p| !dir.join(p).exists()) {
        let msg = format!(
            "{} is missing: run `npm ci --prefix web` (.ci/setup.d/tiles.sh)",
            dir.join(missing).display()
        );
        if std::env::var("CI").is_ok_and(|v| v == "true") {
            panic!("CI=true but {msg}");
        }
        eprintln!("skipped: {msg}");
        return None;
    }
    Some(dir)
}

fn chromium() -> bool {
    if Path::new("/usr/bin/chromium").exists() {
        return true;
    }
    if std::env::var("CI").is_ok_and(|v| v == "true") {
        panic!("CI=true but /usr/bin/chromium is missing (.ci/setup.d/tiles.sh installs it)");
    }
    eprintln!("skipped: /usr/bin/chromium is missing (apt-get install chromium)");
    false
}

/// A server on a store holding the real centre of Brussels.
fn centre_server() -> Option<(tempfile::TempDir, Server)> {
    let gpkg = shared("data/urbis/UrbISVector_centre_31370.gpkg")?;
    let dir = tempfile::tempdir().expect("tempdir");
    let summary = import(dir.path(), &gpkg);
    assert!(
        summary["layers"]["buildings"]["imported"]
            .as_u64()
            .unwrap_or(0)
            > 18_000,
        "{summary}"
    );
    let server = Server::start(dir.path());
    Some((dir, server))
}

async fn get(url: &str) -> reqwest::Response {
    reqwest::get(url).await.expect("request")
}

fn content_type(resp: &reqwest::Response) -> String {
    resp.headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_string()
}

fn node(args: &[&str]) -> std::process::Output {
    Command::new("node")
        .args(args)
        .current_dir(root())
        .output()
        .expect("run node")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn styles_glyphs_and_map_page() {
    let Some((_dir, server)) = centre_server() else {
        return;
    };
    let web = web_assets();

    for lang in ["fr", "nl"] {
        let (status, ct, style) = server.get_json(&format!("/styles/urbis-{lang}.json")).await;
        assert_eq!(status, 200, "{style}");
        assert!(ct.starts_with("application/json"), "{ct}");
        assert_eq!(style["version"], 8);
        assert_eq!(
            style["sources"]["urbis"]["url"],
            server.url("/tiles/urbis.json").as_str()
        );
        let glyphs = style["glyphs"].as_str().expect("glyphs");
        assert_eq!(glyphs, server.url("/fonts/{fontstack}/{range}.pbf"));
        // Every source layer the style draws is in the tileset's TileJSON.
        let (status, _, tilejson) = server.get_json("/tiles/urbis.json").await;
        assert_eq!(status, 200, "{tilejson}");
        let vector_layers = tilejson["vector_layers"].as_array().expect("vector_layers");
        for layer in style["layers"].as_array().expect("layers") {
            let Some(sl) = layer["source-layer"].as_str() else {
                continue;
            };
            let vl = vector_layers
                .iter()
                .find(|v| v["id"] == sl)
                .unwrap_or_else(|| panic!("{sl} is not in the TileJSON: {tilejson}"));
            // A layer drawn from a zoom where the tileset has no data for it draws nothing.
            let vl_min = vl["minzoom"].as_u64().unwrap_or(0);
            let style_min = layer["minzoom"].as_u64().unwrap_or(0);
            assert!(
                style_min >= vl_min || sl == "streets",
                "{}: style minzoom {style_min} < tileset minzoom {vl_min}",
                layer["id"]
            );
            // Attributes the style reads exist in the layer's fields.
            let text = layer.to_string();
            for field in ["name_fr", "name_nl", "housenumber", "type"] {
                if text.contains(&format!("[\"get\",\"{field}\"]")) {
                    assert!(
                        vl["fields"].get(field).is_some(),
                        "{}: reads `{field}`, not a field of {sl}: {vl}",
                        layer["id"]
                    );
                }
            }
            // Every glyph range a label can need is served in the layer's font.
            if let Some(font) = layer["layout"]["text-font"][0].as_str() {
                let url = glyphs
                    .replace("{fontstack}", &font.replace(' ', "%20"))
                    .replace("{range}", "0-255");
                let resp = get(&url).await;
                assert_eq!(resp.status(), 200, "{url}");
                assert_eq!(content_type(&resp), "application/x-protobuf");
                let body = resp.bytes().await.expect("body");
                assert!(body.len() > 10_000, "{url}: {} bytes", body.len());
                assert!(
                    body.windows(font.len()).any(|w| w == font.as_bytes()),
                    "{url}: the range names its font stack"
                );
            }
        }
    }

    // Errors are problem+json.
    for (path, status) in [
        ("/styles/urbis-de.json", 404),
        ("/fonts/Noto%20Sans%20Regular/1-256.pbf", 400),
        ("/fonts/..%2Fetc/0-255.pbf", 400),
        ("/map/other.js", 404),
    ] {
        let resp = get(&server.url(path)).await;
        assert_eq!(resp.status().as_u16(), status, "{path}");
        assert_eq!(content_type(&resp), "application/problem+json", "{path}");
    }

    // URLs follow the request's Host.
    let resp = reqwest::Client::new()
        .get(server.url("/styles/urbis-nl.json"))
        .header("host", "maps.example.test")
        .send()
        .await
        .expect("request");
    let style: serde_json::Value = resp.json().await.expect("json");
    assert_eq!(
        style["sources"]["urbis"]["url"],
        "http://maps.example.test/tiles/urbis.json"
    );

    let Some(web) = web else {
        return;
    };
    let resp = get(&server.url("/map")).await;
    assert_eq!(resp.status(), 200);
    assert!(content_type(&resp).starts_with("text/html"));
    let html = resp.text().await.expect("html");
    for asset in [
        "/map/maplibre-gl.js",
        "/map/maplibre-gl.css",
        "/map/urbis-map.js",
    ] {
        assert!(html.contains(&server.url(asset)), "{asset} in {html}");
        let resp = get(&server.url(asset)).await;
        assert_eq!(resp.status(), 200, "{asset}");
        assert!(resp.bytes().await.expect("body").len() > 1000, "{asset}");
    }

    // The style specification's validator.
    if !tool("node") {
        return;
    }
    let web = web.to_str().expect("utf-8 path");
    let fr = server.url("/styles/urbis-fr.json");
    let nl = server.url("/styles/urbis-nl.json");
    let out = node(&["tests/browser/validate-style.mjs", web, &fr, &nl]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    eprintln!("{stdout}{}", String::from_utf8_lossy(&out.stderr));
    assert!(out.status.success(), "style validation failed:\n{stdout}");
    assert_eq!(stdout.matches(": valid (").count(), 2, "{stdout}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn map_page_renders_in_chromium() {
    let Some(web) = web_assets() else {
        return;
    };
    if !tool("node") || !chromium() {
        return;
    }
    let Some((_dir, server)) = centre_server() else {
        return;
    };
    let out_dir = root().join("target").join("test-output");
    std::fs::create_dir_all(&out_dir).expect("mkdir target/test-output");
    for f in ["map-fr.png", "map-nl.png"] {
        let _ = std::fs::remove_file(out_dir.join(f));
    }
    let out = node(&[
        "tests/browser/map.mjs",
        web.to_str().expect("utf-8 path"),
        &server.base,
        out_dir.to_str().expect("utf-8 path"),
    ]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    eprintln!("{stdout}{stderr}");
    assert!(
        out.status.success(),
        "the map page failed in Chromium:\n{stderr}"
    );
    let summary: serde_json::Value =
        serde_json::from_str(stdout.trim().lines().last().unwrap_or("")).expect("summary");
    for lang in ["fr", "nl"] {
        assert!(
            summary[lang]["buildings"].as_u64().unwrap_or(0) > 0,
            "{summary}"
        );
    }
    // The Grand-Place's streets are labelled in each language.
    let names = |lang: &str| summary[lang]["sampleStreetNames"].to_string();
    assert_ne!(names("fr"), "[]", "{summary}");
    assert_ne!(names("nl"), "[]", "{summary}");
    for f in ["map-fr.png", "map-nl.png"] {
        let png = std::fs::read(out_dir.join(f)).expect("screenshot");
        assert!(
            png.starts_with(b"\x89PNG") && png.len() > 20_000,
            "{f}: {} bytes",
            png.len()
        );
    }
}
