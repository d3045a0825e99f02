//! Catalogue search at 100,000 generated records: faceted full-text queries (all eight facets
//! counted), filters, bbox, temporal range, sorting and paging, through the same
//! `SearchIndex::search` the API calls.
//!
//! Prints the index build time and p50/p95/max over a fixed query mix (each query run 30 times
//! after a warm-up), then hands a few representative queries to criterion.
//!
//! `cargo bench --bench catalog_search` (`CATALOG_BENCH_COUNT` changes the record count).

use std::hint::black_box;
use std::time::{Duration, Instant};

use criterion::{criterion_group, criterion_main, Criterion};
use datastore_api::generate;
use datastore_api::model::{Bbox, Kind, Lang};
use datastore_api::search::{Facet, SearchIndex, SearchQuery, Sort};

fn index(count: usize) -> SearchIndex {
    let started = Instant::now();
    let mut records = generate::datasets(count, 1);
    for (i, d) in records.iter_mut().enumerate() {
        d.record.issued = "2026-01-01T00:00:00Z".into();
        d.record.modified = format!("2026-{:02}-{:02}T00:00:00Z", 1 + i % 12, 1 + i % 28);
    }
    let generated = started.elapsed();
    let idx = SearchIndex::new().expect("index");
    let started = Instant::now();
    for chunk in records.chunks(10_000) {
        idx.upsert_many(chunk).expect("index records");
    }
    println!(
        "catalogue search: {count} records generated in {generated:.2?}, indexed in {:.2?}",
        started.elapsed()
    );
    idx
}

fn faceted(q: Option<&str>) -> SearchQuery {
    SearchQuery {
        q: q.map(str::to_string),
        kinds: vec![Kind::Dataset, Kind::Series],
        facets: Facet::ALL.to_vec(),
        limit: 20,
        ..Default::default()
    }
}

/// The fixed query mix: what portal users and harvesters send.
fn mix() -> Vec<(&'static str, SearchQuery)> {
    let theme = |code: &str| {
        (
            Facet::Theme,
            vec![format!(
                "http://publications.europa.eu/resource/authority/data-theme/{code}"
            )],
        )
    };
    let format = |code: &str| {
        (
            Facet::Format,
            vec![format!(
                "http://publications.europa.eu/resource/authority/file-type/{code}"
            )],
        )
    };
    let ixelles = Bbox {
        west: 4.355,
        south: 50.803,
        east: 4.399,
        north: 50.841,
    };
    let mut m: Vec<(&'static str, SearchQuery)> = vec![
        ("all, facets", faceted(None)),
        ("q=qualité de l'air", faceted(Some("qualité de l'air"))),
        ("q=qualite air (no accent)", faceted(Some("qualite air"))),
        ("q=luchtkwaliteit", faceted(Some("luchtkwaliteit"))),
        ("q=bomen (nl)", faceted(Some("bomen"))),
        ("q=vélos", faceted(Some("vélos"))),
        ("q=schools", faceted(Some("schools"))),
        ("q=logements sociaux", faceted(Some("logements sociaux"))),
        ("q=bruxelles (common)", faceted(Some("bruxelles"))),
        ("q=ixelles 2019", faceted(Some("ixelles 2019"))),
        ("q=parking zone bleue", faceted(Some("parking zone bleue"))),
        ("q=energie", faceted(Some("energie"))),
    ];
    let mut q = faceted(Some("arbres"));
    q.filters = vec![theme("ENVI")];
    m.push(("q=arbres theme=ENVI", q));
    let mut q = faceted(None);
    q.filters = vec![theme("TRAN"), format("CSV")];
    m.push(("theme=TRAN format=CSV", q));
    let mut q = faceted(Some("stationnement"));
    q.bbox = Some(ixelles);
    m.push(("q=stationnement bbox=Ixelles", q));
    let mut q = faceted(None);
    q.bbox = Some(ixelles);
    q.temporal = Some((
        datastore_api::model::parse_date("2015-01-01"),
        datastore_api::model::parse_date("2018-12-31"),
    ));
    m.push(("bbox + temporal", q));
    let mut q = faceted(Some("population"));
    q.sort = Sort::Title;
    q.lang = Lang::Nl;
    m.push(("q=population sort=title(nl)", q));
    let mut q = faceted(None);
    q.sort = Sort::Modified;
    q.offset = 2_000;
    m.push(("sort=modified page 101", q));
    let mut q = faceted(None);
    q.filters = vec![(Facet::Publisher, vec!["stib".into()])];
    q.hvd = Some(true);
    m.push(("publisher=stib hvd", q));
    let mut q = faceted(None);
    q.modified_since = Some("2026-11-01T00:00:00Z".into());
    m.push(("modified_since", q));
    m
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i.min(sorted.len() - 1)]
}

fn bench(c: &mut Criterion) {
    let count: usize = std::env::var("CATALOG_BENCH_COUNT")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(100_000);
    let idx = index(count);
    let queries = mix();
    for (_, q) in &queries {
        black_box(idx.search(q).expect("search"));
    }
    let mut all = Vec::new();
    println!("{:<32} {:>9} {:>9} {:>9}", "query", "total", "p50", "max");
    for (name, q) in &queries {
        let mut times = Vec::new();
        let mut total = 0;
        for _ in 0..30 {
            let t = Instant::now();
            let r = idx.search(q).expect("search");
            times.push(t.elapsed());
            total = r.total;
            black_box(r);
        }
        times.sort();
        println!(
            "{name:<32} {total:>9} {:>9.2?} {:>9.2?}",
            percentile(&times, 0.5),
            times[times.len() - 1]
        );
        all.extend(times);
    }
    all.sort();
    println!(
        "catalogue search at {count} records, {} queries: p50 {:.2?}, p95 {:.2?}, max {:.2?} (goal p95 < 10 ms)",
        all.len(),
        percentile(&all, 0.5),
        percentile(&all, 0.95),
        all[all.len() - 1]
    );

    let mut g = c.benchmark_group("catalog_search");
    for name in [
        "all, facets",
        "q=qualité de l'air",
        "q=bruxelles (common)",
        "bbox + temporal",
    ] {
        if let Some((_, q)) = queries.iter().find(|(n, _)| *n == name) {
            g.bench_function(name, |b| {
                b.iter(|| black_box(idx.search(q).expect("search")))
            });
        }
    }
    g.finish();
}

criterion_group! {
    name = benches;
    config = Criterion::default().sample_size(20).measurement_time(Duration::from_secs(3));
    targets = bench
}
criterion_main!(benches);
