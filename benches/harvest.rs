//! Harvester throughput (figures in docs/BENCHMARKS.md, "Harvester").
//!
//! `cargo bench --bench harvest`:
//!
//! 1. **Mapping alone**: ISO 19139 → catalogue model, records/s, on the real datastore.brussels
//!    record (`../shared/data/metadata/iso/.../brussels/dataset-example.xml`, 41 KB) and on the
//!    generated test record (`tests/fixtures/harvest/iso-template.xml`), single thread.
//! 2. **End to end**: a local CSW 2.0.2 server on 127.0.0.1 serving `HARVEST_BENCH_RECORDS`
//!    (default 10,000) generated ISO records in pages of 100; a full `Harvester::run` into a
//!    fresh on-disk catalogue (SQLite + search index) and job database: records/s, then the
//!    second run (everything unchanged). Resident memory (VmRSS) is sampled after every page
//!    to show it stays flat.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Instant;

use axum::extract::Query;
use axum::response::IntoResponse;
use axum::routing::get;
use axum::Router;
use datastore_api::model::Lang;
use datastore_api::store::SqliteCatalog;
use datastore_api::CatalogState;
use harvester::config::{Settings, SourceConfig};
use harvester::db::JobDb;
use harvester::job::Harvester;

fn record(i: usize) -> String {
    include_str!("../tests/fixtures/harvest/iso-template.xml")
        .replace("{FILE_ID}", &format!("bench-{i:06}"))
        .replace("{DATASET_ID}", &format!("bench-ds-{i:06}"))
        .replace("{TITLE_FR}", &format!("Données de référence {i}"))
        .replace("{TITLE_NL}", &format!("Referentiegegevens {i}"))
        .replace("{VERSION}", "v1")
}

fn rss_kb() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmRSS:"))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|v| v.parse().ok())
        })
        .unwrap_or(0)
}

fn mapping() {
    let brussels = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(
        "../shared/data/metadata/iso/dcattools/scrapers/src/test/resources/be/fedict/dcat/scrapers/brussels/dataset-example.xml",
    );
    let mut docs = vec![("generated test record", record(1))];
    match std::fs::read_to_string(&brussels) {
        Ok(d) => docs.push(("datastore.brussels record (41 KB)", d)),
        Err(_) => eprintln!("(../shared absent: the real record is skipped)"),
    }
    for (name, doc) in docs {
        let n = 3_000;
        let t = Instant::now();
        let mut ok = 0;
        for _ in 0..n {
            let p = harvester::map::iso::parse_document(&doc, Lang::Fr).expect("maps");
            ok += p.records.len();
        }
        let secs = t.elapsed().as_secs_f64();
        println!(
            "mapping ISO 19139 → model, {name}: {:.0} records/s ({:.1} µs/record, {} bytes)",
            ok as f64 / secs,
            secs * 1e6 / ok as f64,
            doc.len()
        );
    }
}

async fn end_to_end(total: usize) {
    let pages_served = Arc::new(AtomicU64::new(0));
    let served = pages_served.clone();
    let app = Router::new().route(
        "/csw",
        get(move |Query(q): Query<std::collections::HashMap<String, String>>| {
            let served = served.clone();
            async move {
                served.fetch_add(1, Ordering::Relaxed);
                let start: usize = q.get("startPosition").and_then(|v| v.parse().ok()).unwrap_or(1);
                let max: usize = q.get("maxRecords").and_then(|v| v.parse().ok()).unwrap_or(10);
                let end = (start + max - 1).min(total);
                let recs: Vec<String> = (start..=end).map(record).collect();
                let next = if end >= total { 0 } else { end + 1 };
                let body = format!(
                    r#"<?xml version="1.0" encoding="UTF-8"?><csw:GetRecordsResponse xmlns:csw="http://www.opengis.net/cat/csw/2.0.2"><csw:SearchResults numberOfRecordsMatched="{total}" numberOfRecordsReturned="{}" nextRecord="{next}">{}</csw:SearchResults></csw:GetRecordsResponse>"#,
                    recs.len(),
                    recs.join("")
                );
                ([("content-type", "application/xml")], body).into_response()
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr = listener.local_addr().expect("addr");
    tokio::spawn(async move { axum::serve(listener, app).await });

    let dir = tempfile::tempdir().expect("tempdir");
    let store = SqliteCatalog::open(&dir.path().join("catalog.sqlite"))
        .await
        .expect("catalogue");
    let catalog = CatalogState::new(Arc::new(store), None).expect("state");
    let db = JobDb::open(&dir.path().join("harvest.sqlite"))
        .await
        .expect("job db");
    let settings = Settings {
        allow_hosts: vec!["127.0.0.1".into()],
        delay_ms: 0,
        page_size: 100,
        scheduler: false,
        sources: vec![serde_json::from_value::<SourceConfig>(serde_json::json!({
            "id": "bench",
            "kind": "csw",
            "url": format!("http://{addr}/csw"),
            "publisher": "bench-publisher",
            "language": "fr",
        }))
        .expect("source")],
        ..Settings::default()
    };
    db.sync_sources(&settings).await.expect("sources");
    let h = Harvester::new(settings, db, catalog);
    println!("VmRSS before the first run: {} MB", rss_kb() / 1024);
    for round in ["first run (all created)", "second run (all unchanged)"] {
        let samples = std::sync::Mutex::new(Vec::new());
        let t = Instant::now();
        let job = h
            .run("bench", "bench", false, &|c| {
                if let Ok(mut s) = samples.lock() {
                    s.push((c.seen, rss_kb()));
                }
            })
            .await
            .expect("run");
        let secs = t.elapsed().as_secs_f64();
        let s = samples.into_inner().unwrap_or_default();
        let after = |n: i64| {
            s.iter()
                .find(|(seen, _)| *seen >= n)
                .map(|(_, r)| *r)
                .unwrap_or(0)
        };
        let (max_at, max) = s.iter().copied().max_by_key(|(_, r)| *r).unwrap_or((0, 0));
        println!(
            "end to end, {round}: {} records in {:.2} s = {:.0} records/s ({} created, {} unchanged, {} failed; {} pages); VmRSS after 10% {} MB, 50% {} MB, 100% {} MB, max {} MB (at {} records)",
            job.seen,
            secs,
            job.seen as f64 / secs,
            job.created,
            job.unchanged,
            job.failed,
            job.pages,
            after(total as i64 / 10) / 1024,
            after(total as i64 / 2) / 1024,
            after(total as i64) / 1024,
            max / 1024,
            max_at
        );
        let m = h.catalog.search.memory();
        println!(
            "  search index after it: {} records, tantivy segments {:.1} MB, record columns {:.1} MB",
            m.records,
            m.text_bytes as f64 / 1e6,
            m.column_bytes as f64 / 1e6
        );
        assert_eq!(job.seen as usize, total);
        assert_eq!(job.failed, 0);
    }
}

fn main() {
    let total: usize = std::env::var("HARVEST_BENCH_RECORDS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(10_000);
    println!(
        "machine: {} cores, {}",
        std::thread::available_parallelism()
            .map(|n| n.get())
            .unwrap_or(1),
        std::env::consts::ARCH
    );
    mapping();
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("runtime");
    rt.block_on(end_to_end(total));
}
