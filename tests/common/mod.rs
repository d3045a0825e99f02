//! Shared helpers of the integration tests: locating `../shared`, running the `urbis` binary,
//! and starting the real server on a loopback port.
#![allow(dead_code)]

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

/// The `urbis` binary built for these tests.
pub fn urbis_bin() -> &'static str {
    env!("CARGO_BIN_EXE_urbis")
}

/// The workspace root.
pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// A file of the shared real data (`../shared/<rel>`). `None` (with a printed reason) when
/// `../shared` is absent, except under `CI=true`, where its absence fails the test.
pub fn shared(rel: &str) -> Option<PathBuf> {
    let p = root().join("..").join("shared").join(rel);
    if p.exists() {
        return Some(p);
    }
    if std::env::var("CI").is_ok_and(|v| v == "true") {
        panic!(
            "CI=true but the shared real data {} is missing",
            p.display()
        );
    }
    eprintln!("skipped: ../shared not found ({} is absent)", p.display());
    None
}

/// Is a command-line tool available? Under `CI=true` a missing tool fails the test.
pub fn tool(name: &str) -> bool {
    let found = Command::new(name)
        .arg("--version")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok();
    if !found {
        if std::env::var("CI").is_ok_and(|v| v == "true") {
            panic!("CI=true but `{name}` is not installed (.ci/run installs it)");
        }
        eprintln!("skipped: `{name}` is not installed");
    }
    found
}

/// Run `urbis` with `args` against the data directory `data_dir`; panics with its output on failure.
pub fn urbis(data_dir: &Path, args: &[&str]) -> Output {
    let out = Command::new(urbis_bin())
        .arg("--data-dir")
        .arg(data_dir)
        .args(args)
        .env("URBIS_SAMPLE", "")
        .env("RUST_LOG", "warn")
        .output()
        .expect("run urbis");
    assert!(
        out.status.success(),
        "urbis {args:?} failed:\nstdout: {}\nstderr: {}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

/// Generate a synthetic dataset at `scale` into `path`.
pub fn generate(path: &Path, scale: f64) {
    let out = Command::new(urbis_bin())
        .args(["generate", "--scale", &scale.to_string(), "--out"])
        .arg(path)
        .output()
        .expect("run urbis generate");
    assert!(
        out.status.success(),
        "urbis generate failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// Import `source` with `urbis import --json` and return the summary.
/// The stored JSON document of catalogue record `id` in `data_dir`'s `catalog.sqlite`, read
/// directly (read-only), as written by a harvest or an import.
pub fn catalog_doc(data_dir: &Path, id: &str) -> serde_json::Value {
    let path = data_dir.join("catalog.sqlite");
    let rt = tokio::runtime::Runtime::new().expect("runtime");
    rt.block_on(async {
        use sqlx::Connection;
        let mut c =
            sqlx::SqliteConnection::connect(&format!("sqlite://{}?mode=ro", path.display()))
                .await
                .expect("open catalogue");
        let doc: String = sqlx::query_scalar("SELECT doc FROM records WHERE id = ?")
            .bind(id)
            .fetch_one(&mut c)
            .await
            .expect("record");
        serde_json::from_str(&doc).expect("doc")
    })
}

pub fn import(data_dir: &Path, source: &Path) -> serde_json::Value {
    let out = urbis(
        data_dir,
        &["import", source.to_str().expect("utf-8 path"), "--json"],
    );
    serde_json::from_slice(&out.stdout).expect("import summary is JSON")
}

/// The real server, started on 127.0.0.1 with an ephemeral port; killed on drop.
pub struct Server {
    child: Child,
    pub base: String,
}

impl Server {
    /// Start `urbis serve` on the store in `data_dir`.
    pub fn start(data_dir: &Path) -> Server {
        Self::start_with(data_dir, &[])
    }

    pub fn start_with(data_dir: &Path, env: &[(&str, &str)]) -> Server {
        let mut cmd = Command::new(urbis_bin());
        cmd.arg("--data-dir")
            .arg(data_dir)
            .args(["serve", "--listen", "127.0.0.1:0"])
            .env("URBIS_SAMPLE", "")
            .env("RUST_LOG", "warn")
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit());
        for (k, v) in env {
            cmd.env(k, v);
        }
        let mut child = cmd.spawn().expect("start urbis serve");
        let stdout = child.stdout.take().expect("stdout");
        let mut lines = BufReader::new(stdout).lines();
        let deadline = Instant::now() + Duration::from_secs(120);
        let base = loop {
            assert!(Instant::now() < deadline, "server did not start in time");
            match lines.next() {
                Some(Ok(line)) => {
                    if let Some(rest) = line.strip_prefix("urbis listening on ") {
                        let url = rest.split_whitespace().next().expect("url");
                        break url.to_string();
                    }
                }
                _ => panic!("server exited before listening"),
            }
        };
        // Keep draining stdout so the server never blocks on a full pipe.
        std::thread::spawn(move || for _ in lines {});
        Server { child, base }
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.base, path)
    }

    /// GET a URL and return (status, content-type, body as JSON).
    pub async fn get_json(&self, path: &str) -> (u16, String, serde_json::Value) {
        let resp = reqwest::get(self.url(path)).await.expect("request");
        let status = resp.status().as_u16();
        let ct = resp
            .headers()
            .get("content-type")
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .to_string();
        let text = resp.text().await.expect("body");
        let json = serde_json::from_str(&text)
            .unwrap_or_else(|e| panic!("{path}: body is not JSON ({e}): {text}"));
        (status, ct, json)
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
