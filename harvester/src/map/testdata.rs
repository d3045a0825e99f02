//! Access to the real files of `../shared/data/metadata` for the unit tests.

use std::path::{Path, PathBuf};

/// `../shared/data/metadata/<rel>` read as text; `None` (skip) when absent, except under
/// `CI=true` where it panics.
pub fn shared(rel: &str) -> Option<String> {
    let p = shared_dir(rel)?;
    Some(std::fs::read_to_string(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display())))
}

/// The path of `../shared/data/metadata/<rel>` if present.
pub fn shared_dir(rel: &str) -> Option<PathBuf> {
    let p = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../shared/data/metadata")
        .join(rel);
    if p.exists() {
        return Some(p);
    }
    if std::env::var("CI").is_ok_and(|v| v == "true") {
        panic!("CI=true but {} is missing", p.display());
    }
    eprintln!("skipped: {} is absent", p.display());
    None
}

/// Every file under `dir`.
pub fn walk(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(rd) = std::fs::read_dir(dir) else {
        return;
    };
    for e in rd.flatten() {
        let p = e.path();
        if p.is_dir() {
            walk(&p, out);
        } else {
            out.push(p);
        }
    }
}
