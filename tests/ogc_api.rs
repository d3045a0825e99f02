//! OGC API Features over HTTP on the real server, with generated data.

mod common;

use common::{generate, import, Server};

async fn server_with_sample() -> (tempfile::TempDir, Server) {
    let dir = tempfile::tempdir().expect("tempdir");
    let gpkg = dir.path().join("sample.gpkg");
    generate(&gpkg, 0.01);
    let summary = import(dir.path(), &gpkg);
    for layer in [
        "addresses",
        "buildings",
        "parcels",
        "streets",
        "municipalities",
    ] {
        assert!(
            summary["layers"][layer]["imported"].as_u64().unwrap_or(0) > 0,
            "no {layer} imported: {summary}"
        );
    }
    let server = Server::start(dir.path());
    (dir, server)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn landing_conformance_collections_items() {
    let (_dir, server) = server_with_sample().await;

    let (status, ct, landing) = server.get_json("/ogc").await;
    assert_eq!(status, 200);
    assert!(ct.starts_with("application/json"));
    let rels: Vec<&str> = landing["links"]
        .as_array()
        .expect("links")
        .iter()
        .map(|l| l["rel"].as_str().expect("rel"))
        .collect();
    assert!(
        rels.contains(&"conformance") && rels.contains(&"data"),
        "{rels:?}"
    );

    let (_, _, conf) = server.get_json("/ogc/conformance").await;
    let classes = conf["conformsTo"].as_array().expect("conformsTo");
    assert!(classes
        .iter()
        .any(|c| c == "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/core"));
    assert!(classes
        .iter()
        .any(|c| c == "http://www.opengis.net/spec/ogcapi-features-2/1.0/conf/crs"));

    let (_, _, cols) = server.get_json("/ogc/collections").await;
    let ids: Vec<&str> = cols["collections"]
        .as_array()
        .expect("collections")
        .iter()
        .map(|c| c["id"].as_str().expect("id"))
        .collect();
    assert_eq!(
        ids,
        [
            "addresses",
            "buildings",
            "parcels",
            "streets",
            "municipalities",
            // OGC API Records: the catalogue, contributed by datastore-api.
            "catalog"
        ]
    );
    let (status, _, col) = server.get_json("/ogc/collections/buildings").await;
    assert_eq!(status, 200);
    let bbox = &col["extent"]["spatial"]["bbox"][0];
    let lon0 = bbox[0].as_f64().expect("bbox");
    assert!((4.2..4.5).contains(&lon0), "{bbox}");
    assert_eq!(
        col["storageCrs"],
        "http://www.opengis.net/def/crs/EPSG/0/31370"
    );

    // Paging: numberMatched, next links that walk the whole collection exactly once.
    let (status, ct, page) = server
        .get_json("/ogc/collections/municipalities/items?limit=5")
        .await;
    assert_eq!(status, 200);
    assert!(ct.starts_with("application/geo+json"), "{ct}");
    assert_eq!(page["numberMatched"], 19);
    let mut seen = Vec::new();
    let mut next = Some("/ogc/collections/municipalities/items?limit=5".to_string());
    while let Some(path) = next.take() {
        let (_, _, page) = server.get_json(&path).await;
        for f in page["features"].as_array().expect("features") {
            seen.push(
                f["properties"]["NISCODE"]
                    .as_str()
                    .expect("nis")
                    .to_string(),
            );
        }
        next = page["links"]
            .as_array()
            .expect("links")
            .iter()
            .find(|l| l["rel"] == "next")
            .map(|l| {
                let href = l["href"].as_str().expect("href");
                href.strip_prefix(&server.base)
                    .expect("absolute link on this server")
                    .to_string()
            });
    }
    seen.sort();
    let want: Vec<String> = (21001..=21019).map(|n| n.to_string()).collect();
    assert_eq!(seen, want);

    // Output CRS: EPSG:4326 is latitude first, CRS84 longitude first, 31370 metres.
    let (_, _, one) = server.get_json("/ogc/collections/addresses/items/1").await;
    let c84 = one["geometry"]["coordinates"].clone();
    let resp =
        reqwest::get(server.url(
            "/ogc/collections/addresses/items/1?crs=http://www.opengis.net/def/crs/EPSG/0/4326",
        ))
        .await
        .expect("get");
    assert_eq!(
        resp.headers()
            .get("content-crs")
            .and_then(|v| v.to_str().ok()),
        Some("<http://www.opengis.net/def/crs/EPSG/0/4326>")
    );
    let latlon: serde_json::Value = resp.json().await.expect("json");
    assert_eq!(latlon["geometry"]["coordinates"][0], c84[1]);
    assert_eq!(latlon["geometry"]["coordinates"][1], c84[0]);
    let (_, _, l72) = server
        .get_json("/ogc/collections/addresses/items/1?crs=EPSG:31370")
        .await;
    let x = l72["geometry"]["coordinates"][0].as_f64().expect("x");
    assert!((140_000.0..160_000.0).contains(&x), "{x}");
    assert_eq!(
        l72["geometry"]["coordinates"][0].as_f64(),
        l72["properties"]["XL72"].as_f64()
    );

    // bbox in Lambert 72 via bbox-crs selects the same features as the equivalent query in 3812 roughly.
    let (status, _, fc) = server
        .get_json(&format!(
            "/ogc/collections/addresses/items?bbox={},{},{},{}&bbox-crs=http://www.opengis.net/def/crs/EPSG/0/31370&limit=10000&crs=http://www.opengis.net/def/crs/EPSG/0/31370",
            x - 200.0,
            l72["geometry"]["coordinates"][1].as_f64().expect("y") - 200.0,
            x + 200.0,
            l72["geometry"]["coordinates"][1].as_f64().expect("y") + 200.0
        ))
        .await;
    assert_eq!(status, 200);
    assert!(fc["numberReturned"].as_u64().expect("n") >= 1);
    for f in fc["features"].as_array().expect("features") {
        let fx = f["geometry"]["coordinates"][0].as_f64().expect("x");
        assert!((x - 200.0..=x + 200.0).contains(&fx));
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_requests_are_problem_documents() {
    let (_dir, server) = server_with_sample().await;
    for (path, status, param) in [
        (
            "/ogc/collections/addresses/items?limit=abc",
            400,
            Some("limit"),
        ),
        (
            "/ogc/collections/addresses/items?limit=0",
            400,
            Some("limit"),
        ),
        (
            "/ogc/collections/addresses/items?bbox=1,2,3",
            400,
            Some("bbox"),
        ),
        (
            "/ogc/collections/addresses/items?bbox=4.4,50.8,4.3,50.9",
            400,
            Some("bbox"),
        ),
        (
            "/ogc/collections/addresses/items?crs=EPSG:2154",
            400,
            Some("crs"),
        ),
        (
            "/ogc/collections/addresses/items?colour=red",
            400,
            Some("colour"),
        ),
        ("/ogc/collections/addresses/items?f=xml", 400, Some("f")),
        ("/features/at?lon=4.35", 400, Some("lat")),
        ("/features/at?lon=abc&lat=50.8", 400, Some("lon")),
        ("/features/at?lon=4.35&lat=95", 400, Some("lat")),
        ("/ogc/collections/roads", 404, None),
        ("/ogc/collections/addresses/items/999999999", 404, None),
        ("/nowhere", 404, None),
    ] {
        let (got, ct, body) = server.get_json(path).await;
        assert_eq!(got, status, "{path}: {body}");
        assert_eq!(ct, "application/problem+json", "{path}");
        assert_eq!(body["status"], status, "{path}");
        if let Some(p) = param {
            assert_eq!(body["parameter"], p, "{path}: {body}");
            assert!(
                body["detail"].as_str().expect("detail").contains(p),
                "{path}: {body}"
            );
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn health_metrics_and_features_at() {
    let (_dir, server) = server_with_sample().await;
    let (status, _, health) = server.get_json("/health").await;
    assert_eq!(status, 200);
    assert_eq!(health["status"], "ok");
    assert!(health["layers"]["addresses"].as_u64().expect("n") > 100);

    // A building's own address point lies in that building, its parcel and its municipality.
    let (_, _, fc) = server
        .get_json("/ogc/collections/addresses/items?limit=1")
        .await;
    let a = &fc["features"][0];
    let (lon, lat) = (
        a["geometry"]["coordinates"][0].as_f64().expect("lon"),
        a["geometry"]["coordinates"][1].as_f64().expect("lat"),
    );
    let (status, _, at) = server
        .get_json(&format!("/features/at?lon={lon}&lat={lat}&geometry=true"))
        .await;
    assert_eq!(status, 200);
    let nis = a["properties"]["MUNNISCODE"].as_str().expect("nis");
    assert!(nis.ends_with(
        at["municipality"]["properties"]["NISCODE"]
            .as_str()
            .expect("nis")
    ));
    assert!(
        at["municipality"]["geometry"]["type"] == "MultiPolygon"
            || at["municipality"]["geometry"]["type"] == "Polygon"
    );

    // Server-wide layers: CORS on every answer, gzip when asked, and per-route metrics.
    let client = reqwest::Client::new();
    for _ in 0..3 {
        let r = client
            .get(server.url("/ogc/collections/addresses/items?limit=50"))
            .header("accept-encoding", "gzip")
            .header("origin", "https://example.org")
            .send()
            .await
            .expect("items");
        assert_eq!(r.status(), 200);
        assert_eq!(r.headers()["access-control-allow-origin"], "*");
        assert_eq!(r.headers()["content-encoding"], "gzip");
    }
    let r = client
        .get(server.url("/ogc/collections/nope"))
        .send()
        .await
        .expect("404");
    assert_eq!(r.status(), 404);
    assert_eq!(r.headers()["access-control-allow-origin"], "*");
    let text = reqwest::get(server.url("/metrics"))
        .await
        .expect("metrics")
        .text()
        .await
        .expect("text");
    let count = |route: &str, status: u16| -> u64 {
        let head =
            format!("http_requests_total{{method=\"GET\",route=\"{route}\",status=\"{status}\"}} ");
        text.lines()
            .find_map(|l| l.strip_prefix(head.as_str()))
            .and_then(|v| v.trim().parse().ok())
            .unwrap_or(0)
    };
    assert_eq!(
        count("/ogc/collections/{collection}/items", 200),
        4,
        "{text}"
    );
    assert_eq!(count("/ogc/collections/{collection}", 404), 1, "{text}");
    assert!(text.contains("http_request_duration_seconds"), "{text}");
    assert!(
        text.contains("urbis_features{layer=\"addresses\"}"),
        "{text}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_running_server_picks_up_a_new_generation() {
    let dir = tempfile::tempdir().expect("tempdir");
    let small = dir.path().join("small.gpkg");
    let larger = dir.path().join("larger.gpkg");
    generate(&small, 0.005);
    generate(&larger, 0.01);
    let first = import(dir.path(), &small);
    let server = Server::start_with(dir.path(), &[("URBIS_RELOAD_INTERVAL", "1")]);
    let (_, _, health) = server.get_json("/health").await;
    assert_eq!(health["generation"]["id"], first["generation"]);

    let second = import(dir.path(), &larger);
    let want = second["layers"]["addresses"]["imported"].clone();
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
    loop {
        let (_, _, health) = server.get_json("/health").await;
        if health["generation"]["id"] == second["generation"] {
            assert_eq!(health["layers"]["addresses"], want);
            break;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "new generation not picked up: {health}"
        );
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    }
    let (_, _, fc) = server
        .get_json("/ogc/collections/addresses/items?limit=1")
        .await;
    assert_eq!(fc["numberMatched"], want);
}

#[tokio::test]
async fn an_oversized_body_is_a_413_problem_document() {
    let dir = tempfile::tempdir().expect("tempdir");
    let server = Server::start_with(dir.path(), &[("URBIS_MAX_BODY_BYTES", "1000")]);
    let client = reqwest::Client::new();
    // Declared length over the limit (refused before the handler) and a streamed body.
    let resp = client
        .post(server.url("/csw"))
        .header("content-type", "application/xml")
        .body(vec![b'x'; 5_000])
        .send()
        .await
        .expect("request");
    assert_eq!(resp.status().as_u16(), 413);
    let ct = resp
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_string();
    assert_eq!(ct, "application/problem+json");
    let body: serde_json::Value = resp.json().await.expect("problem JSON");
    assert_eq!(body["status"], 413);
    assert!(body["detail"]
        .as_str()
        .is_some_and(|d| d.contains("max_body_bytes")));
}
