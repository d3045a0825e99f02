//! Vector tiles over HTTP on the real server: the real centre of Brussels (status codes,
//! encodings, ETag/304, TileJSON, OGC API Tiles, the municipality filter) and generated data
//! (the cache never serves a tile of a retired generation).

mod common;

use common::{generate, import, shared, Server};
use reqwest::header::{HeaderMap, HeaderValue};
use tile_server::mvt::{decode, ring_area2, DecodedLayer};

/// A z16 tile in the centre of Brussels (Grand-Place area).
const CENTRE_Z16: &str = "/tiles/urbis/16/33560/21984.mvt";

struct Resp {
    status: u16,
    headers: HeaderMap,
    body: Vec<u8>,
}

async fn get(server: &Server, path: &str, headers: &[(&str, &str)]) -> Resp {
    let client = reqwest::Client::new();
    let mut req = client.get(server.url(path));
    for (k, v) in headers {
        req = req.header(*k, *v);
    }
    let resp = req.send().await.expect("request");
    let status = resp.status().as_u16();
    let headers = resp.headers().clone();
    let body = resp.bytes().await.expect("body").to_vec();
    Resp {
        status,
        headers,
        body,
    }
}

fn header<'a>(r: &'a Resp, name: &str) -> Option<&'a str> {
    r.headers
        .get(name)
        .and_then(|v: &HeaderValue| v.to_str().ok())
}

fn gunzip(b: &[u8]) -> Vec<u8> {
    tile_server::cache::gunzip(b, 1 << 24).expect("gzip body")
}

fn layer<'a>(layers: &'a [DecodedLayer], name: &str) -> &'a DecodedLayer {
    layers
        .iter()
        .find(|l| l.name == name)
        .unwrap_or_else(|| panic!("no layer {name}"))
}

async fn centre_server() -> Option<(tempfile::TempDir, Server)> {
    let gpkg = shared("data/urbis/UrbISVector_centre_31370.gpkg")?;
    let dir = tempfile::tempdir().expect("tempdir");
    import(dir.path(), &gpkg);
    let server = Server::start(dir.path());
    Some((dir, server))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tiles_of_the_real_centre() {
    let Some((_dir, server)) = centre_server().await else {
        return;
    };

    // Catalogue and TileJSON.
    let (status, _, cat) = server.get_json("/tiles").await;
    assert_eq!(status, 200);
    let ids: Vec<&str> = cat["tilesets"]
        .as_array()
        .expect("tilesets")
        .iter()
        .map(|t| t["id"].as_str().expect("id"))
        .collect();
    assert_eq!(
        ids,
        [
            "urbis",
            "addresses",
            "buildings",
            "parcels",
            "streets",
            "municipalities"
        ]
    );
    assert_eq!(
        cat["tilesets"][0]["tilejson"],
        server.url("/tiles/urbis.json")
    );

    let (status, ct, tj) = server.get_json("/tiles/urbis.json").await;
    assert_eq!(status, 200);
    assert!(ct.starts_with("application/json"));
    assert_eq!(tj["tilejson"], "3.0.0");
    assert_eq!(
        tj["tiles"][0],
        server.url("/tiles/urbis/{z}/{x}/{y}.mvt"),
        "absolute tile URL template"
    );
    assert_eq!(
        (tj["minzoom"].as_u64(), tj["maxzoom"].as_u64()),
        (Some(0), Some(16))
    );
    let b: Vec<f64> = tj["bounds"]
        .as_array()
        .expect("bounds")
        .iter()
        .map(|v| v.as_f64().expect("number"))
        .collect();
    assert!(
        b[0] > 4.2 && b[2] < 4.5 && b[1] > 50.7 && b[3] < 51.0,
        "{b:?}"
    );
    let vl = tj["vector_layers"].as_array().expect("vector_layers");
    let vl_ids: Vec<&str> = vl.iter().map(|l| l["id"].as_str().expect("id")).collect();
    assert_eq!(
        vl_ids,
        [
            "municipalities",
            "parcels",
            "buildings",
            "streets",
            "addresses"
        ]
    );
    for l in vl {
        assert!(
            l["fields"].as_object().is_some_and(|f| !f.is_empty()),
            "{l}"
        );
        assert!(l["minzoom"].is_u64() && l["maxzoom"] == 16);
    }
    let addr = vl
        .iter()
        .find(|l| l["id"] == "addresses")
        .expect("addresses");
    assert_eq!(addr["minzoom"], 16);
    assert!(addr["fields"]["housenumber"].is_string());

    // The tile, uncompressed.
    let plain = get(&server, CENTRE_Z16, &[]).await;
    assert_eq!(plain.status, 200);
    assert_eq!(
        header(&plain, "content-type"),
        Some("application/vnd.mapbox-vector-tile")
    );
    assert_eq!(header(&plain, "content-encoding"), None);
    let layers = decode(&plain.body).expect("valid MVT");
    let names: Vec<&str> = layers.iter().map(|l| l.name.as_str()).collect();
    assert_eq!(
        names,
        ["municipalities", "buildings", "streets", "addresses"]
    );
    for l in &layers {
        assert_eq!(l.extent, 4096);
        let mut keys = l.keys.clone();
        keys.sort();
        keys.dedup();
        assert_eq!(keys.len(), l.keys.len(), "duplicate keys in {}", l.name);
        let mut values = l.values.clone();
        values.sort();
        values.dedup();
        assert_eq!(
            values.len(),
            l.values.len(),
            "duplicate values in {}",
            l.name
        );
        assert!(
            l.values.iter().all(|v| !v.is_empty()),
            "empty value in {}",
            l.name
        );
    }
    let addresses = layer(&layers, "addresses");
    assert!(addresses.features.len() > 100);
    let f = &addresses.features[0];
    assert!(
        f.tag("housenumber").is_some()
            && f.tag("street_fr").is_some()
            && f.tag("street_nl").is_some()
    );
    assert!(f.id.is_some());
    for f in &layer(&layers, "buildings").features {
        assert_eq!(f.kind, 3);
        assert!(ring_area2(&f.parts[0]) > 0, "exterior ring not clockwise");
    }
    let streets = layer(&layers, "streets");
    assert!(streets
        .features
        .iter()
        .any(|f| f.tag("name_fr").is_some() && f.tag("name_nl").is_some()));
    for f in &streets.features {
        for part in &f.parts {
            assert!(part.len() >= 2 && part.windows(2).all(|w| w[0] != w[1]));
        }
    }

    // gzip: Content-Encoding set, same content.
    let gz = get(&server, CENTRE_Z16, &[("accept-encoding", "gzip, deflate")]).await;
    assert_eq!(gz.status, 200);
    assert_eq!(header(&gz, "content-encoding"), Some("gzip"));
    assert!(header(&gz, "vary").is_some_and(|v| v.to_ascii_lowercase().contains("accept-encoding")));
    assert!(header(&gz, "cache-control").is_some_and(|v| v.contains("max-age")));
    assert_eq!(gunzip(&gz.body), plain.body);
    let etag = header(&gz, "etag").expect("etag").to_string();
    assert!(
        etag.starts_with('"') && !etag.starts_with("W/"),
        "strong ETag: {etag}"
    );
    assert_ne!(
        Some(etag.as_str()),
        header(&plain, "etag"),
        "one ETag per encoding"
    );

    // 304 on If-None-Match.
    let nm = get(
        &server,
        CENTRE_Z16,
        &[("accept-encoding", "gzip"), ("if-none-match", &etag)],
    )
    .await;
    assert_eq!(nm.status, 304);
    assert!(nm.body.is_empty());
    assert_eq!(header(&nm, "etag"), Some(etag.as_str()));

    // brotli when preferred.
    let br = get(
        &server,
        CENTRE_Z16,
        &[("accept-encoding", "br;q=1.0, gzip;q=0.5")],
    )
    .await;
    assert_eq!(br.status, 200);
    assert_eq!(header(&br, "content-encoding"), Some("br"));
    let out = tile_server::cache::unbrotli(&br.body, 1 << 24).expect("brotli body");
    assert_eq!(out, plain.body);

    // .pbf is the same tile.
    let pbf = get(&server, "/tiles/urbis/16/33560/21984.pbf", &[]).await;
    assert_eq!(pbf.body, plain.body);

    // 404: beyond the max zoom, outside the bounds, below a tileset's min zoom, unknown tileset.
    for path in [
        "/tiles/urbis/17/67121/43968.mvt",
        "/tiles/urbis/16/0/0.mvt",
        "/tiles/addresses/15/16780/10992.mvt",
        "/tiles/roads/16/33560/21984.mvt",
        "/tiles/urbis/16/33560/21984.png",
    ] {
        let r = get(&server, path, &[]).await;
        assert_eq!(r.status, 404, "{path}");
        assert_eq!(
            header(&r, "content-type"),
            Some("application/problem+json"),
            "{path}"
        );
    }
    // 400: malformed z/x/y, outside the matrix, unknown or bad parameters.
    for path in [
        "/tiles/urbis/z/1/1.mvt",
        "/tiles/urbis/-1/0/0.mvt",
        "/tiles/urbis/99/0/0.mvt",
        "/tiles/urbis/2/4/0.mvt",
        "/tiles/urbis/2/0/7.mvt",
        "/tiles/urbis/16/33560/21984.mvt?foo=1",
        "/tiles/urbis/16/33560/21984.mvt?municipality=bxl",
        "/tiles/urbis/16/33560/21984.mvt?municipality=21999",
    ] {
        let r = get(&server, path, &[]).await;
        assert_eq!(r.status, 400, "{path}");
        assert_eq!(
            header(&r, "content-type"),
            Some("application/problem+json"),
            "{path}"
        );
    }

    // 204: an empty tile inside the data bounds (a z16 tile of the addresses bbox with none).
    let (_, _, atj) = server.get_json("/tiles/addresses.json").await;
    let ab: Vec<f64> = atj["bounds"]
        .as_array()
        .expect("bounds")
        .iter()
        .map(|v| v.as_f64().expect("number"))
        .collect();
    let n = 65536.0;
    let tx = |lon: f64| ((lon + 180.0) / 360.0 * n) as u32;
    let ty = |lat: f64| {
        let r = lat.to_radians();
        ((1.0 - (r.tan() + 1.0 / r.cos()).ln() / std::f64::consts::PI) / 2.0 * n) as u32
    };
    let mut empty = None;
    'search: for x in tx(ab[0])..=tx(ab[2]) {
        for y in ty(ab[3])..=ty(ab[1]) {
            let path = format!("/tiles/addresses/16/{x}/{y}.mvt");
            let r = get(&server, &path, &[]).await;
            assert!(r.status == 200 || r.status == 204, "{path}: {}", r.status);
            if r.status == 204 {
                assert!(r.body.is_empty());
                empty = Some(path);
                break 'search;
            }
        }
    }
    assert!(
        empty.is_some(),
        "no empty tile found inside the addresses bounds"
    );

    // The municipality filter.
    let all = decode(&plain.body).expect("mvt");
    let f = get(&server, &format!("{CENTRE_Z16}?municipality=21004"), &[]).await;
    assert_eq!(f.status, 200);
    let filtered = decode(&f.body).expect("mvt");
    let fa = layer(&filtered, "addresses");
    assert!(!fa.features.is_empty());
    assert!(fa
        .features
        .iter()
        .all(|f| f.tag("municipality") == Some("21004")));
    assert_eq!(
        fa.features.len(),
        layer(&all, "addresses")
            .features
            .iter()
            .filter(|f| f.tag("municipality") == Some("21004"))
            .count()
    );
    let fm = layer(&filtered, "municipalities");
    assert!(fm.features.iter().all(|f| f.tag("nis") == Some("21004")));
    let (_, _, ftj) = server
        .get_json("/tiles/urbis.json?municipality=21004")
        .await;
    assert_eq!(
        ftj["tiles"][0],
        server.url("/tiles/urbis/{z}/{x}/{y}.mvt?municipality=21004")
    );

    // Low zooms stay small.
    for path in [
        "/tiles/urbis/10/524/343.mvt",
        "/tiles/urbis/12/2097/1374.mvt",
        "/tiles/urbis/13/4195/2748.mvt",
        "/tiles/urbis/14/8390/5496.mvt",
    ] {
        let r = get(&server, path, &[]).await;
        assert_eq!(r.status, 200, "{path}");
        assert!(r.body.len() <= 500_000, "{path}: {} bytes", r.body.len());
        let names: Vec<String> = decode(&r.body)
            .expect("mvt")
            .into_iter()
            .map(|l| l.name)
            .collect();
        assert!(
            !names.contains(&"addresses".to_string()),
            "{path}: {names:?}"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ogc_api_tiles_on_the_real_centre() {
    let Some((_dir, server)) = centre_server().await else {
        return;
    };
    let (_, _, landing) = server.get_json("/ogc").await;
    let rels: Vec<&str> = landing["links"]
        .as_array()
        .expect("links")
        .iter()
        .map(|l| l["rel"].as_str().expect("rel"))
        .collect();
    assert!(rels.contains(&"http://www.opengis.net/def/rel/ogc/1.0/tiling-schemes"));
    assert!(rels.contains(&"http://www.opengis.net/def/rel/ogc/1.0/tilesets-vector"));
    let (_, _, conf) = server.get_json("/ogc/conformance").await;
    let classes = conf["conformsTo"].as_array().expect("conformsTo");
    for c in [
        "http://www.opengis.net/spec/ogcapi-tiles-1/1.0/conf/core",
        "http://www.opengis.net/spec/ogcapi-tiles-1/1.0/conf/tileset",
        "http://www.opengis.net/spec/ogcapi-tiles-1/1.0/conf/tilesets-list",
        "http://www.opengis.net/spec/ogcapi-tiles-1/1.0/conf/mvt",
    ] {
        assert!(classes.iter().any(|x| x == c), "{c}");
    }
    let (_, _, col) = server.get_json("/ogc/collections/buildings").await;
    assert!(col["links"]
        .as_array()
        .expect("links")
        .iter()
        .any(
            |l| l["rel"] == "http://www.opengis.net/def/rel/ogc/1.0/tilesets-vector"
                && l["href"] == server.url("/ogc/collections/buildings/tiles")
        ));

    let (status, _, sets) = server.get_json("/ogc/tileMatrixSets").await;
    assert_eq!(status, 200);
    let ids: Vec<&str> = sets["tileMatrixSets"]
        .as_array()
        .expect("list")
        .iter()
        .map(|t| t["id"].as_str().expect("id"))
        .collect();
    assert_eq!(ids, ["WebMercatorQuad", "BelgianLambert72"]);
    let (_, _, l72) = server
        .get_json("/ogc/tileMatrixSets/BelgianLambert72")
        .await;
    assert_eq!(l72["crs"], "http://www.opengis.net/def/crs/EPSG/0/31370");
    let m10 = &l72["tileMatrices"][10];
    assert_eq!(m10["pointOfOrigin"], serde_json::json!([0.0, 409600.0]));
    assert_eq!(m10["cellSize"], 400.0 / 256.0);
    assert_eq!(m10["matrixWidth"], 1024);
    let (status, _, _) = server.get_json("/ogc/tileMatrixSets/Nope").await;
    assert_eq!(status, 404);

    let (_, _, list) = server.get_json("/ogc/collections/addresses/tiles").await;
    assert_eq!(list["tilesets"].as_array().map(|a| a.len()), Some(2));
    let (status, _, ts) = server
        .get_json("/ogc/collections/addresses/tiles/BelgianLambert72")
        .await;
    assert_eq!(status, 200);
    assert_eq!(ts["dataType"], "vector");
    assert_eq!(ts["layers"][0]["id"], "addresses");
    assert_eq!(ts["layers"][0]["minTileMatrix"], "10");
    let item = ts["links"]
        .as_array()
        .expect("links")
        .iter()
        .find(|l| l["rel"] == "item")
        .expect("item link");
    assert_eq!(
        item["href"],
        server.url(
            "/ogc/collections/addresses/tiles/BelgianLambert72/{tileMatrix}/{tileRow}/{tileCol}"
        )
    );

    // Lambert 72 tiles, encoded from 31370 directly: the fullest level-10 tile of the limits.
    let lim = ts["tileMatrixSetLimits"]
        .as_array()
        .expect("limits")
        .iter()
        .find(|l| l["tileMatrix"] == "10")
        .expect("level 10 limits")
        .clone();
    let u = |k: &str| lim[k].as_u64().expect("limit") as u32;
    let mut best = (0usize, 0u32, 0u32);
    for row in u("minTileRow")..=u("maxTileRow") {
        for col in u("minTileCol")..=u("maxTileCol") {
            let path = format!("/ogc/collections/addresses/tiles/BelgianLambert72/10/{row}/{col}");
            let r = get(&server, &path, &[]).await;
            assert!(r.status == 200 || r.status == 204, "{path}: {}", r.status);
            if r.status == 200 {
                let layers = decode(&r.body).expect("mvt");
                assert_eq!(layers.len(), 1);
                assert_eq!(layers[0].name, "addresses");
                if layers[0].features.len() > best.0 {
                    best = (layers[0].features.len(), row, col);
                }
            }
        }
    }
    assert!(best.0 > 100, "{best:?}");
    // Row before column: swapping them leaves the data.
    let swapped = get(
        &server,
        &format!(
            "/ogc/collections/addresses/tiles/BelgianLambert72/10/{}/{}",
            best.2, best.1
        ),
        &[],
    )
    .await;
    assert_eq!(swapped.status, 404);
    // Web Mercator through OGC equals the XYZ tile.
    let ogc = get(&server, "/ogc/tiles/WebMercatorQuad/16/21984/33560", &[]).await;
    let xyz = get(&server, CENTRE_Z16, &[]).await;
    assert_eq!(ogc.status, 200);
    assert_eq!(ogc.body, xyz.body);
    let r = get(&server, "/ogc/collections/catalogue-x/tiles", &[]).await;
    assert_eq!(r.status, 404);
    let r = get(&server, "/ogc/tiles/WebMercatorQuad/x/0/0", &[]).await;
    assert_eq!(r.status, 400);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_new_generation_invalidates_cached_tiles() {
    let dir = tempfile::tempdir().expect("tempdir");
    let small = dir.path().join("small.gpkg");
    let larger = dir.path().join("larger.gpkg");
    generate(&small, 0.01);
    generate(&larger, 0.02);
    import(dir.path(), &small);
    let server = Server::start_with(dir.path(), &[("URBIS_RELOAD_INTERVAL", "1")]);

    // A z14 tile at the centre of the data.
    let (_, _, tj) = server.get_json("/tiles/urbis.json").await;
    let c = &tj["center"];
    let (lon, lat) = (c[0].as_f64().expect("lon"), c[1].as_f64().expect("lat"));
    let n = 16384.0;
    let x = ((lon + 180.0) / 360.0 * n) as u32;
    let r = lat.to_radians();
    let y = ((1.0 - (r.tan() + 1.0 / r.cos()).ln() / std::f64::consts::PI) / 2.0 * n) as u32;
    let path = format!("/tiles/urbis/14/{x}/{y}.mvt");
    let first = get(&server, &path, &[("accept-encoding", "gzip")]).await;
    assert_eq!(first.status, 200, "{path}");
    let again = get(&server, &path, &[("accept-encoding", "gzip")]).await;
    assert_eq!(again.body, first.body, "cached tile is stable");
    let etag = header(&first, "etag").expect("etag").to_string();

    let second = import(dir.path(), &larger);
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
    loop {
        let (_, _, health) = server.get_json("/health").await;
        if health["generation"]["id"] == second["generation"] {
            break;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "new generation not picked up"
        );
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    }
    let after = get(&server, &path, &[("accept-encoding", "gzip")]).await;
    assert_eq!(after.status, 200);
    assert_ne!(
        header(&after, "etag"),
        Some(etag.as_str()),
        "stale tile served"
    );
    assert_ne!(gunzip(&after.body), gunzip(&first.body));
    // The old ETag no longer validates.
    let nm = get(
        &server,
        &path,
        &[("accept-encoding", "gzip"), ("if-none-match", &etag)],
    )
    .await;
    assert_eq!(nm.status, 200);
    let (_, _, tj2) = server.get_json("/tiles/urbis.json").await;
    assert_ne!(tj2["version"], tj["version"]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tile_tree_listings_and_ranges() {
    let Some((_dir, server)) = centre_server().await else {
        return;
    };
    let no_redirect = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("client");
    let r = no_redirect
        .get(server.url("/tiles/urbis/16"))
        .send()
        .await
        .expect("redirect");
    assert_eq!(r.status(), 308);
    assert_eq!(r.headers()["location"], "16/");
    let r = no_redirect
        .get(server.url("/tiles/urbis/16/33560"))
        .send()
        .await
        .expect("redirect");
    assert_eq!(r.status(), 308);
    assert_eq!(r.headers()["location"], "33560/");

    let r = get(&server, "/tiles/urbis/16/", &[]).await;
    assert_eq!(r.status, 200);
    assert!(header(&r, "content-type").is_some_and(|t| t.starts_with("text/html")));
    let html = String::from_utf8(r.body).expect("utf-8");
    assert!(html.contains("<title>Directory listing for /tiles/urbis/16/</title>"));
    let cols: Vec<u32> = html
        .split("<a href=\"")
        .skip(1)
        .filter_map(|s| s.split('/').next()?.parse().ok())
        .collect();
    assert!(cols.contains(&33560), "{cols:?}");
    assert!(cols.windows(2).all(|w| w[1] == w[0] + 1));
    let r = get(&server, "/tiles/urbis/16/33560/", &[]).await;
    assert_eq!(r.status, 200);
    assert!(String::from_utf8_lossy(&r.body).contains("<a href=\"21984.mvt\">"));

    for (path, status) in [
        ("/tiles/urbis/16/1/", 404),
        ("/tiles/nope/16/", 404),
        ("/tiles/addresses/12/", 404),
        ("/tiles/urbis/x/", 400),
        ("/tiles/urbis/30/", 400),
        ("/tiles/urbis/17/", 404),
    ] {
        let r = get(&server, path, &[]).await;
        assert_eq!(r.status, status, "{path}");
        assert_eq!(header(&r, "content-type"), Some("application/problem+json"));
    }

    // Byte ranges of the selected representation; If-Range with another ETag: the whole tile.
    let path = "/tiles/urbis/16/33560/21984.mvt";
    let full = get(&server, path, &[]).await;
    assert_eq!(full.status, 200);
    let len = full.body.len();
    let etag = header(&full, "etag").expect("etag").to_string();
    // Tiles take the server's fast path: CORS as on every other answer, tile errors included.
    for r in [&full, &get(&server, "/tiles/urbis/16/1/1.mvt", &[]).await] {
        assert_eq!(header(r, "access-control-allow-origin"), Some("*"));
        assert_eq!(header(r, "access-control-expose-headers"), Some("*"));
    }
    let r = get(&server, path, &[("range", "bytes=-10")]).await;
    assert_eq!(r.status, 206);
    assert_eq!(r.body, full.body[len - 10..]);
    let r = get(&server, path, &[("range", &format!("bytes={len}-"))]).await;
    assert_eq!(r.status, 416);
    assert_eq!(
        header(&r, "content-range"),
        Some(format!("bytes */{len}").as_str())
    );
    let r = get(
        &server,
        path,
        &[("range", "bytes=0-9"), ("if-range", &etag)],
    )
    .await;
    assert_eq!(r.status, 206);
    let r = get(
        &server,
        path,
        &[("range", "bytes=0-9"), ("if-range", "\"other\"")],
    )
    .await;
    assert_eq!(r.status, 200);
    assert_eq!(r.body, full.body);
    // The gzip representation has its own bytes.
    let gz = get(
        &server,
        path,
        &[("accept-encoding", "gzip"), ("range", "bytes=0-1")],
    )
    .await;
    assert_eq!(gz.status, 206);
    assert_eq!(gz.body, [0x1f, 0x8b]);

    // The cache's hits and misses are metrics: the tile above was rendered once, then hit.
    let m = String::from_utf8(get(&server, "/metrics", &[]).await.body).expect("utf-8");
    let value = |name: &str| -> f64 {
        m.lines()
            .find_map(|l| l.strip_prefix(name)?.strip_prefix(' '))
            .and_then(|v| v.trim().parse().ok())
            .unwrap_or_else(|| panic!("no {name} in\n{m}"))
    };
    assert!(value("urbis_tile_cache_hits_total") >= 5.0, "{m}");
    assert!(value("urbis_tile_cache_misses_total") >= 1.0, "{m}");
    assert!(value("urbis_tile_cache_bytes") > 0.0, "{m}");
}
