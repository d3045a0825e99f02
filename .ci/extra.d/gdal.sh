#!/usr/bin/env bash
# The optional `gdal` Cargo feature (DXF, GML and any OGR vector driver, through Debian's
# libgdal-dev installed by .ci/setup.d/downloads.sh): clippy, the crate's unit tests and the
# integration tests of tests/downloads_gdal.rs, in the same target directory and dev profile as
# the main run (only the crates that depend on the feature are rebuilt).
set -euo pipefail
cd "$(dirname "$0")/../.."

echo "== clippy --features gdal"
cargo clippy -p datastore-api -p urbis --all-targets --features gdal --no-deps -- -D warnings
echo "== datastore-api unit tests --features gdal"
cargo test -p datastore-api --features gdal --lib downloads
echo "== tests/downloads_gdal.rs"
cargo test --features gdal --test downloads_gdal
