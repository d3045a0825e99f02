//! The harvester inside the real server: the admin API (`/api/admin/harvest/...`) with the
//! catalogue's admin keys, `kill -9` during a harvest then restart (the job is closed, the next
//! run completes it without duplicates), and the catalogue's DCAT-AP output after harvesting the
//! real files still passing pySHACL (with the catalogue's MQA score reported).

mod catalog_fixture;
mod common;
mod harvest_partner;

use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

use common::{shared, Server};
use harvest_partner as partner;
use serde_json::Value;

const KEY: &str = "harvest-test-admin-key-0123456789";

fn write_config(dir: &Path, sources: &[(&str, &str, String)]) -> String {
    let mut toml = String::from(
        "[harvest]\nallow_hosts = [\"127.0.0.1\"]\ntimeout_secs = 5\ndelay_ms = 0\npage_size = 5\nscheduler = true\n",
    );
    for (id, kind, url) in sources {
        toml.push_str(&format!(
            "\n[[harvest.sources]]\nid = \"{id}\"\nkind = \"{kind}\"\nurl = \"{url}\"\nschedule = \"0 3 * * *\"\npublisher = \"partner-{id}\"\nlanguage = \"fr\"\n"
        ));
    }
    let cfg = dir.join("urbis.toml");
    std::fs::write(&cfg, toml).expect("config");
    cfg.to_string_lossy().into_owned()
}

async fn call(method: &str, url: &str, key: Option<&str>) -> (u16, Value) {
    let c = reqwest::Client::new();
    let mut req = match method {
        "POST" => c.post(url),
        _ => c.get(url),
    };
    if let Some(k) = key {
        req = req.header("authorization", format!("Bearer {k}"));
    }
    let resp = req.send().await.expect("request");
    let status = resp.status().as_u16();
    let text = resp.text().await.expect("body");
    (
        status,
        serde_json::from_str(&text).unwrap_or(Value::String(text)),
    )
}

async fn wait_job(server: &Server, id: i64, until: impl Fn(&Value) -> bool) -> Value {
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let (s, v) = call(
            "GET",
            &server.url(&format!("/api/admin/harvest/jobs/{id}")),
            Some(KEY),
        )
        .await;
        assert_eq!(s, 200, "{v}");
        if until(&v["job"]) {
            return v;
        }
        assert!(Instant::now() < deadline, "job {id} did not get there: {v}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

fn count(dir: &Path, source: &str) -> i64 {
    let path = dir.join("catalog.sqlite");
    let rt = tokio::runtime::Runtime::new().expect("runtime");
    rt.block_on(async {
        use sqlx::Connection;
        let mut c =
            sqlx::SqliteConnection::connect(&format!("sqlite://{}?mode=ro", path.display()))
                .await
                .expect("open catalogue");
        sqlx::query_scalar("SELECT COUNT(*) FROM records WHERE source_id = ?")
            .bind(source)
            .fetch_one(&mut c)
            .await
            .expect("count")
    })
}

#[test]
fn admin_api_and_kill_9_during_a_harvest() {
    let p = partner::start();
    {
        let mut s = p.script.lock().unwrap();
        s.generated = (1..=40)
            .map(|i| (format!("k-{i}"), format!("kds-{i}"), "v1".to_string()))
            .collect();
        s.page_delay = Duration::from_millis(400);
    }
    let dir = tempfile::tempdir().expect("tempdir");
    let cfg = write_config(
        dir.path(),
        &[("gen", "csw", format!("{}/csw-generated", p.base))],
    );
    let env = [("URBIS_CONFIG", cfg.as_str()), ("URBIS_ADMIN_KEY", KEY)];
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime");
    let server = Server::start_with(dir.path(), &env);
    let job_id = rt.block_on(async {
        let (s, v) = call("GET", &server.url("/api/admin/harvest/sources"), None).await;
        assert_eq!(s, 401, "{v}");
        let (s, v) = call("GET", &server.url("/api/admin/harvest/sources"), Some(KEY)).await;
        assert_eq!(s, 200, "{v}");
        assert_eq!(v["sources"][0]["id"], "gen");
        assert_eq!(v["sources"][0]["schedule"], "0 3 * * *");
        assert!(v["sources"][0]["next_run"]
            .as_str()
            .unwrap()
            .ends_with("T03:00:00Z"));
        let (s, v) = call(
            "POST",
            &server.url("/api/admin/harvest/sources/nope/run"),
            Some(KEY),
        )
        .await;
        assert_eq!(s, 404, "{v}");
        let (s, v) = call(
            "POST",
            &server.url("/api/admin/harvest/sources/gen/run?force=maybe"),
            Some(KEY),
        )
        .await;
        assert_eq!(s, 400, "{v}");
        let (s, v) = call(
            "POST",
            &server.url("/api/admin/harvest/sources/gen/run"),
            Some(KEY),
        )
        .await;
        assert_eq!(s, 202, "{v}");
        let id = v["job"].as_i64().expect("job id");
        // A second start while running: conflict.
        let (s, _) = call(
            "POST",
            &server.url("/api/admin/harvest/sources/gen/run"),
            Some(KEY),
        )
        .await;
        assert_eq!(s, 409);
        wait_job(&server, id, |j| j["created"].as_i64().unwrap_or(0) >= 10).await;
        id
    });
    // kill -9 in the middle of the harvest.
    drop(server);
    let partial = count(dir.path(), "gen");
    assert!((10..40).contains(&partial), "{partial}");
    let server = Server::start_with(dir.path(), &env);
    rt.block_on(async {
        let (s, v) = call(
            "GET",
            &server.url(&format!("/api/admin/harvest/jobs/{job_id}")),
            Some(KEY),
        )
        .await;
        assert_eq!(s, 200);
        assert_eq!(v["job"]["status"], "failed", "{v}");
        assert!(
            v["job"]["message"]
                .as_str()
                .unwrap()
                .contains("interrupted"),
            "{v}"
        );
        p.script.lock().unwrap().page_delay = Duration::ZERO;
        let (s, v) = call(
            "POST",
            &server.url("/api/admin/harvest/sources/gen/run"),
            Some(KEY),
        )
        .await;
        assert_eq!(s, 202, "{v}");
        let id = v["job"].as_i64().unwrap();
        let v = wait_job(&server, id, |j| j["status"] != "running").await;
        let j = &v["job"];
        assert_eq!(j["status"], "done", "{v}");
        assert_eq!(
            j["created"].as_i64().unwrap()
                + j["unchanged"].as_i64().unwrap()
                + j["updated"].as_i64().unwrap(),
            40,
            "{v}"
        );
        assert_eq!(v["records"].as_array().unwrap().len(), 40);
        let (s, v) = call(
            "GET",
            &server.url("/api/admin/harvest/jobs?source=gen"),
            Some(KEY),
        )
        .await;
        assert_eq!(s, 200);
        assert_eq!(v["jobs"].as_array().unwrap().len(), 2);
        // Harvested records are public in the catalogue's search API.
        let (s, v) = call("GET", &server.url("/api/datasets?q=kds-7"), None).await;
        assert_eq!(s, 200, "{v}");
    });
    assert_eq!(
        count(dir.path(), "gen"),
        40,
        "no duplicates after the crash"
    );
}

#[test]
fn harvested_real_files_still_pass_shacl() {
    let (Some(shacl), Some(vocab)) = (
        shared("data/metadata/shacl/DCAT-AP/releases/3.0.1/shacl"),
        shared("data/metadata/vocabularies/piveau-shacl-validator/src/main/resources/rdf"),
    ) else {
        return;
    };
    if partner::meta(partner::PYCSW_PAGE).is_none() {
        return;
    }
    let p = partner::start();
    let dir = tempfile::tempdir().expect("tempdir");
    let cfg = write_config(
        dir.path(),
        &[
            ("pycsw", "csw", format!("{}/csw", p.base)),
            ("statbel", "dcat", format!("{}/dcat-paged", p.base)),
            ("semic", "dcat", format!("{}/dcat/semic", p.base)),
            ("ckan", "ckan", format!("{}/ckan", p.base)),
            ("records", "records", format!("{}/records/items", p.base)),
        ],
    );
    for src in ["pycsw", "statbel", "semic", "ckan", "records"] {
        let out = Command::new(common::urbis_bin())
            .args(["--config", &cfg, "--data-dir"])
            .arg(dir.path())
            .args(["harvest", "run", src])
            .env("URBIS_SAMPLE", "")
            .env("RUST_LOG", "warn")
            .output()
            .expect("urbis harvest run");
        assert!(
            out.status.success() || src == "pycsw",
            "{src}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    let server = Server::start_with(dir.path(), &[("URBIS_CONFIG", cfg.as_str())]);
    let rt = tokio::runtime::Runtime::new().expect("runtime");
    let (body, quality) = rt.block_on(async {
        let (s, _, body) = catalog_fixture::get(&server.url("/catalog/dump.ttl"), None).await;
        assert_eq!(s, 200);
        let (s, q) = call("GET", &server.url("/api/catalogue/quality"), None).await;
        assert_eq!(s, 200, "{q}");
        (body, q)
    });
    let text = String::from_utf8_lossy(&body);
    assert!(
        text.contains("Total Ozone"),
        "harvested records are published"
    );
    println!("catalogue MQA after harvesting: {quality}");
    let f = dir.path().join("harvested.ttl");
    std::fs::write(&f, &body).expect("write");
    let Some((code, out, err)) = catalog_fixture::python(
        "catalog_shacl.py",
        &[
            shacl.to_str().unwrap(),
            vocab.to_str().unwrap(),
            f.to_str().unwrap(),
        ],
    ) else {
        return;
    };
    println!("{out}");
    assert_eq!(code, 0, "SHACL violations after harvesting:\n{out}\n{err}");
    assert!(out.contains(" 0 violations"), "{out}");
}
