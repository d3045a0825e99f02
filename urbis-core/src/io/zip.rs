//! PLACEHOLDER API — being implemented.
use std::path::Path;

use crate::error::ReadError;

/// Extract a zip into a new temporary directory (size limits, no path traversal).
pub fn extract(path: &Path) -> Result<tempfile::TempDir, ReadError> {
    todo!("{}", path.display())
}
