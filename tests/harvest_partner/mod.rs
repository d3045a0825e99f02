//! A local partner HTTP server on 127.0.0.1 for the harvester tests: serves the real files of
//! `../shared/data/metadata` as CSW, DCAT, CKAN and OGC API Records partners, generated ISO
//! records, and faulty answers (500, hang, truncated, 50 MB, paging loops).
#![allow(dead_code)]

use std::collections::HashMap;
use std::io::{Read, Write};
use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::body::Body;
use axum::extract::{Query, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;

/// `../shared/data/metadata/<rel>`.
pub fn meta(rel: &str) -> Option<PathBuf> {
    let p = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../shared/data/metadata")
        .join(rel);
    if p.exists() {
        return Some(p);
    }
    if std::env::var("CI").is_ok_and(|v| v == "true") {
        panic!("CI=true but {} is missing", p.display());
    }
    eprintln!("skipped: {} is absent", p.display());
    None
}

fn read(rel: &str) -> Vec<u8> {
    std::fs::read(meta(rel).expect("shared file")).expect("read shared file")
}

pub const PYCSW_PAGE: &str =
    "csw/pycsw/tests/functionaltests/suites/apiso/expected/post_GetRecords-all.xml";
pub const BMDC_PAGE: &str =
    "csw/dcattools/scrapers/src/test/resources/be/fedict/dcat/scrapers/bmdc/datasets-example.xml";
pub const GEODATAGOV_PAGE: &str =
    "csw/ckanext-geodatagov/ckanext/geodatagov/tests/data-samples/sample3_getrecords2.xml";
pub const INSPIRE_PAGE: &str = "csw/OWSLib/tests/resources/inspire-getrecords-response.xml";
pub const STATBEL_TTL: &str = "belgium-federal-harvester/inspire-dcat/statbel_opendata_subset.ttl";
pub const FEDERAL_RDF: &str = "belgium-federal-harvester/inspire-dcat/exemple.rdf";
pub const SEMIC_JSONLD: &str =
    "dcat/DCAT-AP/releases/3.0.1/html/examples/example-bee-population-dataset-series.jsonld";
pub const CKAN_SEARCH: &str =
    "ckan/ckan-functional-tests/ckanfunctionaltests/api/example_responses/package_search.json";
pub const RECORD: &str = "ogcapi-records/ogcapi-records/core/examples/json/record.json";

/// One generated ISO record from the hand-written template.
pub fn iso_record(file_id: &str, dataset_id: &str, version: &str) -> String {
    include_str!("../fixtures/harvest/iso-template.xml")
        .replace("{FILE_ID}", file_id)
        .replace("{DATASET_ID}", dataset_id)
        .replace("{TITLE_FR}", &format!("Données {dataset_id}"))
        .replace("{TITLE_NL}", &format!("Gegevens {dataset_id}"))
        .replace("{VERSION}", version)
}

/// A CSW GetRecordsResponse page around records.
pub fn csw_page(records: &[String], matched: usize, next: usize) -> String {
    format!(
        r#"<?xml version="1.0" encoding="UTF-8"?>
<csw:GetRecordsResponse xmlns:csw="http://www.opengis.net/cat/csw/2.0.2" version="2.0.2"><csw:SearchStatus timestamp="2026-11-23T12:00:00Z"/><csw:SearchResults numberOfRecordsMatched="{matched}" numberOfRecordsReturned="{}" nextRecord="{next}" elementSet="full" recordSchema="http://www.isotc211.org/2005/gmd">{}</csw:SearchResults></csw:GetRecordsResponse>"#,
        records.len(),
        records.join("\n")
    )
}

/// Mutable behaviour of the partner.
#[derive(Default)]
pub struct Script {
    /// Records of the generated CSW: `(fileIdentifier, dataset identifier, version)`.
    pub generated: Vec<(String, String, String)>,
    /// Delay before each generated page.
    pub page_delay: Duration,
}

#[derive(Clone)]
pub struct Partner {
    pub base: String,
    pub script: Arc<Mutex<Script>>,
    pub hits: Arc<AtomicUsize>,
}

type Q = Query<HashMap<String, String>>;

fn xml(body: impl Into<Body>) -> Response {
    ([(header::CONTENT_TYPE, "application/xml")], body.into()).into_response()
}

fn start_position(q: &Q) -> usize {
    q.0.iter()
        .find(|(k, _)| k.eq_ignore_ascii_case("startPosition"))
        .and_then(|(_, v)| v.parse().ok())
        .unwrap_or(1)
}

/// The real-files CSW: page 1 pycsw (nextRecord 6), page 6 the BMDC response with a raw `&`,
/// page 11 the geodata.gov page (nextRecord 0).
async fn csw_real(q: Q) -> Response {
    match start_position(&q) {
        1 => xml(read(PYCSW_PAGE)),
        6 => xml(read(BMDC_PAGE)),
        11 => xml(read(GEODATAGOV_PAGE)),
        _ => xml(csw_page(&[], 0, 0)),
    }
}

/// The real GeoNetwork (INSPIRE) page: it declares 2 of 216 matched and nextRecord 85.
async fn csw_geonetwork(q: Q) -> Response {
    match start_position(&q) {
        1 => xml(read(INSPIRE_PAGE)),
        _ => xml(csw_page(&[], 216, 0)),
    }
}

/// A lying CSW whose nextRecord goes backwards.
async fn csw_backwards(q: Q) -> Response {
    let start = start_position(&q);
    let recs = vec![iso_record(
        &format!("back-{start}"),
        &format!("back-{start}"),
        "v1",
    )];
    xml(csw_page(&recs, 100, if start == 1 { 3 } else { 1 }))
}

async fn csw_generated(State(p): State<Partner>, q: Q) -> Response {
    let start = start_position(&q).max(1);
    let max: usize =
        q.0.iter()
            .find(|(k, _)| k.eq_ignore_ascii_case("maxRecords"))
            .and_then(|(_, v)| v.parse().ok())
            .unwrap_or(10);
    let (page, total, delay) = {
        let s = p.script.lock().expect("script");
        let page: Vec<String> = s
            .generated
            .iter()
            .skip(start - 1)
            .take(max)
            .map(|(f, d, v)| iso_record(f, d, v))
            .collect();
        (page, s.generated.len(), s.page_delay)
    };
    if !delay.is_zero() {
        tokio::time::sleep(delay).await;
    }
    let next = if start + page.len() > total {
        0
    } else {
        start + page.len()
    };
    xml(csw_page(&page, total, next))
}

async fn dcat(file: &'static str, ct: &'static str) -> Response {
    ([(header::CONTENT_TYPE, ct)], read(file)).into_response()
}

/// Hydra paging over two pages: page 1 is the statbel Turtle with a view pointing to page 2,
/// page 2 the federal RDF/XML example.
async fn dcat_paged(q: Q) -> Response {
    if q.0.get("page").map(String::as_str) == Some("2") {
        return dcat(FEDERAL_RDF, "application/rdf+xml").await;
    }
    let mut body = read(STATBEL_TTL);
    body.extend_from_slice(
        b"\n<http://127.0.0.1/dcat-paged?page=1> a <http://www.w3.org/ns/hydra/core#PartialCollectionView> ;\n  <http://www.w3.org/ns/hydra/core#next> <dcat-paged?page=2> .\n",
    );
    ([(header::CONTENT_TYPE, "text/turtle")], body).into_response()
}

async fn ckan_search(q: Q) -> Response {
    let start: usize = q.0.get("start").and_then(|s| s.parse().ok()).unwrap_or(0);
    if start == 0 {
        (
            [(header::CONTENT_TYPE, "application/json")],
            read(CKAN_SEARCH),
        )
            .into_response()
    } else {
        (
            [(header::CONTENT_TYPE, "application/json")],
            r#"{"success": true, "result": {"count": 0, "results": []}}"#,
        )
            .into_response()
    }
}

/// OGC API Records items whose `next` link loops back to the first page.
async fn records_items(State(p): State<Partner>, q: Q) -> Response {
    let rec: serde_json::Value = serde_json::from_slice(&read(RECORD)).expect("record.json");
    let page = q.0.get("page").cloned().unwrap_or_else(|| "1".into());
    let mut r2 = rec.clone();
    r2["id"] = serde_json::json!(format!("{}-page{page}", rec["id"].as_str().unwrap_or("r")));
    let next = if page == "1" { "2" } else { "1" };
    let body = serde_json::json!({
        "type": "FeatureCollection",
        "numberMatched": 2,
        "numberReturned": 1,
        "features": [r2],
        "links": [{"rel": "next", "type": "application/geo+json", "href": format!("{}/records/items?page={next}&limit=1", p.base)}]
    });
    (
        [(header::CONTENT_TYPE, "application/geo+json")],
        body.to_string(),
    )
        .into_response()
}

async fn status_500() -> Response {
    (StatusCode::INTERNAL_SERVER_ERROR, "boom").into_response()
}

async fn hang() -> Response {
    tokio::time::sleep(Duration::from_secs(60)).await;
    xml("<late/>")
}

/// Start the partner on a free loopback port (its own thread and runtime).
pub fn start() -> Partner {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = listener.local_addr().expect("addr").port();
    listener.set_nonblocking(true).expect("nonblocking");
    let partner = Partner {
        base: format!("http://127.0.0.1:{port}"),
        script: Arc::new(Mutex::new(Script::default())),
        hits: Arc::new(AtomicUsize::new(0)),
    };
    let p = partner.clone();
    std::thread::spawn(move || {
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .expect("runtime");
        rt.block_on(async move {
            let hits = p.hits.clone();
            let app = Router::new()
                .route("/csw", get(csw_real))
                .route("/csw-geonetwork", get(csw_geonetwork))
                .route("/csw-backwards", get(csw_backwards))
                .route("/csw-generated", get(csw_generated))
                .route(
                    "/dcat/statbel.ttl",
                    get(|| dcat(STATBEL_TTL, "text/turtle")),
                )
                .route(
                    "/dcat/exemple",
                    get(|| dcat(FEDERAL_RDF, "application/octet-stream")),
                )
                .route(
                    "/dcat/semic",
                    get(|| dcat(SEMIC_JSONLD, "application/ld+json")),
                )
                .route("/dcat-paged", get(dcat_paged))
                .route("/ckan/api/3/action/package_search", get(ckan_search))
                .route("/records/items", get(records_items))
                .route("/fault/500", get(status_500))
                .route("/fault/hang", get(hang))
                .layer(axum::middleware::from_fn(
                    move |req, next: axum::middleware::Next| {
                        let hits = hits.clone();
                        async move {
                            hits.fetch_add(1, Ordering::Relaxed);
                            next.run(req).await
                        }
                    },
                ))
                .with_state(p.clone());
            let l = tokio::net::TcpListener::from_std(listener).expect("listener");
            axum::serve(l, app).await.expect("serve");
        });
    });
    partner
}

/// A raw server that sends 50 MB without a Content-Length (the body ends when the connection
/// closes): the harvester must stop reading at its cap.
pub fn start_huge() -> String {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let addr = listener.local_addr().expect("addr");
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut s) = stream else { continue };
            let mut buf = [0u8; 4096];
            let _ = s.read(&mut buf);
            let _ = s.write_all(
                b"HTTP/1.1 200 OK\r\nContent-Type: application/xml\r\nConnection: close\r\n\r\n",
            );
            let chunk = vec![b' '; 1 << 20];
            for _ in 0..50 {
                if s.write_all(&chunk).is_err() {
                    break;
                }
            }
        }
    });
    format!("http://{addr}")
}

/// A raw server that announces 100,000 bytes and closes after 1,000 (a truncated body).
pub fn start_truncating() -> String {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let addr = listener.local_addr().expect("addr");
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut s) = stream else { continue };
            let mut buf = [0u8; 4096];
            let _ = s.read(&mut buf);
            let _ = s.write_all(
                b"HTTP/1.1 200 OK\r\nContent-Type: application/xml\r\nContent-Length: 100000\r\n\r\n",
            );
            let _ = s.write_all(&[b' '; 1000]);
            let _ = s.flush();
        }
    });
    format!("http://{addr}")
}
