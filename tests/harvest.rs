//! Harvester end to end: the real `urbis harvest` command against a local partner server on
//! 127.0.0.1 serving the real files of `../shared/data/metadata` (pycsw, GeoNetwork, BMDC,
//! federal DCAT, SEMIC, CKAN, OGC API Records) and faulty answers.

mod common;
mod harvest_partner;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use common::catalog_doc;
use harvest_partner as partner;
use serde_json::Value;

struct Env {
    dir: tempfile::TempDir,
    cfg: PathBuf,
}

/// A data directory and an `urbis.toml` with `[harvest]` settings and sources
/// `(id, kind, url)`.
fn env(sources: &[(&str, &str, String)], extra: &str) -> Env {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut toml = format!(
        "[harvest]\nallow_hosts = [\"127.0.0.1\"]\ntimeout_secs = 3\nmax_bytes = 20000000\ndelay_ms = 0\npage_size = 5\nscheduler = false\n{extra}\n"
    );
    for (id, kind, url) in sources {
        toml.push_str(&format!(
            "\n[[harvest.sources]]\nid = \"{id}\"\nkind = \"{kind}\"\nurl = \"{url}\"\npublisher = \"partner-{id}\"\nlanguage = \"en\"\n"
        ));
    }
    let cfg = dir.path().join("urbis.toml");
    std::fs::write(&cfg, toml).expect("write config");
    Env { dir, cfg }
}

fn urbis(e: &Env, args: &[&str]) -> Output {
    Command::new(common::urbis_bin())
        .arg("--config")
        .arg(&e.cfg)
        .arg("--data-dir")
        .arg(e.dir.path())
        .args(args)
        .env("URBIS_SAMPLE", "")
        .env("RUST_LOG", "warn")
        .output()
        .expect("run urbis")
}

/// `urbis harvest run SOURCE --json`: the finished job (also when it failed).
fn run(e: &Env, source: &str) -> Value {
    let out = urbis(e, &["harvest", "run", source, "--json"]);
    serde_json::from_slice(&out.stdout).unwrap_or_else(|err| {
        panic!(
            "harvest run {source}: no job JSON ({err})\nstdout: {}\nstderr: {}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        )
    })
}

fn records(e: &Env, job: &Value) -> Vec<Value> {
    let id = job["id"].as_i64().expect("job id").to_string();
    let out = urbis(e, &["harvest", "jobs", "--job", &id]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: Value = serde_json::from_slice(&out.stdout).expect("job JSON");
    v["records"].as_array().cloned().unwrap_or_default()
}

/// `(records of the source, archived ones)` in the catalogue database.
fn catalogue(dir: &Path, source: &str) -> (i64, i64) {
    let path = dir.join("catalog.sqlite");
    let rt = tokio::runtime::Runtime::new().expect("runtime");
    rt.block_on(async {
        use sqlx::Connection;
        let mut c =
            sqlx::SqliteConnection::connect(&format!("sqlite://{}?mode=ro", path.display()))
                .await
                .expect("open catalogue");
        let total: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM records WHERE source_id = ?")
            .bind(source)
            .fetch_one(&mut c)
            .await
            .expect("count");
        let archived: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM records WHERE source_id = ? AND archived_at IS NOT NULL",
        )
        .bind(source)
        .fetch_one(&mut c)
        .await
        .expect("count");
        (total, archived)
    })
}

fn n(v: &Value, k: &str) -> i64 {
    v[k].as_i64().unwrap_or(-1)
}

#[test]
fn csw_partners_with_a_malformed_page_and_idempotent_second_run() {
    if partner::meta(partner::BMDC_PAGE).is_none() {
        return;
    }
    let p = partner::start();
    let e = env(&[("pycsw", "csw", format!("{}/csw", p.base))], "");
    let job = run(&e, "pycsw");
    // Page 1 (pycsw, 5 records), page 6 (BMDC, raw `&`: fails), page 11 (geodata.gov, 2).
    assert_eq!(job["status"], "done-with-errors", "{job}");
    assert_eq!(n(&job, "pages"), 3, "{job}");
    assert_eq!(n(&job, "pages_failed"), 1, "{job}");
    assert_eq!(n(&job, "created"), 7, "{job}");
    assert_eq!(n(&job, "archived"), 0);
    assert!(job["message"]
        .as_str()
        .unwrap_or("")
        .contains("nothing was archived"));
    let recs = records(&e, &job);
    let failed: Vec<&Value> = recs.iter().filter(|r| r["status"] == "failed").collect();
    assert_eq!(failed.len(), 1);
    assert_eq!(failed[0]["stage"], "parse");
    assert!(failed[0]["url"]
        .as_str()
        .unwrap()
        .contains("startPosition=6"));
    assert!(
        failed[0]["reason"].as_str().unwrap().contains("malformed"),
        "{}",
        failed[0]
    );
    assert_eq!(catalogue(e.dir.path(), "pycsw"), (7, 0));
    // Second run: nothing new, everything unchanged by content hash.
    let again = run(&e, "pycsw");
    assert_eq!(n(&again, "created"), 0, "{again}");
    assert_eq!(n(&again, "updated"), 0, "{again}");
    assert_eq!(n(&again, "unchanged"), 7, "{again}");
    assert_eq!(catalogue(e.dir.path(), "pycsw"), (7, 0));
}

#[test]
fn lying_csw_servers_stop_cleanly() {
    if partner::meta(partner::INSPIRE_PAGE).is_none() {
        return;
    }
    let p = partner::start();
    let e = env(
        &[
            ("geonetwork", "csw", format!("{}/csw-geonetwork", p.base)),
            ("backwards", "csw", format!("{}/csw-backwards", p.base)),
        ],
        "",
    );
    // GeoNetwork: 2 records, nextRecord 85 of 216, then an empty page: stop.
    let job = run(&e, "geonetwork");
    assert_eq!(n(&job, "pages"), 2, "{job}");
    assert_eq!(n(&job, "seen"), 2, "{job}");
    // nextRecord going backwards: stopped with a note, not looping.
    let job = run(&e, "backwards");
    assert_eq!(n(&job, "pages"), 2, "{job}");
    assert!(
        job["message"]
            .as_str()
            .unwrap_or("")
            .contains("does not move past"),
        "{job}"
    );
}

#[test]
fn dcat_ckan_and_records_partners() {
    if partner::meta(partner::STATBEL_TTL).is_none() {
        return;
    }
    let p = partner::start();
    let e = env(
        &[
            ("statbel", "dcat", format!("{}/dcat-paged", p.base)),
            ("semic", "dcat", format!("{}/dcat/semic", p.base)),
            ("federal", "file", format!("{}/dcat/exemple", p.base)),
            ("ckan", "ckan", format!("{}/ckan", p.base)),
            ("records", "records", format!("{}/records/items", p.base)),
        ],
        "",
    );
    // Hydra: the Turtle page's view points to the RDF/XML page.
    let job = run(&e, "statbel");
    assert_eq!(n(&job, "pages"), 2, "{job}");
    assert!(n(&job, "created") >= 10, "{job}");
    assert_eq!(job["status"], "done", "{job}");
    // JSON-LD with the SEMIC context resolved locally.
    let job = run(&e, "semic");
    assert!(n(&job, "created") >= 1, "{job}");
    // A dump sniffed as RDF/XML although served as octet-stream.
    let job = run(&e, "federal");
    assert!(n(&job, "created") >= 1, "{job}");
    let job = run(&e, "ckan");
    assert!(n(&job, "created") >= 1, "{job}");
    assert_eq!(job["status"], "done", "{job}");
    // Records: the next link loops back to page 1 (items?limit=5, page=2, page=1, then page=2
    // again is refused): stopped with a note.
    let job = run(&e, "records");
    assert_eq!(n(&job, "pages"), 3, "{job}");
    assert_eq!(n(&job, "created"), 2, "{job}");
    assert!(
        job["message"]
            .as_str()
            .unwrap_or("")
            .contains("paging loop"),
        "{job}"
    );
    let recs = records(&e, &job);
    let id = recs[0]["record_id"].as_str().unwrap();
    let doc = catalog_doc(e.dir.path(), id);
    assert_eq!(doc["title"]["en"], "Total Ozone - daily observations");
    assert_eq!(doc["record"]["origin"], "harvested");
    assert_eq!(doc["publisher"], "partner-records");
}

#[test]
fn faults_fail_the_job_and_archive_nothing() {
    let p = partner::start();
    let huge = partner::start_huge();
    let trunc = partner::start_truncating();
    let e = env(
        &[
            ("e500", "csw", format!("{}/fault/500", p.base)),
            ("hang", "dcat", format!("{}/fault/hang", p.base)),
            ("huge", "csw", huge),
            ("trunc", "dcat", trunc),
            (
                "private",
                "dcat",
                "http://localhost:9/catalog.ttl".to_string(),
            ),
        ],
        "",
    );
    let expect = [
        ("e500", "HTTP 500"),
        ("hang", "no answer within 3 s"),
        ("huge", "larger than 20000000 bytes"),
        ("trunc", ""),
        ("private", "non-public address"),
    ];
    for (src, reason) in expect {
        let started = std::time::Instant::now();
        let job = run(&e, src);
        assert_eq!(job["status"], "failed", "{src}: {job}");
        assert_eq!(n(&job, "archived"), 0);
        assert!(
            job["message"].as_str().unwrap_or("").contains(reason),
            "{src}: {job}"
        );
        assert!(started.elapsed().as_secs() < 30, "{src} took too long");
        assert_eq!(catalogue(e.dir.path(), src), (0, 0));
    }
}

#[test]
fn identifiers_changed_and_records_deleted_between_runs() {
    let p = partner::start();
    let e = env(
        &[("gen", "csw", format!("{}/csw-generated", p.base))],
        "grace_secs = 3",
    );
    {
        let mut s = p.script.lock().unwrap();
        s.generated = (1..=6)
            .map(|i| (format!("file-{i}"), format!("ds-{i}"), "v1".to_string()))
            .collect();
    }
    let job = run(&e, "gen");
    assert_eq!((n(&job, "created"), n(&job, "pages")), (6, 2), "{job}");
    let first = records(&e, &job);
    let id_of_1 = first.iter().find(|r| r["original_id"] == "file-1").unwrap()["record_id"]
        .as_str()
        .unwrap()
        .to_string();
    // Run 2: file-1 renamed to file-1b (same dataset identifier), file-6 deleted, file-2 changed.
    {
        let mut s = p.script.lock().unwrap();
        s.generated[0].0 = "file-1b".into();
        s.generated[1].2 = "v2".into();
        s.generated.pop();
    }
    let job = run(&e, "gen");
    assert_eq!(
        n(&job, "created"),
        0,
        "renamed id must not duplicate: {job}"
    );
    assert_eq!(n(&job, "updated"), 2, "{job}");
    assert_eq!(n(&job, "unchanged"), 3, "{job}");
    assert_eq!(n(&job, "missing"), 1, "{job}");
    assert_eq!(n(&job, "archived"), 0, "not archived at once: {job}");
    let recs = records(&e, &job);
    let renamed = recs.iter().find(|r| r["original_id"] == "file-1b").unwrap();
    assert_eq!(renamed["record_id"].as_str().unwrap(), id_of_1);
    assert!(renamed["reason"]
        .as_str()
        .unwrap()
        .contains("identifier changed"));
    assert_eq!(catalogue(e.dir.path(), "gen"), (6, 0));
    // After the grace period, still absent: archived (not deleted).
    std::thread::sleep(std::time::Duration::from_secs(4));
    let job = run(&e, "gen");
    assert_eq!(n(&job, "archived"), 1, "{job}");
    assert_eq!(catalogue(e.dir.path(), "gen"), (6, 1));
    // An empty answer never archives anything.
    p.script.lock().unwrap().generated.clear();
    std::thread::sleep(std::time::Duration::from_secs(4));
    let job = run(&e, "gen");
    assert_eq!(n(&job, "archived"), 0, "{job}");
    assert!(job["message"].as_str().unwrap_or("").contains("no records"));
    assert_eq!(catalogue(e.dir.path(), "gen"), (6, 1));
    // Back at the source: brought back.
    {
        let mut s = p.script.lock().unwrap();
        s.generated = (1..=6)
            .map(|i| (format!("file-{i}"), format!("ds-{i}"), "v1".to_string()))
            .collect();
        s.generated[0].0 = "file-1b".into();
    }
    let job = run(&e, "gen");
    assert_eq!(n(&job, "created"), 0, "{job}");
    assert_eq!(catalogue(e.dir.path(), "gen"), (6, 0));
}

#[test]
fn same_dataset_from_two_sources_is_linked_not_duplicated() {
    let p = partner::start();
    let e = env(
        &[
            ("one", "csw", format!("{}/csw-generated", p.base)),
            ("two", "csw", format!("{}/csw-generated", p.base)),
        ],
        "",
    );
    p.script.lock().unwrap().generated = vec![("shared-1".into(), "shared-ds".into(), "v1".into())];
    let a = run(&e, "one");
    assert_eq!(n(&a, "created"), 1, "{a}");
    let b = run(&e, "two");
    assert_eq!((n(&b, "created"), n(&b, "linked")), (0, 1), "{b}");
    assert_eq!(catalogue(e.dir.path(), "two"), (0, 0));
}

#[test]
fn preview_maps_and_validates_without_writing() {
    let p = partner::start();
    let e = env(&[("gen", "csw", format!("{}/csw-generated", p.base))], "");
    p.script.lock().unwrap().generated = (1..=8)
        .map(|i| (format!("p-{i}"), format!("pds-{i}"), "v1".to_string()))
        .collect();
    let out = urbis(&e, &["harvest", "preview", "gen", "-n", "3"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let items: Vec<Value> = serde_json::from_slice(&out.stdout).expect("preview JSON");
    assert_eq!(items.len(), 3);
    for it in &items {
        assert_eq!(it["valid"], true, "{it}");
        let d = &it["dataset"];
        assert_eq!(
            d["themes"][0],
            "http://publications.europa.eu/resource/authority/data-theme/REGI"
        );
        assert_eq!(
            d["licence"]["uri"],
            "http://publications.europa.eu/resource/authority/licence/CC0"
        );
        assert!(d["title"]["nl"].as_str().unwrap().starts_with("Gegevens"));
        assert!(d["distributions"][0]["format"]
            .as_str()
            .unwrap()
            .ends_with("/GPKG"));
    }
    assert!(
        !e.dir.path().join("catalog.sqlite").exists(),
        "preview wrote the catalogue"
    );
}
