//! The CKAN-compatible API on the real server: CKAN's envelope and error codes over HTTP, and the
//! CKAN command-line client `ckanapi` (PyPI, installed by `.ci/setup.d/catalog.sh`) listing,
//! searching and showing our datasets.

mod common;

use std::process::Command;

use common::{tool, urbis, Server};
use serde_json::Value;

fn server(count: usize) -> (tempfile::TempDir, Server) {
    let dir = tempfile::tempdir().expect("tempdir");
    urbis(
        dir.path(),
        &["catalog", "generate", "--count", &count.to_string()],
    );
    let server = Server::start(dir.path());
    (dir, server)
}

async fn get(server: &Server, path: &str) -> (u16, Value) {
    let resp = reqwest::get(server.url(path)).await.expect("request");
    let status = resp.status().as_u16();
    let v = resp.json().await.expect("JSON body");
    (status, v)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ckan_envelope_errors_search() {
    let (_dir, server) = server(120);

    let (s, v) = get(&server, "/api/3/action/status_show").await;
    assert_eq!(s, 200);
    assert_eq!(v["success"], true);
    assert!(v["help"]
        .as_str()
        .unwrap()
        .contains("help_show?name=status_show"));
    assert!(v["result"]["ckan_version"].is_string());

    let (_, list) = get(&server, "/api/3/action/package_list").await;
    let names: Vec<&str> = list["result"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n.as_str().unwrap())
        .collect();
    let mut sorted = names.clone();
    sorted.sort();
    assert_eq!(names, sorted);
    assert!(names.contains(&"urbis-addresses"));
    assert!(
        !names.contains(&"urbis-vector-tiles"),
        "data services are not packages"
    );

    // Search: count, rows/start paging, fq, facets, sort.
    let (_, all) = get(&server, "/api/3/action/package_search?rows=0").await;
    let count = all["result"]["count"].as_u64().unwrap();
    assert_eq!(count as usize, names.len());
    let mut seen = Vec::new();
    for start in (0..count).step_by(25) {
        let (_, page) = get(
            &server,
            &format!("/api/3/action/package_search?rows=25&start={start}&sort=name%20asc"),
        )
        .await;
        for r in page["result"]["results"].as_array().unwrap() {
            seen.push(r["name"].as_str().unwrap().to_string());
        }
    }
    seen.sort();
    seen.dedup();
    assert_eq!(seen.len() as u64, count, "every package once");
    let (_, cirb) = get(
        &server,
        "/api/3/action/package_search?fq=organization:cirb&facet.field=%5B%22res_format%22,%22organization%22%5D",
    )
    .await;
    let r = &cirb["result"];
    assert_eq!(r["count"], 5);
    assert_eq!(r["facets"]["organization"]["cirb"], 5);
    assert_eq!(r["facets"]["res_format"]["GPKG"], 5);
    assert_eq!(
        r["search_facets"]["organization"]["items"][0]["name"],
        "cirb"
    );
    let pkg = &r["results"][0];
    for key in [
        "id",
        "name",
        "title",
        "notes",
        "resources",
        "tags",
        "organization",
        "metadata_modified",
        "license_id",
    ] {
        assert!(pkg.get(key).is_some(), "{key} missing");
    }
    let (_, trees) = get(
        &server,
        "/api/3/action/package_search?q=arbres&fq=res_format:CSV",
    )
    .await;
    for p in trees["result"]["results"].as_array().unwrap() {
        assert!(p["title"].as_str().unwrap().starts_with("Arbres"));
        assert!(p["resources"]
            .as_array()
            .unwrap()
            .iter()
            .any(|r| r["format"] == "CSV"));
    }

    // CKAN's errors: 404 Not Found Error, 409 Validation/Search Query Error, 400 unknown action.
    let (s, v) = get(&server, "/api/3/action/package_show?id=nope").await;
    assert_eq!((s, &v["success"]), (404, &Value::Bool(false)));
    assert_eq!(v["error"]["__type"], "Not Found Error");
    let (s, v) = get(&server, "/api/3/action/package_show").await;
    assert_eq!(s, 409);
    assert_eq!(v["error"]["__type"], "Validation Error");
    assert!(v["error"]["id"].is_array());
    let (s, v) = get(&server, "/api/3/action/package_search?fq=colour:red").await;
    assert_eq!(
        (s, &v["error"]["__type"]),
        (409, &Value::from("Search Query Error"))
    );
    let (s, _) = get(&server, "/api/3/action/package_search?rows=100000").await;
    assert_eq!(s, 409);
    let (s, v) = get(&server, "/api/3/action/package_delete?id=x").await;
    assert_eq!((s, &v["success"]), (400, &Value::Bool(false)));

    // POST with a JSON body, as CKAN clients send it.
    let resp = reqwest::Client::new()
        .post(server.url("/api/3/action/package_show"))
        .json(&serde_json::json!({"id": "urbis-streets"}))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status().as_u16(), 200);
    let v: Value = resp.json().await.unwrap();
    assert_eq!(v["result"]["name"], "urbis-streets");
    assert_eq!(v["result"]["title_translated"]["nl"], "UrbIS — Wegassen");
}

fn ckanapi(server: &Server, args: &[&str]) -> (bool, String, String) {
    let out = Command::new("ckanapi")
        .arg("action")
        .args(args)
        .args(["-r", &server.base])
        .output()
        .expect("run ckanapi");
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ckanapi_lists_searches_and_shows() {
    if !tool("ckanapi") {
        return;
    }
    let (_dir, server) = server(60);
    let (ok, out, err) = ckanapi(&server, &["package_list"]);
    assert!(ok, "{err}");
    let list: Vec<String> = serde_json::from_str(&out).expect("package_list JSON");
    assert!(list.len() > 50, "{}", list.len());
    assert!(list.iter().any(|n| n == "urbis-buildings"));

    let (ok, out, err) = ckanapi(&server, &["package_show", "id=urbis-buildings"]);
    assert!(ok, "{err}");
    let pkg: Value = serde_json::from_str(&out).expect("package_show JSON");
    assert_eq!(pkg["name"], "urbis-buildings");
    assert_eq!(pkg["organization"]["name"], "cirb");
    assert!(pkg["resources"].as_array().unwrap().iter().any(|r| r["url"]
        .as_str()
        .unwrap()
        .ends_with("/downloads/buildings.gpkg")));
    let other = &list[0];
    let (ok, out, err) = ckanapi(&server, &["package_show", &format!("id={other}")]);
    assert!(ok, "{err}");
    let pkg: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(pkg["id"], other.as_str());

    let (ok, out, err) = ckanapi(
        &server,
        &["package_search", "fq=organization:cirb", "rows:2"],
    );
    assert!(ok, "{err}");
    let res: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(res["count"], 5);
    assert_eq!(res["results"].as_array().unwrap().len(), 2);

    let (ok, out, _) = ckanapi(&server, &["organization_list"]);
    assert!(ok);
    let orgs: Vec<String> = serde_json::from_str(&out).unwrap();
    assert_eq!(orgs.len(), 51);

    // A missing package is CKAN's NotFound for the client.
    let (ok, _, err) = ckanapi(&server, &["package_show", "id=does-not-exist"]);
    assert!(!ok);
    assert!(err.contains("NotFound"), "{err}");
}
