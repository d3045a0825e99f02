//! Helpers shared by the reader tests of `io`.

use std::path::{Path, PathBuf};

/// A file of `../shared` (beside the project), or `None` with a note when it is absent.
/// With `CI=true` an absent file fails the test instead.
pub(crate) fn shared(rel: &str) -> Option<PathBuf> {
    let p = Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/../../shared/")).join(rel);
    if p.exists() {
        return Some(p);
    }
    if std::env::var("CI").as_deref() == Ok("true") {
        panic!("{} not found: CI=true requires ../shared", p.display());
    }
    eprintln!("skipped: ../shared not found ({})", p.display());
    None
}

/// Is `prog` runnable? When it is not and `CI=true`, the test fails.
pub(crate) fn have_program(prog: &str) -> bool {
    let ok = std::process::Command::new(prog)
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success());
    if !ok {
        if std::env::var("CI").as_deref() == Ok("true") {
            panic!("{prog} not found: CI=true requires it");
        }
        eprintln!("skipped: {prog} not found");
    }
    ok
}
