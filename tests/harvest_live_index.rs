//! A harvest run from the command line (`urbis harvest run`, another process writing the
//! catalogue database directly) reaches a running server's search index without a restart:
//! the server follows the store's audit log every `[catalog] index_refresh_secs`.

mod common;
mod harvest_partner;

use std::time::{Duration, Instant};

use common::Server;
use harvest_partner as partner;

/// `urbis harvest run gen` in its own process; returns the job.
fn cli_run(dir: &std::path::Path) -> serde_json::Value {
    let out = common::urbis(dir, &["harvest", "run", "gen", "--json"]);
    serde_json::from_slice(&out.stdout).expect("job JSON")
}

/// The server's public search total for `q`.
async fn total(server: &Server, q: &str) -> u64 {
    let (status, _, v) = server
        .get_json(&format!("/api/datasets?q={q}&limit=50"))
        .await;
    assert_eq!(status, 200, "{v}");
    v["total"].as_u64().expect("total")
}

/// Wait until the server's public search for `q` counts `n` records.
async fn wait_total(server: &Server, q: &str, n: u64) -> Duration {
    let started = Instant::now();
    loop {
        let (status, _, v) = server
            .get_json(&format!("/api/datasets?q={q}&limit=50"))
            .await;
        assert_eq!(status, 200, "{v}");
        if v["total"].as_u64() == Some(n) {
            return started.elapsed();
        }
        assert!(
            started.elapsed() < Duration::from_secs(20),
            "the server's index did not follow: q={q} gives {v}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

#[test]
fn cli_harvest_reaches_the_running_server_index() {
    let p = partner::start();
    p.script.lock().unwrap().generated = (1..=3)
        .map(|i| {
            (
                format!("live-{i}"),
                format!("livetest-{i}"),
                "v1".to_string(),
            )
        })
        .collect();
    let dir = tempfile::tempdir().expect("tempdir");
    let cfg = dir.path().join("urbis.toml");
    std::fs::write(
        &cfg,
        format!(
            "[catalog]\nindex_refresh_secs = 1\n\n[harvest]\nallow_hosts = [\"127.0.0.1\"]\ndelay_ms = 0\npage_size = 2\nscheduler = false\n\n[[harvest.sources]]\nid = \"gen\"\nkind = \"csw\"\nurl = \"{}/csw-generated\"\npublisher = \"partner-gen\"\nlanguage = \"fr\"\n",
            p.base
        ),
    )
    .expect("config");
    let cfg = cfg.to_string_lossy().into_owned();
    // The CLI reads the same configuration through the environment.
    std::env::set_var("URBIS_CONFIG", &cfg);
    let server = Server::start_with(dir.path(), &[("URBIS_CONFIG", cfg.as_str())]);
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    rt.block_on(async {
        assert_eq!(total(&server, "livetest").await, 0);
    });
    let job = cli_run(dir.path());
    assert_eq!(job["created"], 3, "{job}");
    rt.block_on(async {
        let took = wait_total(&server, "livetest", 3).await;
        eprintln!("created records searchable after {took:?}");
        assert_eq!(total(&server, "livetest%20v2").await, 0);
    });
    // Changed at the source: the CLI updates them, the server's index follows.
    for r in &mut p.script.lock().unwrap().generated {
        r.2 = "v2".into();
    }
    let job = cli_run(dir.path());
    assert_eq!(job["updated"], 3, "{job}");
    rt.block_on(async {
        let took = wait_total(&server, "livetest%20v2", 3).await;
        eprintln!("updated records searchable after {took:?}");
        let (_, _, v) = server.get_json("/api/datasets/gen-live-2").await;
        assert!(v.to_string().contains("(v2)"), "{v}");
    });
}
