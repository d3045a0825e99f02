//! DCAT-AP publication over HTTP on the real server: pySHACL against the official DCAT-AP 3.0.1
//! shapes (0 violations), rdflib parsing every serialisation and round-tripping the graph, Hydra
//! paging followed like a harvester, content negotiation and errors.

mod catalog_fixture;
mod common;

use catalog_fixture::{fill, get, public_ids, python};
use common::{shared, Server};

const RECORDS: usize = 300;

async fn server() -> (tempfile::TempDir, Server) {
    let dir = tempfile::tempdir().expect("tempdir");
    fill(dir.path(), RECORDS).await;
    let server = Server::start(dir.path());
    (dir, server)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn shacl_rdflib_and_roundtrip() {
    let (Some(shacl), Some(vocab)) = (
        shared("data/metadata/shacl/DCAT-AP/releases/3.0.1/shacl"),
        shared("data/metadata/vocabularies/piveau-shacl-validator/src/main/resources/rdf"),
    ) else {
        return;
    };
    let (dir, server) = server().await;
    let mut files = Vec::new();
    for (path, name) in [
        ("/catalog/dump.ttl", "dump.ttl"),
        ("/catalog/dump.rdf", "dump.rdf"),
        ("/catalog/dump.jsonld", "dump.jsonld"),
        ("/catalog/dump.nt", "dump.nt"),
    ] {
        let (status, ct, body) = get(&server.url(path), None).await;
        assert_eq!(status, 200, "{path}: {}", String::from_utf8_lossy(&body));
        assert!(!ct.is_empty());
        let f = dir.path().join(name);
        std::fs::write(&f, &body).unwrap();
        files.push(f.to_string_lossy().into_owned());
    }
    // The server's own records link to this server as the request named it, not to the
    // address it was started with (`127.0.0.1:0`).
    let ttl = std::fs::read_to_string(&files[0]).unwrap();
    assert!(!ttl.contains("127.0.0.1:0/"), "links to the listen address");
    assert!(
        ttl.contains(&format!("<{}/ogc", server.base)),
        "no link to {}/ogc",
        server.base
    );
    // One whole page too (what /catalog answers).
    let (status, _, body) = get(&server.url("/catalog.ttl?page_size=1000"), None).await;
    assert_eq!(status, 200);
    let page = dir.path().join("page.ttl");
    std::fs::write(&page, &body).unwrap();

    let args: Vec<&str> = files.iter().map(String::as_str).collect();
    let Some((code, out, err)) = python("catalog_rdf.py", &[&["roundtrip"], &args[..]].concat())
    else {
        return;
    };
    assert_eq!(code, 0, "rdflib round trip failed:\n{out}\n{err}");
    let summary: serde_json::Value = serde_json::from_str(out.trim()).expect("summary JSON");
    let all: Vec<String> = summary["records"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap().rsplit('/').next().unwrap().to_string())
        .collect();
    // The server's own UrbIS layers are in the catalogue too.
    let (urbis, got): (Vec<String>, Vec<String>) =
        all.into_iter().partition(|id| id.starts_with("urbis-"));
    let mut want = public_ids(RECORDS);
    want.sort();
    assert_eq!(got, want, "the dump lists every public record once");
    for layer in [
        "addresses",
        "buildings",
        "parcels",
        "streets",
        "municipalities",
    ] {
        assert!(urbis.contains(&format!("urbis-{layer}")), "{urbis:?}");
    }

    let mut shacl_args = vec![
        shacl.to_str().unwrap(),
        vocab.to_str().unwrap(),
        files[0].as_str(),
        files[2].as_str(),
    ];
    let page_s = page.to_string_lossy().into_owned();
    shacl_args.push(&page_s);
    let Some((code, out, err)) = python("catalog_shacl.py", &shacl_args) else {
        return;
    };
    println!("{out}");
    assert_eq!(code, 0, "SHACL violations:\n{out}\n{err}");
    assert!(out.contains(" 0 violations"), "{out}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn negotiation_paging_and_errors() {
    let (_dir, server) = server().await;
    // Content negotiation on /catalog and /datasets/{id}.
    for (accept, ct) in [
        (None, "text/turtle"),
        (Some("application/rdf+xml"), "application/rdf+xml"),
        (Some("application/ld+json"), "application/ld+json"),
        (Some("text/html,*/*;q=0.8"), "text/turtle"),
    ] {
        let (status, got, _) = get(&server.url("/catalog?page_size=5"), accept).await;
        assert_eq!(status, 200);
        assert!(got.starts_with(ct), "{accept:?} -> {got}");
        let (status, got, _) = get(&server.url("/datasets/fixture-0001"), accept).await;
        assert_eq!(status, 200);
        assert!(got.starts_with(ct), "{accept:?} -> {got}");
    }
    for (ext, ct) in [
        ("ttl", "text/turtle"),
        ("rdf", "application/rdf+xml"),
        ("jsonld", "application/ld+json"),
        ("nt", "application/n-triples"),
    ] {
        let (status, got, body) =
            get(&server.url(&format!("/datasets/fixture-0010.{ext}")), None).await;
        assert_eq!(status, 200);
        assert!(got.starts_with(ct));
        let text = String::from_utf8(body).unwrap();
        assert!(text.contains("fixture-0010"), "{text}");
        let (status, got, _) = get(&server.url(&format!("/catalog.{ext}?page_size=3")), None).await;
        assert_eq!((status, got.starts_with(ct)), (200, true));
    }
    let (status, _, _) = get(&server.url("/catalog"), Some("image/png")).await;
    assert_eq!(status, 406);
    // Unpublished (every 13th from 5) and unknown records are not found.
    for id in ["fixture-0005", "fixture-0005.ttl", "nope"] {
        let (status, ct, _) = get(&server.url(&format!("/datasets/{id}")), None).await;
        assert_eq!(status, 404, "{id}");
        assert_eq!(ct, "application/problem+json");
    }
    for q in [
        "page=0",
        "page=x",
        "page_size=100000",
        "modified_since=yesterday",
        "foo=1",
    ] {
        let (status, ct, body) = get(&server.url(&format!("/catalog?{q}")), None).await;
        assert_eq!(status, 400, "{q}");
        assert_eq!(ct, "application/problem+json");
        let p: serde_json::Value = serde_json::from_slice(&body).unwrap();
        assert!(p["detail"].as_str().unwrap().contains("parameter"), "{p}");
    }
    // A harvester following the Hydra `next` links sees every record exactly once.
    let Some((code, out, err)) = python(
        "catalog_rdf.py",
        &["page", &server.url("/catalog?page_size=40")],
    ) else {
        return;
    };
    assert_eq!(code, 0, "{out}\n{err}");
    let v: serde_json::Value = serde_json::from_str(out.trim()).unwrap();
    let mut records: Vec<String> = v["records"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r.as_str().unwrap().rsplit('/').next().unwrap().to_string())
        .collect();
    let n = records.len();
    records.sort();
    records.dedup();
    assert_eq!(records.len(), n, "a record came twice");
    assert_eq!(v["total"].as_u64(), Some(n as u64));
    assert_eq!(v["pages"].as_u64(), Some(n.div_ceil(40) as u64));
    let fixture: Vec<String> = records
        .into_iter()
        .filter(|r| r.starts_with("fixture-"))
        .collect();
    let mut want = public_ids(RECORDS);
    want.sort();
    assert_eq!(fixture, want);
    // The dump takes modified_since too, and refuses anything else.
    let (status, _, body) = get(
        &server.url("/catalog/dump.nt?modified_since=2999-01-01"),
        None,
    )
    .await;
    assert_eq!(status, 200);
    let text = String::from_utf8(body).unwrap();
    assert!(
        !text.contains("dcat#dataset>"),
        "nothing modified since 2999: {text}"
    );
    for q in ["modified_since=soon", "page=2"] {
        let (status, ct, _) = get(&server.url(&format!("/catalog/dump.ttl?{q}")), None).await;
        assert_eq!(
            (status, ct.as_str()),
            (400, "application/problem+json"),
            "{q}"
        );
    }
    // modified_since narrows the listing (records were all just written).
    let (_, _, body) = get(&server.url("/catalog.nt?modified_since=2999-01-01"), None).await;
    let text = String::from_utf8(body).unwrap();
    assert!(text.contains("totalItems> \"0\""), "{text}");
}

/// The core's generated catalogue fixture (`urbis catalog generate`) plus the UrbIS datasets:
/// 0 SHACL violations too.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn generated_catalogue_validates() {
    let (Some(shacl), Some(vocab)) = (
        shared("data/metadata/shacl/DCAT-AP/releases/3.0.1/shacl"),
        shared("data/metadata/vocabularies/piveau-shacl-validator/src/main/resources/rdf"),
    ) else {
        return;
    };
    let dir = tempfile::tempdir().expect("tempdir");
    common::urbis(dir.path(), &["catalog", "generate", "--count", "300"]);
    let server = Server::start(dir.path());
    let mut files = Vec::new();
    for (path, name) in [
        ("/catalog/dump.ttl", "gen.ttl"),
        ("/catalog.rdf?page_size=120&page=2", "gen-page2.rdf"),
    ] {
        let (status, _, body) = get(&server.url(path), None).await;
        assert_eq!(status, 200, "{path}");
        let f = dir.path().join(name);
        std::fs::write(&f, &body).unwrap();
        files.push(f.to_string_lossy().into_owned());
    }
    let mut args = vec![shacl.to_str().unwrap(), vocab.to_str().unwrap()];
    args.extend(files.iter().map(String::as_str));
    let Some((code, out, err)) = python("catalog_shacl.py", &args) else {
        return;
    };
    println!("{out}");
    assert_eq!(code, 0, "SHACL violations:\n{out}\n{err}");
}
