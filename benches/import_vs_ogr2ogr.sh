#!/usr/bin/env bash
# Import time of urbis side by side with ogr2ogr converting the same GeoPackage, in one run.
#
#   bash benches/import_vs_ogr2ogr.sh [scale]        (default scale 1.0 = the whole Region)
#
# Needs: a release build (cargo build --release), gdal-bin (ogr2ogr), hyperfine.
# Sources: ../shared/data/urbis/UrbISVector_centre_31370.gpkg (real) and a generated GeoPackage.
set -euo pipefail
cd "$(dirname "$0")/.."
scale="${1:-1.0}"
bin=target/release/urbis
work=target/bench-data
mkdir -p "$work"
command -v hyperfine >/dev/null || { echo "install hyperfine (apt-get install hyperfine)"; exit 1; }
command -v ogr2ogr >/dev/null || { echo "install gdal-bin"; exit 1; }
cargo build --release --quiet

region="$work/region-$scale.gpkg"
[ -f "$region" ] || "$bin" generate --scale "$scale" --out "$region"

echo "machine: $(nproc) cores, $(free -g | awk '/Mem:/{print $2}') GiB, $(uname -srm)"
echo "ogr2ogr: $(ogr2ogr --version)"
for src in ../shared/data/urbis/UrbISVector_centre_31370.gpkg "$region"; do
  [ -f "$src" ] || { echo "skip $src (absent)"; continue; }
  echo "== $src ($(du -h "$src" | cut -f1))"
  hyperfine --warmup 1 --runs "${RUNS:-5}" --export-markdown "$work/import-$(basename "$src").md" \
    --prepare "rm -rf $work/imp $work/ogr.gpkg" \
    -n "urbis import" "$bin --data-dir $work/imp import $src" \
    -n "ogr2ogr -f GPKG" "ogr2ogr -f GPKG $work/ogr.gpkg $src"
done
