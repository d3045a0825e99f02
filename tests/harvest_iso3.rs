//! ISO 19115-3 harvesting end to end: the real `urbis harvest` command against a local CSW on
//! 127.0.0.1 serving pycsw's real ISO 19115-3 GetRecords and GetRecordById responses (the
//! metawal.wallonie.be and AuScope records). The CSW answers only requests that ask for
//! `outputSchema=http://standards.iso.org/iso/19115/-3/mdb/2.0` and `typeNames=mdb:MD_Metadata`,
//! as a source configured with `output_schema` does.

mod catalog_fixture;
mod common;

use std::collections::HashMap;
use std::path::PathBuf;

use axum::extract::Query;
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use common::catalog_doc;
use serde_json::Value;

const MDB: &str = "http://standards.iso.org/iso/19115/-3/mdb/2.0";
const EXPECTED: &str = "data/metadata/csw/pycsw/tests/functionaltests/suites/iso19115p3/expected";
const CATCHMENTS: &str = "74f81503-8d39-4ec8-a49a-c76e0cd74946";

struct Files {
    page: String,
    by_id: String,
}

fn files() -> Option<Files> {
    let read = |name: &str| -> Option<String> {
        let p = common::shared(&format!("{EXPECTED}/{name}"))?;
        Some(std::fs::read_to_string(p).expect("read shared file"))
    };
    Some(Files {
        page: read("post_GetRecords-all.xml")?,
        by_id: read("post_GetRecordById-full.xml")?,
    })
}

/// The pycsw page with the catchments record's metadataIdentifier removed.
fn broken(page: &str) -> String {
    let id = format!("<gco:CharacterString>{CATCHMENTS}</gco:CharacterString>");
    let at = page.find(&id).expect("catchments id");
    let open = page[..at]
        .rfind("<mdb:metadataIdentifier>")
        .expect("open tag");
    let end = "</mdb:metadataIdentifier>";
    let close = at + page[at..].find(end).expect("close tag") + end.len();
    format!("{}{}", &page[..open], &page[close..])
}

fn xml(body: String) -> Response {
    ([(header::CONTENT_TYPE, "application/xml")], body).into_response()
}

/// A CSW GetRecords answer: the page at startPosition 1 (an empty page after it), or an OWS
/// exception when the request does not ask for ISO 19115-3.
fn csw(q: &HashMap<String, String>, page: &str) -> Response {
    let get = |k: &str| {
        q.iter()
            .find(|(key, _)| key.eq_ignore_ascii_case(k))
            .map(|(_, v)| v.as_str())
    };
    if get("outputSchema") != Some(MDB) || get("typeNames") != Some("mdb:MD_Metadata") {
        let body = format!(
            r#"<ows:ExceptionReport xmlns:ows="http://www.opengis.net/ows" version="1.0.0"><ows:Exception exceptionCode="InvalidParameterValue" locator="outputSchema"><ows:ExceptionText>this test CSW serves {MDB} only</ows:ExceptionText></ows:Exception></ows:ExceptionReport>"#
        );
        return (StatusCode::OK, xml(body)).into_response();
    }
    if get("startPosition") == Some("1") {
        xml(page.to_string())
    } else {
        xml(r#"<csw:GetRecordsResponse xmlns:csw="http://www.opengis.net/cat/csw/2.0.2" version="2.0.2"><csw:SearchResults numberOfRecordsMatched="4" numberOfRecordsReturned="0" nextRecord="0"/></csw:GetRecordsResponse>"#.to_string())
    }
}

/// Start the CSW on a free loopback port; returns its base URL.
fn start(f: Files) -> String {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let base = format!("http://{}", listener.local_addr().expect("addr"));
    listener.set_nonblocking(true).expect("nonblocking");
    let Files { page, by_id } = f;
    let broken_page = broken(&page);
    std::thread::spawn(move || {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("runtime");
        rt.block_on(async move {
            let app = Router::new()
                .route(
                    "/csw",
                    get(move |q: Query<HashMap<String, String>>| async move { csw(&q.0, &page) }),
                )
                .route(
                    "/csw-broken",
                    get(move |q: Query<HashMap<String, String>>| async move {
                        csw(&q.0, &broken_page)
                    }),
                )
                .route("/record", get(move || async move { xml(by_id) }));
            let l = tokio::net::TcpListener::from_std(listener).expect("listener");
            axum::serve(l, app).await.expect("serve");
        });
    });
    base
}

struct Env {
    dir: tempfile::TempDir,
    cfg: PathBuf,
}

/// A data directory and an `urbis.toml` with one source (`extra` lines added to it).
fn env(kind: &str, url: &str, extra: &str) -> Env {
    let dir = tempfile::tempdir().expect("tempdir");
    let toml = format!(
        "[harvest]\nallow_hosts = [\"127.0.0.1\"]\ntimeout_secs = 5\ndelay_ms = 0\nscheduler = false\n\n[[harvest.sources]]\nid = \"metawal\"\nkind = \"{kind}\"\nurl = \"{url}\"\npublisher = \"spw\"\npublisher_name = \"Service public de Wallonie\"\nlanguage = \"fr\"\n{extra}\n"
    );
    let cfg = dir.path().join("urbis.toml");
    std::fs::write(&cfg, toml).expect("write config");
    Env { dir, cfg }
}

fn urbis(e: &Env, args: &[&str]) -> Value {
    let out = std::process::Command::new(common::urbis_bin())
        .arg("--config")
        .arg(&e.cfg)
        .arg("--data-dir")
        .arg(e.dir.path())
        .args(args)
        .env("URBIS_SAMPLE", "")
        .env("RUST_LOG", "warn")
        .output()
        .expect("run urbis");
    serde_json::from_slice(&out.stdout).unwrap_or_else(|err| {
        panic!(
            "urbis {args:?}: no JSON ({err})\nstdout: {}\nstderr: {}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        )
    })
}

/// `urbis harvest run metawal --json` and the job's per-record results.
fn run(e: &Env) -> (Value, Vec<Value>) {
    let job = urbis(e, &["harvest", "run", "metawal", "--json"]);
    let id = job["id"].as_i64().expect("job id").to_string();
    let detail = urbis(e, &["harvest", "jobs", "--job", &id]);
    let records = detail["records"].as_array().cloned().unwrap_or_default();
    (job, records)
}

fn count(job: &Value, k: &str) -> i64 {
    job[k].as_i64().unwrap_or(-1)
}

#[test]
fn csw_with_output_schema_19115_3_harvests_the_metawal_records() {
    let Some(f) = files() else {
        return;
    };
    let base = start(f);
    let e = env(
        "csw",
        &format!("{base}/csw"),
        &format!("output_schema = \"{MDB}\""),
    );
    let (job, records) = run(&e);
    assert_eq!(job["status"], "done", "{job}");
    assert_eq!(count(&job, "created"), 4, "{job}");
    assert_eq!(count(&job, "failed"), 0, "{job}");
    assert!(records.iter().all(|r| r["status"] == "created"));

    let d = catalog_doc(e.dir.path(), &format!("metawal-{CATCHMENTS}"));
    assert_eq!(d["type"], "series");
    assert_eq!(d["title"]["fr"], "Protection des captages - Série");
    assert_eq!(d["identifier"], "BE.SPW.INFRASIG.GINET:PROTECT_CAPT");
    assert_eq!(d["publisher"], "spw");
    assert_eq!(d["spatial"]["bbox"]["west"], 2.75);
    assert_eq!(d["spatial"]["bbox"]["north"], 50.85);
    assert_eq!(
        d["contact_point"]["email"],
        "helpdesk.carto@spw.wallonie.be"
    );
    let dists = d["distributions"].as_array().expect("distributions");
    assert_eq!(dists.len(), 2, "{d}");
    assert_eq!(
        dists[1]["format"],
        "http://publications.europa.eu/resource/authority/file-type/WMS_SRVC"
    );
    assert_eq!(d["record"]["provenance"]["original_id"], CATCHMENTS);

    let srv = catalog_doc(e.dir.path(), "metawal-1714cd1e-6685-4dea-a6f4-b51612a15ed0");
    assert_eq!(srv["type"], "service");
    assert_eq!(
        srv["licence"]["uri"],
        "https://geoportail.wallonie.be/files/documents/ConditionsSPW/LicServicesSPW.pdf"
    );
    assert!(srv["service"]["endpoint_url"].as_str().is_some_and(
        |u| u.starts_with("https://geoservices.test.wallonie.be/geoserver/inspire_hh/ows")
    ));

    // The same source again: nothing new.
    let (again, _) = run(&e);
    assert_eq!(again["status"], "done", "{again}");
    assert_eq!(count(&again, "unchanged"), 4, "{again}");
    assert_eq!(count(&again, "created"), 0, "{again}");
}

#[test]
fn preview_of_a_19115_3_csw_writes_nothing() {
    let Some(f) = files() else {
        return;
    };
    let base = start(f);
    let e = env(
        "csw",
        &format!("{base}/csw"),
        &format!("output_schema = \"{MDB}\""),
    );
    let items = urbis(&e, &["harvest", "preview", "metawal", "-n", "4"]);
    let items = items.as_array().expect("preview list");
    assert_eq!(items.len(), 4);
    for it in items {
        assert_eq!(it["valid"], true, "{it}");
    }
    assert_eq!(items[3]["dataset"]["type"], "service", "{}", items[3]);
    // Nothing was written: the real run afterwards creates all four.
    let (job, _) = run(&e);
    assert_eq!(count(&job, "created"), 4, "{job}");
}

#[test]
fn csw_default_schema_stays_iso_19139() {
    let Some(f) = files() else {
        return;
    };
    let base = start(f);
    // No output_schema: the request asks for gmd, which this CSW refuses.
    let e = env("csw", &format!("{base}/csw"), "");
    let (job, _) = run(&e);
    assert_eq!(job["status"], "failed", "{job}");
    assert!(
        job["message"].as_str().is_some_and(
            |m| m.contains("serves http://standards.iso.org/iso/19115/-3/mdb/2.0 only")
        ),
        "{job}"
    );
}

#[test]
fn a_19115_3_record_without_identifier_fails_alone() {
    let Some(f) = files() else {
        return;
    };
    let base = start(f);
    let e = env(
        "csw",
        &format!("{base}/csw-broken"),
        &format!("output_schema = \"{MDB}\""),
    );
    let (job, records) = run(&e);
    assert_eq!(job["status"], "done-with-errors", "{job}");
    assert_eq!(count(&job, "created"), 3, "{job}");
    assert_eq!(count(&job, "failed"), 1, "{job}");
    let failed: Vec<&Value> = records.iter().filter(|r| r["status"] == "failed").collect();
    assert_eq!(failed.len(), 1);
    assert_eq!(failed[0]["stage"], "map");
    assert!(failed[0]["reason"]
        .as_str()
        .is_some_and(|r| r.contains("metadataIdentifier")));
}

#[test]
fn getrecordbyid_19115_3_as_a_file_source() {
    let Some(f) = files() else {
        return;
    };
    let base = start(f);
    let e = env("file", &format!("{base}/record"), "");
    let (job, records) = run(&e);
    assert_eq!(job["status"], "done", "{job}");
    assert_eq!(count(&job, "created"), 1, "{job}");
    assert_eq!(records.len(), 1);
    let id = records[0]["record_id"].as_str().expect("record id");
    let d = catalog_doc(e.dir.path(), id);
    assert!(d["title"].as_object().is_some_and(|t| !t.is_empty()), "{d}");
}

#[test]
fn harvested_19115_3_records_pass_dcat_ap_shacl() {
    let (Some(shacl), Some(vocab)) = (
        common::shared("data/metadata/shacl/DCAT-AP/releases/3.0.1/shacl"),
        common::shared("data/metadata/vocabularies/piveau-shacl-validator/src/main/resources/rdf"),
    ) else {
        return;
    };
    let Some(f) = files() else {
        return;
    };
    let base = start(f);
    let e = env(
        "csw",
        &format!("{base}/csw"),
        &format!("output_schema = \"{MDB}\""),
    );
    let (job, _) = run(&e);
    assert_eq!(count(&job, "created"), 4, "{job}");
    let cfg = e.cfg.to_str().expect("utf-8 path");
    let server = common::Server::start_with(e.dir.path(), &[("URBIS_CONFIG", cfg)]);
    let rt = tokio::runtime::Runtime::new().expect("runtime");
    let (status, _, body) =
        rt.block_on(catalog_fixture::get(&server.url("/catalog/dump.ttl"), None));
    assert_eq!(status, 200);
    let text = String::from_utf8_lossy(&body);
    assert!(
        text.contains("Protection des captages"),
        "harvested records are published"
    );
    let ttl = e.dir.path().join("harvested-iso3.ttl");
    std::fs::write(&ttl, &body).expect("write");
    let Some((code, out, err)) = catalog_fixture::python(
        "catalog_shacl.py",
        &[
            shacl.to_str().expect("utf-8 path"),
            vocab.to_str().expect("utf-8 path"),
            ttl.to_str().expect("utf-8 path"),
        ],
    ) else {
        return;
    };
    println!("{out}");
    assert_eq!(code, 0, "SHACL violations:\n{out}\n{err}");
    assert!(out.contains(" 0 violations"), "{out}");
}
