//! OGC API Records (Part 1 core) over HTTP on the real server: the `catalog` collection in the
//! shared `/ogc` root, items with q/bbox/datetime/type/ids/sortby/limit/offset, single records
//! as GeoJSON, and problem+json for bad parameters.

mod catalog_fixture;
mod common;

use catalog_fixture::{fill, public_ids, record, THEMES};
use common::Server;
use serde_json::Value;

const RECORDS: usize = 120;

async fn server() -> (tempfile::TempDir, Server) {
    let dir = tempfile::tempdir().expect("tempdir");
    fill(dir.path(), RECORDS).await;
    let server = Server::start(dir.path());
    (dir, server)
}

fn fixture_ids(fc: &Value) -> Vec<String> {
    fc["features"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["id"].as_str().unwrap().to_string())
        .filter(|i| i.starts_with("fixture-"))
        .collect()
}

/// Every page of an items query, following `next` links.
async fn all_pages(server: &Server, first: &str) -> (Vec<String>, u64, usize) {
    let mut url = server.url(first);
    let (mut ids, mut pages) = (Vec::new(), 0);
    let mut matched;
    loop {
        let resp = reqwest::get(&url).await.unwrap();
        assert_eq!(resp.status(), 200, "{url}");
        let fc: Value = resp.json().await.unwrap();
        matched = fc["numberMatched"].as_u64().unwrap();
        assert_eq!(
            fc["numberReturned"].as_u64().unwrap() as usize,
            fc["features"].as_array().unwrap().len()
        );
        ids.extend(
            fc["features"]
                .as_array()
                .unwrap()
                .iter()
                .map(|f| f["id"].as_str().unwrap().to_string()),
        );
        pages += 1;
        let next = fc["links"]
            .as_array()
            .unwrap()
            .iter()
            .find(|l| l["rel"] == "next")
            .map(|l| l["href"].as_str().unwrap().to_string());
        match next {
            Some(n) => url = n,
            None => break,
        }
        assert!(pages < 1000);
    }
    (ids, matched, pages)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn records_collection_items_and_record() {
    let (_dir, server) = server().await;

    // The shared /ogc root lists the collection and the Records conformance classes.
    let (status, _, conf) = server.get_json("/ogc/conformance").await;
    assert_eq!(status, 200);
    let conf = conf["conformsTo"].to_string();
    for c in ["record-core", "searchable-catalog", "sorting", "geojson"] {
        assert!(
            conf.contains(&format!("ogcapi-records-1/1.0/conf/{c}")),
            "{conf}"
        );
    }
    let (_, _, cols) = server.get_json("/ogc/collections").await;
    let catalog = cols["collections"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["id"] == "catalog")
        .expect("catalog collection listed");
    assert_eq!(catalog["itemType"], "record");
    let (status, ct, col) = server.get_json("/ogc/collections/catalog").await;
    assert_eq!((status, ct.as_str()), (200, "application/json"));
    assert_eq!(col["id"], "catalog");
    let (_, _, landing) = server.get_json("/ogc").await;
    assert!(landing["links"]
        .to_string()
        .contains("/ogc/collections/catalog"));

    // Paging through everything: each public record once; unpublished never.
    let (ids, matched, pages) = all_pages(&server, "/ogc/collections/catalog/items?limit=25").await;
    let mut sorted = ids.clone();
    sorted.sort();
    sorted.dedup();
    assert_eq!(sorted.len(), ids.len());
    assert_eq!(matched as usize, ids.len());
    assert_eq!(pages, ids.len().div_ceil(25));
    let fixture: Vec<String> = sorted
        .into_iter()
        .filter(|i| i.starts_with("fixture-"))
        .collect();
    let mut want = public_ids(RECORDS);
    want.sort();
    assert_eq!(fixture, want);

    let public: Vec<usize> = (1..=RECORDS)
        .filter(|i| record(*i).record.published)
        .collect();
    let expect = |pred: &dyn Fn(usize) -> bool| -> Vec<String> {
        public
            .iter()
            .filter(|i| pred(**i))
            .map(|i| format!("fixture-{i:04}"))
            .collect()
    };
    let get = |path: String| {
        let url = server.url(&path);
        async move {
            let resp = reqwest::get(&url).await.unwrap();
            let status = resp.status().as_u16();
            let ct = resp.headers()["content-type"].to_str().unwrap().to_string();
            (status, ct, resp.json::<Value>().await.unwrap())
        }
    };
    // q: accent- and case-insensitive; terms are alternatives.
    let tran = THEMES.iter().position(|t| *t == "TRAN").unwrap();
    let envi = THEMES.iter().position(|t| *t == "ENVI").unwrap();
    let (status, ct, fc) =
        get("/ogc/collections/catalog/items?q=tran,ENVI&limit=1000".into()).await;
    assert_eq!((status, ct.as_str()), (200, "application/geo+json"));
    let mut got = fixture_ids(&fc);
    got.sort();
    // (publisher names are searched too: "Bruxelles Environnement" publishes every third.)
    assert_eq!(
        got,
        expect(&|i| i % 6 == tran || i % 6 == envi || i % 3 == 2)
    );
    let (_, _, fc) = get("/ogc/collections/catalog/items?q=donnees%20110&limit=1000".into()).await;
    assert_eq!(fixture_ids(&fc), vec!["fixture-0110".to_string()]);
    // type and ids.
    let (_, _, fc) = get("/ogc/collections/catalog/items?type=service&limit=1000".into()).await;
    let mut got = fixture_ids(&fc);
    got.sort();
    assert_eq!(got, expect(&|i| i % 10 == 0));
    let (_, _, fc) =
        get("/ogc/collections/catalog/items?ids=fixture-0002,fixture-0005,fixture-0007".into())
            .await;
    assert_eq!(
        fixture_ids(&fc),
        vec!["fixture-0002", "fixture-0007"],
        "unpublished 0005 is hidden"
    );
    // bbox: fixture boxes move east with i % 20; a box east of 4.48 only meets the last ones.
    let (_, _, fc) =
        get("/ogc/collections/catalog/items?bbox=4.49,50.7,4.6,51.0&limit=1000".into()).await;
    let mut got = fixture_ids(&fc);
    got.sort();
    assert_eq!(got, expect(&|i| 4.40 + (i % 20) as f64 * 0.005 >= 4.49));
    // datetime: temporal extents start in 2000 + i % 20; ends only for i % 3 == 0.
    let (_, _, fc) =
        get("/ogc/collections/catalog/items?datetime=../2001-06-01&limit=1000".into()).await;
    let mut got = fixture_ids(&fc);
    got.sort();
    assert_eq!(got, expect(&|i| 2000 + i % 20 <= 2001));
    // sortby.
    let (_, _, fc) = get("/ogc/collections/catalog/items?sortby=-id&limit=3".into()).await;
    let first = fc["features"][0]["id"].as_str().unwrap().to_string();
    assert!(first.as_str() > "fixture-0119", "{first}");

    // One record.
    let (status, ct, rec) = get("/ogc/collections/catalog/items/fixture-0007".into()).await;
    assert_eq!((status, ct.as_str()), (200, "application/geo+json"));
    assert_eq!(rec["type"], "Feature");
    assert_eq!(rec["id"], "fixture-0007");
    assert_eq!(rec["geometry"]["type"], "Polygon");
    let p = &rec["properties"];
    assert_eq!(p["type"], "dataset");
    assert!(p["title"].as_str().unwrap().starts_with("Jeu de données 7"));
    assert!(p["titles"]["nl"].as_str().unwrap().contains("Dataset 7"));
    assert_eq!(p["license"], "CC-BY-4.0");
    assert!(
        p["contacts"].to_string().contains("mobility@sprb.brussels"),
        "{}",
        p["contacts"]
    );
    assert!(p["themes"].to_string().contains("data-theme"));
    assert!(p["updated"].as_str().is_some());
    let rels: Vec<&str> = rec["links"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l["rel"].as_str().unwrap())
        .collect();
    for r in ["self", "collection", "alternate", "license", "enclosure"] {
        assert!(rels.contains(&r), "{rels:?}");
    }
    // A service links its endpoint and served dataset.
    let (_, _, svc) = get("/ogc/collections/catalog/items/fixture-0020".into()).await;
    assert!(
        svc["links"].to_string().contains("\"rel\":\"service\""),
        "{}",
        svc["links"]
    );

    // Errors: problem+json 400 / 404.
    for q in [
        "bbox=1,2,3",
        "bbox=a,b,c,d",
        "datetime=tomorrow",
        "limit=0",
        "limit=x",
        "offset=-1",
        "type=map",
        "sortby=colour",
        "foo=bar",
        "f=html",
    ] {
        let (status, ct, body) = get(format!("/ogc/collections/catalog/items?{q}")).await;
        assert_eq!(
            (status, ct.as_str()),
            (400, "application/problem+json"),
            "{q}"
        );
        assert!(
            body["detail"].as_str().unwrap().contains("parameter"),
            "{q}: {body}"
        );
    }
    for id in ["nope", "fixture-0005"] {
        let (status, ct, _) = get(format!("/ogc/collections/catalog/items/{id}")).await;
        assert_eq!(
            (status, ct.as_str()),
            (404, "application/problem+json"),
            "{id}"
        );
    }
    // Beyond the end: an empty page, no next link.
    let (status, _, fc) = get("/ogc/collections/catalog/items?offset=100000".into()).await;
    assert_eq!(status, 200);
    assert_eq!(fc["numberReturned"], 0);
    assert!(!fc["links"].to_string().contains("\"next\""));
}
