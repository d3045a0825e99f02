//! CSW 2.0.2 over HTTP on the real server: OWSLib runs data.gov.be's harvesting pattern (ISO
//! 19139, maxRecords=200, paging to the end: every record once), constrained queries, xmllint
//! validates the ISO and CSW responses against the official XSDs, and bad input always gets an
//! OWS exception report (never a 500).

mod catalog_fixture;
mod common;

use std::path::Path;
use std::process::Command;

use catalog_fixture::{fill, get, public_ids, python, record, THEMES};
use common::{shared, tool, Server};

const RECORDS: usize = 450;

async fn server() -> (tempfile::TempDir, Server) {
    let dir = tempfile::tempdir().expect("tempdir");
    fill(dir.path(), RECORDS).await;
    let server = Server::start(dir.path());
    (dir, server)
}

/// A schema importing ISO 19139 (gmd, gmx for anchors, srv for services). The CSW schemas
/// cannot be loaded in the same set: Filter 1.1 uses GML 3.1.1 and ISO 19139 (2006) GML 3.2
/// under one namespace, so CSW envelopes and ISO records are validated separately.
fn iso_schema(dir: &Path, schemas: &Path) -> std::path::PathBuf {
    let iso = schemas.join("pycsw/pycsw/plugins/profiles/apiso/schemas/ogc/iso/19139/20060504");
    let xsd = format!(
        r#"<?xml version="1.0" encoding="UTF-8"?>
<xs:schema xmlns:xs="http://www.w3.org/2001/XMLSchema" targetNamespace="urn:x-urbis:test-wrapper" elementFormDefault="qualified">
  <xs:import namespace="http://www.isotc211.org/2005/gmd" schemaLocation="{}"/>
  <xs:import namespace="http://www.isotc211.org/2005/gmx" schemaLocation="{}"/>
  <xs:import namespace="http://www.isotc211.org/2005/srv" schemaLocation="{}"/>
</xs:schema>
"#,
        iso.join("gmd/gmd.xsd").display(),
        iso.join("gmx/gmx.xsd").display(),
        iso.join("srv/srv.xsd").display(),
    );
    let p = dir.join("iso-wrapper.xsd");
    std::fs::write(&p, xsd).unwrap();
    p
}

/// Split a CSW response holding ISO records into the envelope without them and each record as
/// a standalone document (with the envelope's namespace declarations).
fn split_iso(doc: &str) -> (String, Vec<String>) {
    let root_start = doc.find("<csw:").expect("a CSW root element");
    let root_tag_end = root_start + doc[root_start..].find('>').unwrap();
    let ns: Vec<&str> = doc[root_start..root_tag_end]
        .split_whitespace()
        .filter(|a| a.starts_with("xmlns:"))
        .collect();
    let mut envelope = String::new();
    let mut records = Vec::new();
    let mut rest = doc;
    while let Some(i) = rest.find("<gmd:MD_Metadata") {
        envelope.push_str(&rest[..i]);
        let end = rest[i..].find("</gmd:MD_Metadata>").expect("record end")
            + i
            + "</gmd:MD_Metadata>".len();
        let rec = &rest[i..end];
        let tag_end = rec.find('>').unwrap();
        let mut head = rec[..tag_end].to_string();
        for a in &ns {
            let name = a.split('=').next().unwrap();
            if !head.contains(&format!("{name}=")) {
                head.push(' ');
                head.push_str(a.trim_end_matches('>').trim_end_matches('/'));
            }
        }
        records.push(format!(
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n{head}{}",
            &rec[tag_end..]
        ));
        rest = &rest[end..];
    }
    envelope.push_str(rest);
    (envelope, records)
}

/// Validate a CSW response with ISO records: the envelope against the CSW schema, each record
/// against ISO 19139. Returns the number of records.
fn validate_iso_response(dir: &Path, schemas: &Path, name: &str) -> usize {
    let doc = std::fs::read_to_string(dir.join(name)).unwrap();
    let (envelope, records) = split_iso(&doc);
    let discovery = schemas.join("pycsw/pycsw/core/schemas/ogc/csw/2.0.2/CSW-discovery.xsd");
    let env = dir.join(format!("{name}.envelope.xml"));
    std::fs::write(&env, envelope).unwrap();
    xmllint(&discovery, &env);
    let iso = iso_schema(dir, schemas);
    for (i, r) in records.iter().enumerate() {
        let p = dir.join(format!("{name}.record-{i}.xml"));
        std::fs::write(&p, r).unwrap();
        xmllint(&iso, &p);
    }
    records.len()
}

fn xmllint(schema: &Path, file: &Path) {
    let out = Command::new("xmllint")
        .args(["--noout", "--nonet", "--schema"])
        .arg(schema)
        .arg(file)
        .output()
        .expect("run xmllint");
    // Only the errors (the schema set's import warnings are noise).
    let err: Vec<String> = String::from_utf8_lossy(&out.stderr)
        .lines()
        .filter(|l| l.contains("error") || l.contains("fails to validate"))
        .take(20)
        .map(|l| l.chars().take(600).collect())
        .collect();
    assert!(
        out.status.success(),
        "{} does not validate against {}:\n{}",
        file.display(),
        schema.display(),
        err.join("\n")
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn owslib_harvest_pattern_and_xsd() {
    let Some(schemas) = shared("data/metadata/schemas") else {
        return;
    };
    let (dir, server) = server().await;
    let Some((code, out, err)) = python(
        "catalog_csw_owslib.py",
        &[&server.url("/csw"), dir.path().to_str().unwrap()],
    ) else {
        return;
    };
    assert_eq!(code, 0, "OWSLib failed:\n{out}\n{err}");
    let v: serde_json::Value = serde_json::from_str(out.trim()).expect("JSON summary");
    let ids = |k: &serde_json::Value| -> Vec<String> {
        k.as_array()
            .unwrap()
            .iter()
            .map(|x| x.as_str().unwrap().to_string())
            .collect()
    };

    for op in [
        "GetCapabilities",
        "DescribeRecord",
        "GetRecords",
        "GetRecordById",
    ] {
        assert!(
            v["operations"].to_string().contains(op),
            "{}",
            v["operations"]
        );
    }
    // Paging to the end: every public record exactly once, in id order.
    let seen = ids(&v["ids"]);
    let mut sorted = seen.clone();
    sorted.sort();
    sorted.dedup();
    assert_eq!(sorted.len(), seen.len(), "a record came twice");
    assert_eq!(v["matched"].as_u64(), Some(seen.len() as u64));
    assert_eq!(v["pages"].as_u64(), Some(seen.len().div_ceil(200) as u64));
    let fixture: Vec<String> = seen
        .iter()
        .filter(|i| i.starts_with("fixture-"))
        .cloned()
        .collect();
    let mut want = public_ids(RECORDS);
    want.sort();
    assert_eq!(fixture, want);
    assert!(
        seen.iter().any(|i| i == "urbis-addresses"),
        "UrbIS datasets are listed"
    );
    // Titles come from the ISO records (fr is the main language).
    assert!(
        v["titles"].to_string().contains("Jeu de données"),
        "{}",
        v["titles"]
    );

    // Constraints: AnyText LIKE, title LIKE AND date, BBOX, CQL.
    let fixture_of = |k: &serde_json::Value| -> Vec<String> {
        let mut x: Vec<String> = ids(k)
            .into_iter()
            .filter(|i| i.starts_with("fixture-"))
            .collect();
        x.sort();
        x
    };
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
    let tran = THEMES.iter().position(|t| *t == "TRAN").unwrap();
    assert_eq!(
        fixture_of(&v["anytext"]["ids"]),
        expect(&|i| i % THEMES.len() == tran)
    );
    assert_eq!(
        fixture_of(&v["title_like"]["ids"]),
        expect(&|i| i.to_string().starts_with('1'))
    );
    assert_eq!(v["bbox_none"].as_u64(), Some(0));
    assert_eq!(
        fixture_of(&v["cql_services"]["ids"]),
        expect(&|i| i % 10 == 0)
    );
    assert_eq!(ids(&v["by_id"]), vec![seen[0].clone()]);

    // The responses validate against the official schemas.
    if !tool("xmllint") {
        return;
    }
    assert_eq!(
        validate_iso_response(dir.path(), &schemas, "iso-page-1.xml"),
        200
    );
    assert_eq!(validate_iso_response(dir.path(), &schemas, "by-id.xml"), 1);
    let discovery = schemas.join("pycsw/pycsw/core/schemas/ogc/csw/2.0.2/CSW-discovery.xsd");
    xmllint(&discovery, &dir.path().join("dc-page.xml"));
    for (name, q) in [
        ("caps.xml", "service=CSW&request=GetCapabilities"),
        ("describe.xml", "service=CSW&version=2.0.2&request=DescribeRecord"),
        ("brief.xml", "service=CSW&version=2.0.2&request=GetRecords&resultType=results&elementSetName=brief&maxRecords=50"),
        ("summary.xml", "service=CSW&version=2.0.2&request=GetRecords&resultType=results&elementSetName=summary&maxRecords=50&sortBy=dct:modified:D"),
        ("hits.xml", "service=CSW&version=2.0.2&request=GetRecords&resultType=hits"),
        ("validate.xml", "service=CSW&version=2.0.2&request=GetRecords&resultType=validate"),
    ] {
        let (status, _, body) = get(&server.url(&format!("/csw?{q}")), None).await;
        assert_eq!(status, 200, "{q}");
        let p = dir.path().join(name);
        std::fs::write(&p, body).unwrap();
        xmllint(&discovery, &p);
    }
    // ISO in every element set, datasets and services alike.
    for esn in ["brief", "summary", "full"] {
        let q = format!("service=CSW&version=2.0.2&request=GetRecords&resultType=results&outputSchema=http://www.isotc211.org/2005/gmd&typeNames=gmd:MD_Metadata&elementSetName={esn}&maxRecords=60");
        let (status, _, body) = get(&server.url(&format!("/csw?{q}")), None).await;
        assert_eq!(status, 200);
        let name = format!("iso-{esn}.xml");
        std::fs::write(dir.path().join(&name), body).unwrap();
        assert_eq!(validate_iso_response(dir.path(), &schemas, &name), 60);
    }
    // Standalone ISO 19139 documents per record (a dataset with lineage, a service).
    let iso = iso_schema(dir.path(), &schemas);
    for id in ["fixture-0015", "fixture-0010", "urbis-addresses"] {
        let (status, ct, body) = get(&server.url(&format!("/datasets/{id}.xml")), None).await;
        assert_eq!(
            (status, ct.starts_with("application/xml")),
            (200, true),
            "{id}"
        );
        let text = String::from_utf8_lossy(&body).into_owned();
        assert!(text.contains(&format!("<gco:CharacterString>{id}</gco:CharacterString>")));
        let p = dir.path().join(format!("{id}.xml"));
        std::fs::write(&p, &body).unwrap();
        xmllint(&iso, &p);
    }
    let exc = schemas.join("pycsw/pycsw/core/schemas/ogc/ows/1.0.0/owsExceptionReport.xsd");
    let (_, _, body) = get(
        &server.url("/csw?service=CSW&version=2.0.2&request=GetRecords&outputSchema=urn:nope"),
        None,
    )
    .await;
    let p = dir.path().join("exception.xml");
    std::fs::write(&p, body).unwrap();
    xmllint(&exc, &p);
}

/// (status, exceptionCode, locator, text) of an OWS exception report.
fn exception(status: u16, body: &[u8]) -> (u16, String, String, String) {
    let text = String::from_utf8_lossy(body).into_owned();
    assert!(
        text.contains("ExceptionReport"),
        "not an exception report: {text}"
    );
    let attr = |name: &str| -> String {
        text.split(&format!("{name}=\""))
            .nth(1)
            .and_then(|r| r.split('"').next())
            .unwrap_or("")
            .to_string()
    };
    let msg = text
        .split("<ows:ExceptionText>")
        .nth(1)
        .and_then(|r| r.split("</ows:ExceptionText>").next())
        .unwrap_or("")
        .to_string();
    (status, attr("exceptionCode"), attr("locator"), msg)
}

async fn post(url: &str, body: impl Into<reqwest::Body>) -> (u16, Vec<u8>) {
    let resp = reqwest::Client::new()
        .post(url)
        .header("content-type", "application/xml")
        .body(body)
        .send()
        .await
        .expect("request");
    (resp.status().as_u16(), resp.bytes().await.unwrap().to_vec())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_input_gets_an_ows_exception_and_paging_ends() {
    let (_dir, server) = server().await;
    let csw = server.url("/csw");
    for (q, code, locator, needle) in [
        ("service=CSW&version=2.0.2&request=GetRecords&outputSchema=http://example.org/nope", "InvalidParameterValue", "outputSchema", "unsupported outputSchema"),
        ("service=CSW&version=2.0.2&request=GetRecords&constraintLanguage=CQL_TEXT&constraint=dc:title%20LIKE", "InvalidParameterValue", "constraint", "invalid CQL"),
        ("service=CSW&version=2.0.2&request=GetRecords&constraintLanguage=CQL_TEXT&constraint=dct:modified%20%3E%20%27soon%27", "InvalidParameterValue", "constraint", "ISO 8601"),
        ("service=CSW&version=2.0.2&request=GetRecords&constraintLanguage=FILTER&constraint=%3Cogc:Filter", "InvalidParameterValue", "constraint", "invalid Filter XML"),
        ("service=CSW&version=2.0.2&request=GetRecords&maxRecords=lots", "InvalidParameterValue", "maxRecords", "not a non-negative integer"),
        ("service=CSW&version=2.0.2&request=Transaction", "OperationNotSupported", "request", "not supported"),
        ("service=CSW&version=2.0.2", "MissingParameterValue", "request", "missing"),
        ("service=CSW&version=2.0.2&request=GetRecords&typeNames=rim:RegistryObject", "InvalidParameterValue", "typeNames", "unsupported typeName"),
    ] {
        let (status, _, body) = get(&format!("{csw}?{q}"), None).await;
        let (s, c, l, t) = exception(status, &body);
        assert_eq!((s, c.as_str(), l.as_str()), (400, code, locator), "{q}: {t}");
        assert!(t.contains(needle), "{q}: {t}");
    }

    // XML POST: malformed, entity expansion attempt, bad Filter, oversize (1 MB).
    let bomb = r#"<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol1 "&lol;&lol;&lol;&lol;">]><csw:GetRecords xmlns:csw="http://www.opengis.net/cat/csw/2.0.2" service="CSW" version="2.0.2">&lol1;</csw:GetRecords>"#;
    let bad_filter = r#"<csw:GetRecords xmlns:csw="http://www.opengis.net/cat/csw/2.0.2" xmlns:ogc="http://www.opengis.net/ogc" service="CSW" version="2.0.2" resultType="results"><csw:Query typeNames="csw:Record"><csw:Constraint version="1.1.0"><ogc:Filter><ogc:PropertyIsLike><ogc:PropertyName>nope:nope</ogc:PropertyName><ogc:Literal>x</ogc:Literal></ogc:PropertyIsLike></ogc:Filter></csw:Constraint></csw:Query></csw:GetRecords>"#;
    let huge = format!(
        r#"<csw:GetRecords xmlns:csw="http://www.opengis.net/cat/csw/2.0.2" service="CSW" version="2.0.2"><csw:Query typeNames="csw:Record"><csw:Constraint version="1.1.0"><csw:CqlText>AnyText LIKE '{}'</csw:CqlText></csw:Constraint></csw:Query></csw:GetRecords>"#,
        "x".repeat(1_000_000)
    );
    for (body, needle) in [
        (
            "<csw:GetRecords xmlns:csw=\"http://www.opengis.net/cat/csw/2.0.2\">".to_string(),
            "invalid XML",
        ),
        (bomb.to_string(), "DOCTYPE"),
        (bad_filter.to_string(), "unknown queryable"),
        (huge, "at most"),
    ] {
        let (status, resp) = post(&csw, body).await;
        let (s, _, _, t) = exception(status, &resp);
        assert_eq!(s, 400, "{t}");
        assert!(t.contains(needle), "{needle}: {t}");
    }
    // A long (30 KB) but valid CQL in the query string is answered (nothing matches); longer
    // query strings are refused by the HTTP layer (414) before any handler.
    let long = format!(
        "{csw}?service=CSW&version=2.0.2&request=GetRecords&constraintLanguage=CQL_TEXT&constraint=AnyText%20LIKE%20%27{}%27",
        "y".repeat(30_000)
    );
    let (status, _, body) = get(&long, None).await;
    assert_eq!(status, 200);
    assert!(String::from_utf8_lossy(&body).contains("numberOfRecordsMatched=\"0\""));

    // Beyond the end: matched N, returned 0, nextRecord 0.
    let (status, _, body) = get(&format!("{csw}?service=CSW&version=2.0.2&request=GetRecords&resultType=results&startPosition=100000"), None).await;
    assert_eq!(status, 200);
    let text = String::from_utf8_lossy(&body);
    assert!(
        text.contains("numberOfRecordsReturned=\"0\" nextRecord=\"0\""),
        "{text}"
    );
    assert!(!text.contains("numberOfRecordsMatched=\"0\""), "{text}");
    // The last page ends with nextRecord 0; the one before points at it.
    let (_, _, body) = get(
        &format!("{csw}?service=CSW&version=2.0.2&request=GetRecords&resultType=hits"),
        None,
    )
    .await;
    let text = String::from_utf8_lossy(&body).into_owned();
    let matched: usize = text
        .split("numberOfRecordsMatched=\"")
        .nth(1)
        .unwrap()
        .split('"')
        .next()
        .unwrap()
        .parse()
        .unwrap();
    let (_, _, body) = get(&format!("{csw}?service=CSW&version=2.0.2&request=GetRecords&resultType=results&startPosition={}&maxRecords=10", matched - 4), None).await;
    let text = String::from_utf8_lossy(&body);
    assert!(
        text.contains("numberOfRecordsReturned=\"5\" nextRecord=\"0\""),
        "{text}"
    );
    let (_, _, body) = get(&format!("{csw}?service=CSW&version=2.0.2&request=GetRecords&resultType=results&startPosition=1&maxRecords=10"), None).await;
    let text = String::from_utf8_lossy(&body);
    assert!(
        text.contains("numberOfRecordsReturned=\"10\" nextRecord=\"11\""),
        "{text}"
    );
}
