//! An import killed midway leaves the previous generation serving.

mod common;

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use common::{generate, import, urbis, urbis_bin, Server};
use urbis_core::store::{FeatureStore, GenerationStatus, SqliteStore};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn killed_import_keeps_previous_generation() {
    let dir = tempfile::tempdir().expect("tempdir");
    let small = dir.path().join("small.gpkg");
    let big = dir.path().join("big.gpkg");
    generate(&small, 0.01);
    generate(&big, 0.25);
    let first = import(dir.path(), &small);
    let first_gen = first["generation"].as_i64().expect("generation");
    let first_addresses = first["layers"]["addresses"]["imported"]
        .as_u64()
        .expect("n");

    // Start the big import and kill it as soon as it has written features.
    let mut child = Command::new(urbis_bin())
        .arg("--data-dir")
        .arg(dir.path())
        .arg("import")
        .arg(&big)
        .env("RUST_LOG", "warn")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("start import");
    let store = SqliteStore::open(&dir.path().join("urbis.sqlite"))
        .await
        .expect("open store");
    let deadline = Instant::now() + Duration::from_secs(300);
    let building_gen = loop {
        assert!(
            Instant::now() < deadline,
            "the import never started writing"
        );
        assert!(
            child.try_wait().expect("wait").is_none(),
            "the import finished before it could be killed: make the data bigger"
        );
        let written: Option<(i64, i64)> = sqlx::query_as(
            "SELECT g.id, (SELECT count(*) FROM features f WHERE f.generation = g.id) \
             FROM generations g WHERE g.status = 'building'",
        )
        .fetch_optional(store.pool())
        .await
        .expect("poll");
        if let Some((id, n)) = written {
            if n > 0 {
                break id;
            }
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    };
    child.kill().expect("kill");
    child.wait().expect("reap");

    // The previous generation is still the live one, whole.
    let live = store
        .live_generation()
        .await
        .expect("live")
        .expect("a live generation");
    assert_eq!(live.id, first_gen);
    assert_ne!(building_gen, first_gen);

    // The server serves it, and closes the interrupted import as failed.
    let server = Server::start(dir.path());
    let (status, _, health) = server.get_json("/health").await;
    assert_eq!(status, 200);
    assert_eq!(health["generation"]["id"], first_gen);
    assert_eq!(health["layers"]["addresses"], first_addresses);
    let log = store.generations(10).await.expect("log");
    let killed = log
        .iter()
        .find(|g| g.id == building_gen)
        .expect("killed generation logged");
    assert_eq!(killed.status, GenerationStatus::Failed);
    let leftover: i64 = sqlx::query_scalar("SELECT count(*) FROM features WHERE generation = ?")
        .bind(building_gen)
        .fetch_one(store.pool())
        .await
        .expect("count");
    assert_eq!(
        leftover, 0,
        "the interrupted generation's rows were not cleaned up"
    );
    drop(server);

    // A failed import (not a gpkg) is reported with the file name and changes nothing.
    let bad = dir.path().join("broken.gpkg");
    std::fs::write(&bad, b"this is not a geopackage").expect("write");
    let out = Command::new(urbis_bin())
        .arg("--data-dir")
        .arg(dir.path())
        .arg("import")
        .arg(&bad)
        .output()
        .expect("run");
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("broken.gpkg"), "{err}");
    let live = store.live_generation().await.expect("live").expect("live");
    assert_eq!(live.id, first_gen);
    let log = urbis(dir.path(), &["log"]);
    assert!(String::from_utf8_lossy(&log.stdout).contains("failed"));
}
