//! The catalogue's JSON search API and admin API over HTTP on the real server: full text in FR/NL
//! with accents and stemming, facet counts, bbox, temporal, paging totals, sort; the UrbIS layers
//! as datasets after an import and after a second one; admin authentication (401/403), 422
//! validation, create/publish/unpublish/delete with the audit log.

mod common;

use std::time::{Duration, Instant};

use common::{generate, import, urbis, Server};
use serde_json::{json, Value};

const ADMIN: &str = "catalog-test-admin-key-0123456789";

fn client() -> reqwest::Client {
    reqwest::Client::new()
}

/// A server on a catalogue of `count` generated records (no UrbIS data).
fn server_with_catalogue(count: usize) -> (tempfile::TempDir, Server) {
    let dir = tempfile::tempdir().expect("tempdir");
    urbis(
        dir.path(),
        &["catalog", "generate", "--count", &count.to_string()],
    );
    let server = Server::start_with(dir.path(), &[("URBIS_ADMIN_KEY", ADMIN)]);
    (dir, server)
}

async fn send(
    server: &Server,
    method: reqwest::Method,
    path: &str,
    key: Option<&str>,
    body: Option<&Value>,
) -> (u16, Value) {
    let mut req = client().request(method, server.url(path));
    if let Some(k) = key {
        req = req.bearer_auth(k);
    }
    if let Some(b) = body {
        req = req.json(b);
    }
    let resp = req.send().await.expect("request");
    let status = resp.status().as_u16();
    let text = resp.text().await.expect("body");
    let v = if text.is_empty() {
        Value::Null
    } else {
        serde_json::from_str(&text).unwrap_or_else(|e| panic!("{path}: not JSON ({e}): {text}"))
    };
    (status, v)
}

fn ids(page: &Value) -> Vec<String> {
    page["items"]
        .as_array()
        .expect("items")
        .iter()
        .map(|i| i["id"].as_str().expect("id").to_string())
        .collect()
}

fn record(id: &str, fr: &str, nl: &str, publisher: &str) -> Value {
    json!({
        "id": id,
        "title": {"fr": fr, "nl": nl},
        "description": {"fr": format!("{fr} : description"), "nl": format!("{nl}: beschrijving")},
        "publisher": publisher,
        "keywords": {"fr": ["enseignement"], "nl": ["onderwijs"]},
        "themes": ["http://publications.europa.eu/resource/authority/data-theme/EDUC"],
        "spatial": {"bbox": {"west": 4.36, "south": 50.81, "east": 4.39, "north": 50.83}},
        "temporal": {"start": "1990-01-01", "end": "1991-12-31"},
        "contact_point": {"fn": {"fr": "Service"}, "email": "info@example.brussels"},
        "distributions": [{
            "id": "csv",
            "access_url": "https://example.brussels/data.csv",
            "format": "http://publications.europa.eu/resource/authority/file-type/CSV"
        }]
    })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn search_text_facets_bbox_paging_sort() {
    let (_dir, server) = server_with_catalogue(400);
    // Two records with words to find, created and published through the admin API.
    for (id, fr, nl) in [
        (
            "ecoles-ixelles",
            "Bâtiments scolaires d'Ixelles",
            "Schoolgebouwen in Elsene",
        ),
        (
            "pistes-cyclables",
            "Pistes cyclables du Pentagone",
            "Fietspaden van de Vijfhoek",
        ),
    ] {
        let (s, v) = send(
            &server,
            reqwest::Method::POST,
            "/api/admin/datasets",
            Some(ADMIN),
            Some(&record(id, fr, nl, "bruxelles-mobilite")),
        )
        .await;
        assert_eq!(s, 201, "{v}");
        let (s, _) = send(
            &server,
            reqwest::Method::POST,
            &format!("/api/admin/datasets/{id}/publish"),
            Some(ADMIN),
            None,
        )
        .await;
        assert_eq!(s, 200);
    }

    // Accents, case and stemming in French and Dutch.
    for (q, want) in [
        ("batiments scolaires", "ecoles-ixelles"),
        ("BÂTIMENT scolaire", "ecoles-ixelles"),
        ("schoolgebouw", "ecoles-ixelles"),
        ("scolaire ixelles", "ecoles-ixelles"),
        ("piste cyclable pentagone", "pistes-cyclables"),
        ("fietspaden vijfhoek", "pistes-cyclables"),
    ] {
        let (s, _, v) = server
            .get_json(&format!(
                "/api/datasets?q={}&facets=none",
                q.replace(' ', "%20")
            ))
            .await;
        assert_eq!(s, 200);
        assert_eq!(ids(&v), [want], "q={q}: {v}");
        assert_eq!(v["total"], 1);
    }
    // Generated titles: French stemming of plurals, Dutch compound stems.
    let (_, _, trees) = server
        .get_json("/api/datasets?q=arbre%20remarquable&limit=100")
        .await;
    let (_, _, bomen) = server
        .get_json("/api/datasets?q=merkwaardige%20boom&limit=100")
        .await;
    assert!(trees["total"].as_u64().unwrap() > 0);
    assert_eq!(
        trees["total"], bomen["total"],
        "FR and NL find the same records"
    );

    // Facets: counts over the whole result set.
    let (_, _, all) = server.get_json("/api/datasets?limit=0").await;
    let total = all["total"].as_u64().unwrap();
    assert!(total > 300, "{total}");
    let type_sum: u64 = all["facets"]["type"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["count"].as_u64().unwrap())
        .sum();
    assert_eq!(type_sum, total);
    let themes = all["facets"]["theme"].as_array().unwrap();
    let envi = themes
        .iter()
        .find(|t| t["value"] == "http://publications.europa.eu/resource/authority/data-theme/ENVI")
        .expect("ENVI facet");
    let envi_n = envi["count"].as_u64().unwrap();
    let (_, _, filtered) = server.get_json("/api/datasets?theme=ENVI&limit=0").await;
    assert_eq!(filtered["total"].as_u64().unwrap(), envi_n);
    let publishers = all["facets"]["publisher"].as_array().unwrap();
    assert!(
        publishers.iter().all(|p| p["label"].is_string()),
        "{publishers:?}"
    );

    // Paging: every record of a filter once, totals stable.
    let mut seen = Vec::new();
    for page in 1.. {
        let (_, _, v) = server
            .get_json(&format!(
                "/api/datasets?theme=ENVI&limit=7&page={page}&sort=title&facets=none"
            ))
            .await;
        assert_eq!(v["total"].as_u64().unwrap(), envi_n);
        let got = ids(&v);
        if got.is_empty() {
            break;
        }
        let has_next = v["links"]
            .as_array()
            .unwrap()
            .iter()
            .any(|l| l["rel"] == "next");
        assert_eq!(has_next, (page * 7) < envi_n as usize);
        seen.extend(got);
    }
    let n = seen.len();
    seen.sort();
    seen.dedup();
    assert_eq!((n, seen.len()), (envi_n as usize, envi_n as usize));

    // Sort by title (French, accents ignored) and by modification.
    let (_, _, v) = server
        .get_json("/api/datasets?sort=title&limit=50&facets=none")
        .await;
    let titles: Vec<String> = v["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| {
            i["title"]["fr"]
                .as_str()
                .unwrap()
                .to_lowercase()
                .replace(['é', 'è', 'ê'], "e")
                .replace('â', "a")
        })
        .collect();
    let mut sorted = titles.clone();
    sorted.sort();
    assert_eq!(titles, sorted);
    let (_, _, v) = server
        .get_json("/api/datasets?sort=modified&limit=50&facets=none")
        .await;
    let modified: Vec<&str> = v["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| {
            let m = i["modified"].as_str().or(i["record"]["modified"].as_str());
            &m.unwrap_or("")[..10]
        })
        .collect();
    assert!(modified.windows(2).all(|w| w[0] >= w[1]), "{modified:?}");

    // Bbox and temporal range.
    let (_, _, far) = server
        .get_json("/api/datasets?bbox=5.5,51.5,6,52&limit=0")
        .await;
    assert_eq!(far["total"], 0);
    let (_, _, near) = server
        .get_json("/api/datasets?bbox=4.37,50.815,4.375,50.82&temporal=1985-01-01/1990-06-30&limit=10&facets=none")
        .await;
    let mut got = ids(&near);
    got.sort();
    assert_eq!(got, ["ecoles-ixelles", "pistes-cyclables"]);
    assert_eq!(near["total"], 2, "{near}");
    let (_, _, later) = server
        .get_json("/api/datasets?temporal=1992-01-01/1993-01-01&q=scolaires&limit=0")
        .await;
    assert_eq!(later["total"], 0);

    // Services, publishers, one record, MQA.
    let (_, _, services) = server.get_json("/api/services?limit=100&facets=none").await;
    assert!(services["items"]
        .as_array()
        .unwrap()
        .iter()
        .all(|s| s["type"] == "service" && s["service"]["endpoint_url"].is_string()));
    let (_, _, pubs) = server.get_json("/api/publishers").await;
    assert_eq!(pubs["total"], 51, "50 generated + CIRB");
    let (s, _, one) = server.get_json("/api/datasets/ecoles-ixelles").await;
    assert_eq!(s, 200);
    assert!(one["uri"]
        .as_str()
        .unwrap()
        .ends_with("/datasets/ecoles-ixelles"));
    assert_eq!(one["mqa"]["max"], 405.0);
    assert!(one["mqa"]["dimensions"].as_array().unwrap().len() == 5);
    let (_, _, quality) = server.get_json("/api/catalogue/quality").await;
    assert!(quality["datasets"].as_u64().unwrap() > 300);
    assert!(["Excellent", "Good", "Sufficient", "Bad"].contains(&quality["band"].as_str().unwrap()));

    // Bad parameters: problem+json 400, never a 500.
    for bad in [
        "/api/datasets?bbox=1,2,3",
        "/api/datasets?sort=random",
        "/api/datasets?limit=5000",
        "/api/datasets?modified_since=yesterday",
        "/api/datasets?temporal=2020-01-01/2019-01-01",
        "/api/datasets?colour=red",
        "/api/services?type=dataset",
    ] {
        let (s, ct, v) = server.get_json(bad).await;
        assert_eq!(s, 400, "{bad}: {v}");
        assert_eq!(ct, "application/problem+json");
        assert!(v["detail"].is_string());
    }
    let long = "x".repeat(2000);
    let (s, _, _) = server.get_json(&format!("/api/datasets?q={long}")).await;
    assert_eq!(s, 400);
    let (s, _, _) = server.get_json("/api/datasets/does-not-exist").await;
    assert_eq!(s, 404);

    // The OpenAPI document.
    let (s, _, doc) = server.get_json("/api/openapi.json").await;
    assert_eq!(s, 200);
    assert!(doc["openapi"].as_str().unwrap().starts_with("3.1"));
    assert!(doc["paths"]["/api/datasets"]["get"].is_object());
}

async fn wait_for<F: Fn(&Value) -> bool>(server: &Server, path: &str, ok: F) -> Value {
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let (_, _, v) = server.get_json(path).await;
        if ok(&v) {
            return v;
        }
        assert!(
            Instant::now() < deadline,
            "timed out waiting on {path}: {v}"
        );
        tokio::time::sleep(Duration::from_millis(300)).await;
    }
}

/// The feature count in an UrbIS dataset's English description.
fn described_count(v: &Value) -> u64 {
    let en = v["description"]["en"].as_str().unwrap_or("");
    let after = en.split("): ").nth(1).unwrap_or("");
    after
        .chars()
        .take_while(|c| c.is_ascii_digit() || *c == '\u{202f}')
        .filter(char::is_ascii_digit)
        .collect::<String>()
        .parse()
        .unwrap_or(u64::MAX)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn urbis_layers_are_datasets_kept_in_step_with_imports() {
    let dir = tempfile::tempdir().expect("tempdir");
    let first = dir.path().join("first.gpkg");
    generate(&first, 0.01);
    import(dir.path(), &first);
    let server = Server::start_with(dir.path(), &[("URBIS_RELOAD_INTERVAL", "1")]);
    let (_, _, health) = server.get_json("/health").await;
    let n1 = health["layers"]["addresses"].as_u64().unwrap();
    let (s, _, ds) = server.get_json("/api/datasets/urbis-addresses").await;
    assert_eq!(s, 200);
    assert_eq!(described_count(&ds), n1, "{}", ds["description"]);
    assert_eq!(ds["publisher"], "cirb");
    assert_eq!(
        ds["hvd_categories"][0],
        "http://data.europa.eu/bna/c_ac64a52d"
    );
    assert!(ds["contact_point"]["email"].as_str().unwrap().contains('@'));
    let bbox = &ds["spatial"]["bbox"];
    assert!(
        bbox["west"].as_f64().unwrap() > 4.0 && bbox["east"].as_f64().unwrap() < 4.6,
        "{bbox}"
    );
    let urls: Vec<&str> = ds["distributions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["access_url"].as_str().unwrap())
        .collect();
    assert!(
        urls.contains(&server.url("/downloads/addresses.gpkg").as_str()),
        "{urls:?}"
    );
    assert!(
        urls.contains(&server.url("/ogc/collections/addresses").as_str()),
        "{urls:?}"
    );
    for layer in ["buildings", "parcels", "streets", "municipalities"] {
        let (s, _, _) = server
            .get_json(&format!("/api/datasets/urbis-{layer}"))
            .await;
        assert_eq!(s, 200, "urbis-{layer}");
    }
    let (_, _, tiles) = server.get_json("/api/services/urbis-vector-tiles").await;
    assert_eq!(
        tiles["service"]["endpoint_url"],
        server.url("/tiles/urbis.json")
    );
    let (_, _, hvd) = server
        .get_json("/api/datasets?hvd=true&publisher=cirb&limit=0")
        .await;
    assert_eq!(hvd["total"], 5);

    // A second import: the datasets follow the new generation.
    let second = dir.path().join("second.gpkg");
    generate(&second, 0.02);
    import(dir.path(), &second);
    let health = wait_for(&server, "/health", |h| {
        h["layers"]["addresses"].as_u64() != Some(n1)
    })
    .await;
    let n2 = health["layers"]["addresses"].as_u64().unwrap();
    let ds = wait_for(&server, "/api/datasets/urbis-addresses", |d| {
        described_count(d) == n2
    })
    .await;
    assert_ne!(n1, n2);
    assert!(ds["description"]["fr"]
        .as_str()
        .unwrap()
        .contains("Génération"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn admin_api_auth_validation_publication_audit() {
    let (dir, server) = server_with_catalogue(20);
    // An officer key of STIB, made with the CLI (printed once on stdout).
    let out = urbis(
        dir.path(),
        &[
            "catalog",
            "key",
            "create",
            "--role",
            "officer",
            "--publisher",
            "stib",
        ],
    );
    let officer = String::from_utf8(out.stdout).unwrap().trim().to_string();
    assert!(officer.starts_with("urbis_"), "{officer}");
    use reqwest::Method;

    // 401 without a key, with a wrong key; 403 outside the officer's publisher.
    let body = record(
        "stib-arrets",
        "Arrêts de la STIB place Flagey",
        "Haltes van de MIVB Flageyplein",
        "stib",
    );
    let resp = client()
        .post(server.url("/api/admin/datasets"))
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status().as_u16(), 401);
    assert!(resp.headers().get("www-authenticate").is_some());
    let (s, _) = send(
        &server,
        Method::POST,
        "/api/admin/datasets",
        Some("urbis_00.bad"),
        Some(&body),
    )
    .await;
    assert_eq!(s, 401);
    let other = record("vivaqua-x", "Eau", "Water", "vivaqua");
    let (s, v) = send(
        &server,
        Method::POST,
        "/api/admin/datasets",
        Some(&officer),
        Some(&other),
    )
    .await;
    assert_eq!(s, 403, "{v}");
    let (s, _) = send(
        &server,
        Method::PUT,
        "/api/admin/publishers/new-body",
        Some(&officer),
        Some(&json!({"id": "new-body", "name": {"fr": "Nouveau"}})),
    )
    .await;
    assert_eq!(s, 403, "publishers are admin-only");

    // 422 listing every invalid field; 400 for a body that is not JSON.
    let mut bad = body.clone();
    bad["title"] = json!({});
    bad["themes"] = json!(["SPORTS"]);
    bad["contact_point"]["email"] = json!("nobody");
    bad["temporal"] = json!({"start": "2020-02-30"});
    bad["distributions"][0]["access_url"] = json!("ftp://x");
    let (s, v) = send(
        &server,
        Method::POST,
        "/api/admin/datasets",
        Some(&officer),
        Some(&bad),
    )
    .await;
    assert_eq!(s, 422, "{v}");
    let fields: Vec<&str> = v["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["field"].as_str().unwrap())
        .collect();
    for f in [
        "title",
        "themes[0]",
        "contact_point.email",
        "temporal.start",
        "distributions[0].access_url",
    ] {
        assert!(fields.contains(&f), "{f} not in {fields:?}");
    }
    let mut unknown = body.clone();
    unknown["colour"] = json!("red");
    let (s, v) = send(
        &server,
        Method::POST,
        "/api/admin/datasets",
        Some(&officer),
        Some(&unknown),
    )
    .await;
    assert_eq!(
        (s, v["errors"][0]["field"].as_str()),
        (422, Some("colour")),
        "{v}"
    );
    let resp = client()
        .post(server.url("/api/admin/datasets"))
        .bearer_auth(&officer)
        .header("content-type", "application/json")
        .body("{not json")
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status().as_u16(), 400);

    // Create (unpublished: not public), publish, edit, unpublish, delete.
    let (s, v) = send(
        &server,
        Method::POST,
        "/api/admin/datasets",
        Some(&officer),
        Some(&body),
    )
    .await;
    assert_eq!(s, 201, "{v}");
    let (s, _) = send(
        &server,
        Method::POST,
        "/api/admin/datasets",
        Some(&officer),
        Some(&body),
    )
    .await;
    assert_eq!(s, 409, "the id exists");
    let (s, _, _) = server.get_json("/api/datasets/stib-arrets").await;
    assert_eq!(s, 404);
    let (s, v) = send(
        &server,
        Method::POST,
        "/api/admin/datasets/stib-arrets/publish",
        Some(&officer),
        None,
    )
    .await;
    assert_eq!((s, &v["record"]["published"]), (200, &json!(true)));
    let (_, _, found) = server
        .get_json("/api/datasets?q=arret%20flagey&facets=none")
        .await;
    assert_eq!(ids(&found), ["stib-arrets"]);
    let mut edited = body.clone();
    edited["title"]["en"] = json!("STIB stops");
    let (s, v) = send(
        &server,
        Method::PUT,
        "/api/admin/datasets/stib-arrets",
        Some(&officer),
        Some(&edited),
    )
    .await;
    assert_eq!(s, 200, "{v}");
    assert_eq!(
        v["record"]["published"], true,
        "an edit keeps the publication state"
    );
    let (_, _, found) = server.get_json("/api/datasets?q=stops&facets=none").await;
    assert_eq!(ids(&found), ["stib-arrets"]);
    let (s, _) = send(
        &server,
        Method::POST,
        "/api/admin/datasets/stib-arrets/unpublish",
        Some(&officer),
        None,
    )
    .await;
    assert_eq!(s, 200);
    let (s, _, _) = server.get_json("/api/datasets/stib-arrets").await;
    assert_eq!(s, 404);
    let (s, v) = send(
        &server,
        Method::GET,
        "/api/admin/datasets/stib-arrets",
        Some(&officer),
        None,
    )
    .await;
    assert_eq!((s, &v["title"]["en"]), (200, &json!("STIB stops")));

    // The audit log: who and what, newest first.
    let (s, v) = send(
        &server,
        Method::GET,
        "/api/admin/audit?target=stib-arrets",
        Some(&officer),
        None,
    )
    .await;
    assert_eq!(s, 200, "{v}");
    let actions: Vec<&str> = v["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    assert_eq!(actions, ["unpublish", "update", "publish", "create"]);
    let entries = v["items"].as_array().unwrap();
    assert!(entries
        .iter()
        .all(|e| e["actor"].as_str().unwrap().starts_with("officer:")));
    assert!(entries
        .iter()
        .all(|e| e["at"].as_str().unwrap().ends_with('Z')));
    assert_eq!(entries[1]["detail"]["fields"], json!(["title"]));
    let (s, _) = send(
        &server,
        Method::GET,
        "/api/admin/audit",
        Some(&officer),
        None,
    )
    .await;
    assert_eq!(s, 403, "the whole log is admin-only");

    // Server-managed records cannot be edited; deletion is audited too.
    let (s, _) = send(
        &server,
        Method::DELETE,
        "/api/admin/datasets/urbis-addresses",
        Some(ADMIN),
        None,
    )
    .await;
    assert_eq!(s, 409);
    let (s, _) = send(
        &server,
        Method::DELETE,
        "/api/admin/datasets/stib-arrets",
        Some(&officer),
        None,
    )
    .await;
    assert_eq!(s, 204);
    let (s, _) = send(
        &server,
        Method::GET,
        "/api/admin/datasets/stib-arrets",
        Some(ADMIN),
        None,
    )
    .await;
    assert_eq!(s, 404);
    let (_, v) = send(
        &server,
        Method::GET,
        "/api/admin/audit?target=stib-arrets&limit=1",
        Some(ADMIN),
        None,
    )
    .await;
    assert_eq!(v["items"][0]["action"], "delete");

    // Keys through the API: an admin creates an officer key that works at once, then revokes it.
    let (s, v) = send(
        &server,
        Method::POST,
        "/api/admin/keys",
        Some(ADMIN),
        Some(&json!({"role": "officer", "publisher": "vivaqua"})),
    )
    .await;
    assert_eq!(s, 201, "{v}");
    let key = v["key"].as_str().unwrap().to_string();
    let (s, _) = send(
        &server,
        Method::POST,
        "/api/admin/datasets",
        Some(&key),
        Some(&other),
    )
    .await;
    assert_eq!(s, 201);
    let id = v["id"].as_str().unwrap();
    let (s, _) = send(
        &server,
        Method::DELETE,
        &format!("/api/admin/keys/{id}"),
        Some(ADMIN),
        None,
    )
    .await;
    assert_eq!(s, 204);
    let (s, _) = send(
        &server,
        Method::GET,
        "/api/admin/datasets/vivaqua-x",
        Some(&key),
        None,
    )
    .await;
    assert_eq!(s, 401);
}
