//! Geocoder quality and speed.
//!
//! `cargo bench --bench geocode` (figures in docs/BENCHMARKS.md, "Geocoder"):
//!
//! 1. **Evaluation set**: [`EVAL_SEED`] draws [`EVAL_QUERIES`] addresses of the real centre
//!    GeoPackage (`../shared/data/urbis/UrbISVector_centre_31370.gpkg`, imported once into
//!    `target/bench-data/geocode-centre/`) and writes a noisy query for each (language switch,
//!    typos, abbreviations, missing postcode or municipality, other municipality name forms, box
//!    numbers, number ranges, split/joined Dutch compounds, case and accents). Reports top-1 /
//!    top-5 accuracy and the distance error of the first result, and writes the set to
//!    `target/geocode-eval/queries.tsv` (with `addresses.tsv`) for `benches/geocode_vs_pg_trgm.sh`.
//! 2. **Latency** on one core: p50 / p99 of free text and autocomplete over the centre data, and
//!    over generated Region-scale data (`urbis_core::generate`, scale 1.0), with the index's
//!    build time and heap size.
//! 3. Criterion benchmarks of the same queries (`geocode/...`).
//!
//! `GEOCODE_EVAL_ONLY=1` stops after 1 and 2.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use criterion::{criterion_group, criterion_main, Criterion};
use urbis_core::geocode::{GeocodeIndex, SearchOptions};
use urbis_core::import::{import_path, ImportOptions};
use urbis_core::store::{FeatureStore, SqliteStore};
use urbis_core::Dataset;

/// The evaluation set's seed and size: change them and the published figures change.
pub const EVAL_SEED: u64 = 20_251_004;
pub const EVAL_QUERIES: usize = 2_500;

/// xorshift64*: small, deterministic across platforms.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
    fn chance(&mut self, p: f64) -> bool {
        (self.next() >> 11) as f64 / (1u64 << 53) as f64 <= p
    }
}

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("runtime")
}

/// The centre data as a Dataset (imported once into target/bench-data/geocode-centre).
fn centre(rt: &tokio::runtime::Runtime) -> Option<Dataset> {
    let src = root().join("../shared/data/urbis/UrbISVector_centre_31370.gpkg");
    if !src.exists() {
        eprintln!("skipped: {} not found", src.display());
        return None;
    }
    let dir = root().join("target/bench-data/geocode-centre");
    std::fs::create_dir_all(&dir).expect("bench dir");
    Some(rt.block_on(async {
        let store = SqliteStore::open(&dir.join("urbis.sqlite"))
            .await
            .expect("store");
        if store.live_generation().await.expect("live").is_none() {
            import_path(
                Arc::new(store.clone()),
                &src,
                &ImportOptions::default(),
                &mut |_| {},
            )
            .await
            .expect("import centre");
        }
        Dataset::load(Arc::new(store)).await.expect("load")
    }))
}

/// One evaluation query and the address it means.
pub struct EvalQuery {
    pub text: String,
    /// Position in `GeocodeIndex::addresses()`.
    pub truth: u32,
}

const ABBREVIATIONS: &[(&str, &[&str])] = &[
    ("Avenue", &["Av.", "Ave", "av"]),
    ("Boulevard", &["Bd", "Boul.", "bd."]),
    ("Chaussée", &["Chée", "Ch.", "chee"]),
    ("Place", &["Pl.", "pl"]),
    ("Square", &["Sq.", "sq"]),
    ("Saint", &["St", "St."]),
    ("Sainte", &["Ste"]),
    ("Sint", &["St"]),
    ("straat", &["str.", "str"]),
    ("Steenweg", &["Stwg", "stwg."]),
    ("steenweg", &["stwg"]),
    ("plein", &["pl."]),
];

fn strip_accents(s: &str) -> String {
    urbis_core::geocode::normalize::fold(s)
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

/// One typo in a word of 5+ letters: swap, drop, double or replace a letter.
fn typo(rng: &mut Rng, s: &str) -> String {
    let words: Vec<&str> = s.split(' ').collect();
    let candidates: Vec<usize> = (0..words.len())
        .filter(|i| words[*i].chars().count() >= 5 && words[*i].chars().all(|c| c.is_alphabetic()))
        .collect();
    if candidates.is_empty() {
        return s.to_string();
    }
    let wi = candidates[rng.below(candidates.len())];
    let mut chars: Vec<char> = words[wi].chars().collect();
    // Never touch the first letter (people rarely do).
    let p = 1 + rng.below(chars.len() - 2);
    match rng.below(4) {
        0 => chars.swap(p, p + 1),
        1 => {
            chars.remove(p);
        }
        2 => {
            let c = chars[p];
            chars.insert(p, c);
        }
        _ => {
            let letters = "aeioulnrst";
            let c = letters.chars().nth(rng.below(letters.len())).unwrap_or('e');
            chars[p] = c;
        }
    }
    let w: String = chars.into_iter().collect();
    let mut out: Vec<String> = words.iter().map(|w| w.to_string()).collect();
    out[wi] = w;
    out.join(" ")
}

/// The evaluation set: deterministic for a given index and seed.
pub fn evaluation_set(ix: &GeocodeIndex, seed: u64, n: usize) -> Vec<EvalQuery> {
    let mut rng = Rng(seed.max(1));
    let addrs = ix.addresses();
    let usable: Vec<u32> = (0..addrs.len() as u32)
        .filter(|a| {
            let a = &addrs[*a as usize];
            a.number_text.is_some() && a.muni.is_some() && a.postcode.is_some()
        })
        .collect();
    let mut out = Vec::with_capacity(n);
    while out.len() < n && !usable.is_empty() {
        let aid = usable[rng.below(usable.len())];
        let a = &addrs[aid as usize];
        let st = &ix.streets()[a.street as usize];
        let m = &ix.municipalities()[a.muni.unwrap_or(0) as usize];
        let nl = rng.chance(0.5);
        let mut street = if nl {
            st.name_nl.clone()
        } else {
            st.name_fr.clone()
        }
        .or(st.name_fr.clone())
        .unwrap_or_default();
        // Municipality: same language, or switched, or another accepted form.
        let mut muni = if rng.chance(0.75) == nl {
            m.name_nl.clone()
        } else {
            m.name_fr.clone()
        }
        .unwrap_or_default();
        if rng.chance(0.1) {
            muni = match m.nis.as_deref() {
                Some("21004") => {
                    ["Bruxelles-Ville", "Brussels", "Ville de Bruxelles"][rng.below(3)].to_string()
                }
                Some("21014") => "St-Josse".to_string(),
                Some("21013") => "St-Gilles".to_string(),
                Some("21012") => "Molenbeek".to_string(),
                _ => muni,
            };
        }
        // Abbreviations.
        if rng.chance(0.35) {
            for (full, abbr) in ABBREVIATIONS {
                if street.contains(full) {
                    street = street.replacen(full, abbr[rng.below(abbr.len())], 1);
                    break;
                }
            }
        }
        // Dutch compounds written split / joined.
        if nl && rng.chance(0.15) {
            if let Some(pos) = ["straat", "laan", "plein", "steenweg"]
                .iter()
                .find_map(|s| street.find(s))
            {
                if pos > 0 && !street[..pos].ends_with(' ') {
                    street.insert(pos, ' ');
                }
            } else if street.contains('-') {
                street = street.replacen('-', "", 1);
            }
        }
        if rng.chance(0.35) {
            street = typo(&mut rng, &street);
        }
        if rng.chance(0.08) {
            street = typo(&mut rng, &street);
        }
        let mut number = a.number_text.clone().unwrap_or_default();
        if rng.chance(0.05) {
            if let Ok(n) = number.parse::<u32>() {
                number = format!("{n}-{}", n + 2);
            }
        }
        if rng.chance(0.1) {
            number = format!(
                "{number} {} {}",
                ["bus", "bte", "b"][rng.below(3)],
                1 + rng.below(20)
            );
        } else if rng.chance(0.04) {
            number = number.to_ascii_lowercase();
            if let Some(last) = number.chars().last().filter(|c| c.is_alphabetic()) {
                number = format!(
                    "{} {}",
                    &number[..number.len() - 1],
                    last.to_ascii_uppercase()
                );
            }
        }
        let pc = a.postcode.clone().unwrap_or_default();
        let with_pc = rng.chance(0.6);
        let with_muni = rng.chance(0.6);
        let locality = match (with_pc, with_muni) {
            (true, true) => format!("{pc} {muni}"),
            (true, false) => pc,
            (false, true) => muni,
            (false, false) => String::new(),
        };
        let mut text = match rng.below(4) {
            0 => format!("{number} {street}"),
            1 => format!("{street}, {number}"),
            _ => format!("{street} {number}"),
        };
        if !locality.is_empty() {
            text = format!(
                "{text}{}{locality}",
                if rng.chance(0.6) { ", " } else { " " }
            );
        }
        let r = rng.below(10);
        if r < 2 {
            text = text.to_lowercase();
        } else if r < 4 {
            text = strip_accents(&text);
        } else if r == 4 {
            text = text.to_uppercase();
        }
        out.push(EvalQuery { text, truth: aid });
    }
    out
}

fn dist(ix: &GeocodeIndex, a: u32, x: f64, y: f64) -> f64 {
    let t = &ix.addresses()[a as usize];
    ((t.x - x).powi(2) + (t.y - y).powi(2)).sqrt()
}

/// Is result address `got` the address `truth` (or one indistinguishable from it: same street,
/// number and postcode)?
fn same(ix: &GeocodeIndex, got: u32, truth: u32) -> bool {
    let (g, t) = (
        &ix.addresses()[got as usize],
        &ix.addresses()[truth as usize],
    );
    got == truth
        || (g.street == t.street && g.number_text == t.number_text && g.postcode == t.postcode)
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i.min(sorted.len() - 1)]
}

fn latencies(
    ix: &GeocodeIndex,
    queries: &[String],
    autocomplete: bool,
) -> (Duration, Duration, f64) {
    let opts = SearchOptions {
        limit: 5,
        autocomplete,
        ..Default::default()
    };
    // Warm up.
    for q in queries.iter().take(200) {
        std::hint::black_box(ix.search(q, &opts));
    }
    let mut ds = Vec::with_capacity(queries.len());
    let started = Instant::now();
    for q in queries {
        let t = Instant::now();
        std::hint::black_box(ix.search(q, &opts));
        ds.push(t.elapsed());
    }
    let qps = queries.len() as f64 / started.elapsed().as_secs_f64();
    ds.sort();
    (percentile(&ds, 0.5), percentile(&ds, 0.99), qps)
}

/// Autocomplete inputs: each query cut after 40–90 % of its street part.
fn prefixes(set: &[EvalQuery], seed: u64) -> Vec<String> {
    let mut rng = Rng(seed ^ 0xA5A5);
    set.iter()
        .map(|q| {
            let chars: Vec<char> = q.text.chars().collect();
            let cut = (chars.len() * (4 + rng.below(6)) / 10)
                .max(3)
                .min(chars.len());
            chars[..cut]
                .iter()
                .collect::<String>()
                .trim_end()
                .to_string()
        })
        .collect()
}

fn write_tsv(ix: &GeocodeIndex, set: &[EvalQuery], dir: &Path) -> std::io::Result<()> {
    std::fs::create_dir_all(dir)?;
    let clean = |s: &str| s.replace(['\t', '\n'], " ");
    let mut f = std::io::BufWriter::new(std::fs::File::create(dir.join("queries.tsv"))?);
    for q in set {
        writeln!(
            f,
            "{}\t{}",
            ix.addresses()[q.truth as usize].fid,
            clean(&q.text)
        )?;
    }
    let mut f = std::io::BufWriter::new(std::fs::File::create(dir.join("addresses.tsv"))?);
    for a in ix.addresses() {
        let st = &ix.streets()[a.street as usize];
        let m = a.muni.map(|m| &ix.municipalities()[m as usize]);
        let n = a.number_text.clone().unwrap_or_default();
        let pc = a.postcode.clone().unwrap_or_default();
        let fr = format!(
            "{} {n}, {pc} {}",
            st.name_fr.clone().unwrap_or_default(),
            m.and_then(|m| m.name_fr.clone()).unwrap_or_default()
        );
        let nl = format!(
            "{} {n}, {pc} {}",
            st.name_nl.clone().unwrap_or_default(),
            m.and_then(|m| m.name_nl.clone()).unwrap_or_default()
        );
        writeln!(
            f,
            "{}\t{}\t{}\t{}\t{}",
            a.fid,
            clean(&fr),
            clean(&nl),
            a.x,
            a.y
        )?;
    }
    Ok(())
}

fn evaluate(c: &mut Criterion) {
    let rt = runtime();
    let Some(ds) = centre(&rt) else { return };
    let started = Instant::now();
    let ix = GeocodeIndex::build(Arc::new(ds));
    let build = started.elapsed();
    let set = evaluation_set(&ix, EVAL_SEED, EVAL_QUERIES);
    let out_dir = root().join("target/geocode-eval");
    if let Err(e) = write_tsv(&ix, &set, &out_dir) {
        eprintln!("cannot write the evaluation set: {e}");
    }
    let opts = SearchOptions {
        limit: 5,
        ..Default::default()
    };
    let (mut top1, mut top5) = (0usize, 0usize);
    let mut errors: Vec<f64> = Vec::new();
    let mut misses = Vec::new();
    for q in &set {
        let hits = ix.search(&q.text, &opts);
        let pos = hits
            .iter()
            .position(|h| h.address.is_some_and(|a| same(&ix, a, q.truth)));
        if pos == Some(0) {
            top1 += 1;
        } else if misses.len() < 25 {
            misses.push(format!(
                "{:?} → {:?}",
                q.text,
                hits.first()
                    .map(|h| (h.street, h.number.clone(), h.match_type))
            ));
        }
        if pos.is_some() {
            top5 += 1;
        }
        if let Some(h) = hits.first() {
            errors.push(dist(&ix, q.truth, h.x, h.y));
        }
    }
    errors.sort_by(f64::total_cmp);
    let n = set.len() as f64;
    let pct = |p: f64| {
        errors
            .get(((errors.len() as f64 - 1.0) * p) as usize)
            .copied()
            .unwrap_or(f64::NAN)
    };
    println!("geocoder evaluation: {} queries (seed {EVAL_SEED}) over {} addresses, index built in {build:.2?}, heap {:.1} MB",
        set.len(), ix.address_count(), ix.heap_bytes() as f64 / 1e6);
    println!(
        "  examples: {:?}",
        set.iter()
            .take(8)
            .map(|q| q.text.as_str())
            .collect::<Vec<_>>()
    );
    println!(
        "  top-1 {:.2} %  top-5 {:.2} %",
        100.0 * top1 as f64 / n,
        100.0 * top5 as f64 / n
    );
    println!(
        "  distance error of the first result: median {:.2} m, p95 {:.2} m, p99 {:.2} m, max {:.0} m, mean {:.1} m",
        pct(0.5),
        pct(0.95),
        pct(0.99),
        errors.last().copied().unwrap_or(f64::NAN),
        errors.iter().sum::<f64>() / errors.len().max(1) as f64
    );
    for m in &misses {
        println!("  miss: {m}");
    }
    let texts: Vec<String> = set.iter().map(|q| q.text.clone()).collect();
    let (p50, p99, qps) = latencies(&ix, &texts, false);
    println!("  centre free text, 1 thread: p50 {p50:.2?}, p99 {p99:.2?}, {qps:.0} queries/s");
    let pre = prefixes(&set, EVAL_SEED);
    let (p50, p99, qps) = latencies(&ix, &pre, true);
    println!("  centre autocomplete, 1 thread: p50 {p50:.2?}, p99 {p99:.2?}, {qps:.0} queries/s");
    let _ = std::fs::write(
        out_dir.join("urbis_qps.txt"),
        format!("{:.0}\n", latencies(&ix, &texts, false).2),
    );

    if std::env::var("GEOCODE_SKIP_REGION").is_err() {
        region(&rt);
    }
    if std::env::var("GEOCODE_EVAL_ONLY").is_ok() {
        return;
    }
    let mut g = c.benchmark_group("geocode");
    g.measurement_time(Duration::from_secs(10));
    let mut i = 0;
    g.bench_function("centre_free_text", |b| {
        b.iter(|| {
            i = (i + 1) % texts.len();
            ix.search(&texts[i], &opts)
        })
    });
    let auto = SearchOptions {
        autocomplete: true,
        ..opts.clone()
    };
    g.bench_function("centre_autocomplete", |b| {
        b.iter(|| {
            i = (i + 1) % pre.len();
            ix.search(&pre[i], &auto)
        })
    });
    g.bench_function("centre_reverse", |b| {
        b.iter(|| {
            i = (i + 1) % set.len();
            let a = &ix.addresses()[set[i].truth as usize];
            ix.reverse(a.x + 7.0, a.y - 5.0, 1, 250.0)
        })
    });
    g.finish();
}

/// Region-scale generated data: build time, heap, latency.
fn region(_rt: &tokio::runtime::Runtime) {
    let started = Instant::now();
    let generated = urbis_core::generate::generate(&urbis_core::generate::GenerateOptions {
        scale: 1.0,
        seed: 1,
    });
    let ds = Dataset::from_layers(None, generated.layers);
    println!(
        "region (generated, scale 1.0) ready in {:.1?}",
        started.elapsed()
    );
    let started = Instant::now();
    let ix = GeocodeIndex::build(Arc::new(ds));
    println!(
        "  region index: {} addresses, {} streets, built in {:.2?}, heap {:.1} MB",
        ix.address_count(),
        ix.street_count(),
        started.elapsed(),
        ix.heap_bytes() as f64 / 1e6
    );
    let set = evaluation_set(&ix, EVAL_SEED, 2000);
    let texts: Vec<String> = set.iter().map(|q| q.text.clone()).collect();
    let opts = SearchOptions {
        limit: 5,
        ..Default::default()
    };
    let top1 = set
        .iter()
        .filter(|q| {
            ix.search(&q.text, &opts)
                .first()
                .and_then(|h| h.address)
                .is_some_and(|a| same(&ix, a, q.truth))
        })
        .count();
    println!(
        "  region top-1 {:.2} % (generated names)",
        100.0 * top1 as f64 / set.len() as f64
    );
    let (p50, p99, qps) = latencies(&ix, &texts, false);
    println!("  region free text, 1 thread: p50 {p50:.2?}, p99 {p99:.2?}, {qps:.0} queries/s");
    let (p50, p99, qps) = latencies(&ix, &prefixes(&set, EVAL_SEED), true);
    println!("  region autocomplete, 1 thread: p50 {p50:.2?}, p99 {p99:.2?}, {qps:.0} queries/s");
}

criterion_group!(benches, evaluate);
criterion_main!(benches);
