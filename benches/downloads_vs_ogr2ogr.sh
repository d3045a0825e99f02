#!/usr/bin/env bash
# Downloads: full-layer export time per format, urbis side by side with ogr2ogr writing the same
# format from the same source GeoPackage, and the peak memory of a streamed extract.
#
#   bash benches/downloads_vs_ogr2ogr.sh [scale]     (default scale 1.0 = the whole Region)
#
# Environment: RUNS (hyperfine runs, default 3), LAYERS (default "buildings addresses"),
# FORMATS (default "gpkg shp geojson csv fgb kml"), DATASETS (default "centre region").
# Needs: a release build (built here), gdal-bin (ogr2ogr), hyperfine, curl.
#
# Three ways of producing each file are timed:
#  - "urbis HTTP": GET /downloads/{layer}.{format} with a bbox covering the Region (so the file is
#    extracted on demand from the in-memory data rather than served prepared) on a running
#    release server with background preparation off; this is the production path;
#  - "urbis export": the CLI, which also opens the store and loads every layer into memory;
#  - "ogr2ogr": GDAL converting the layer of the source GeoPackage to the same format (GeoJSON
#    and KML reprojected to WGS 84, as urbis does).
set -euo pipefail
cd "$(dirname "$0")/.."
scale="${1:-1.0}"
runs="${RUNS:-3}"
layers="${LAYERS:-buildings addresses}"
formats="${FORMATS:-gpkg shp geojson csv fgb kml}"
datasets="${DATASETS:-centre region}"
bin=target/release/urbis
work=target/bench-data
out="$work/downloads"
mkdir -p "$out"
for t in hyperfine ogr2ogr curl; do
  command -v "$t" >/dev/null || { echo "install $t"; exit 1; }
done
cargo build --release --quiet --bin urbis

region="$work/region-$scale.gpkg"
[ -f "$region" ] || "$bin" generate --scale "$scale" --out "$region"
centre=../shared/data/urbis/UrbISVector_centre_31370.gpkg

echo "machine: $(nproc) cores, $(free -g | awk '/Mem:/{print $2}') GiB, $(uname -srm)"
echo "ogr2ogr: $(ogr2ogr --version)"
printf '[downloads]\nprepare = false\nmax_concurrent_extracts = 1\n' > "$out/bench.toml"

table() { # layer table name in the source GeoPackage
  case "$1" in
    addresses) echo Addresses ;; buildings) echo Buildings ;; parcels) echo CadastralParcels ;;
    streets) echo StreetAxes ;; municipalities) echo Municipalities ;;
  esac
}

results="$out/results.md"
echo "| data | layer | format | urbis HTTP extract | urbis export (CLI) | ogr2ogr | ogr2ogr ÷ urbis HTTP |" > "$results"
echo "|---|---|---|---|---|---|---|" >> "$results"

server_pid=""
cleanup() { [ -n "$server_pid" ] && kill "$server_pid" 2>/dev/null || true; }
trap cleanup EXIT

for name in $datasets; do
  case "$name" in centre) src="$centre" ;; region) src="$region" ;; *) continue ;; esac
  [ -f "$src" ] || { echo "skip $name: $src absent"; continue; }
  data="$out/data-$name"
  rm -rf "$data"
  echo "== $name: $src ($(du -h "$src" | cut -f1)), importing"
  "$bin" --data-dir "$data" import "$src" >/dev/null
  URBIS_SAMPLE= RUST_LOG=warn "$bin" --config "$out/bench.toml" --data-dir "$data" \
    serve --listen 127.0.0.1:0 > "$out/server.out" 2> "$out/server.err" &
  server_pid=$!
  base=""
  for _ in $(seq 1 600); do
    base=$(sed -n 's/^urbis listening on \([^ ]*\).*/\1/p' "$out/server.out" | head -1)
    [ -n "$base" ] && break
    sleep 0.2
  done
  [ -n "$base" ] || { echo "server did not start"; cat "$out/server.err"; exit 1; }
  all="bbox=0,0,400000,400000&bbox-crs=31370"
  # Peak memory of a streamed extract. The CLI's peak RSS (/usr/bin/time -v) exporting the
  # smallest layer (municipalities as CSV: the cost of loading the data) and the largest one as
  # GeoJSON, GeoPackage and FlatGeobuf: the difference is what the extract itself holds. And the
  # server's high-water mark (VmHWM) once settled (other modules prepare their data in the
  # background after start-up), then after extracting the largest layer as GeoJSON.
  big=$(echo "$layers" | awk '{print $1}')
  peak() { { /usr/bin/time -v "$bin" --data-dir "$data" export "$@" >/dev/null; } 2>&1 \
    | awk -F: '/Maximum resident set size/{gsub(/ /,"",$2); print $2}'; }
  base_rss=$(peak --layer municipalities --format csv "$out/c.csv")
  mem="memory $name: CLI peak RSS loading only (municipalities.csv) ${base_rss} kB"
  for f in geojson gpkg fgb; do
    mem="$mem; $big.$f $(peak --layer "$big" --format "$f" "$out/c.$f") kB"
  done
  sleep "${SETTLE:-30}"
  hwm() { awk '/VmHWM/{print $2}' "/proc/$server_pid/status"; }
  before=$(hwm)
  curl -sf -o "$out/u.geojson" "$base/downloads/$big.geojson?$all"
  mem="$mem; server VmHWM settled ${before} kB, after $big.geojson ($(stat -c %s "$out/u.geojson") B) $(hwm) kB"
  echo "$mem" | tee -a "$out/memory.txt"
  for layer in $layers; do
    t=$(table "$layer")
    for fmt in $formats; do
      case "$fmt" in
        gpkg) ext=gpkg; ogr=(-f GPKG) ;;
        shp) ext=shp.zip; ogr=(-f "ESRI Shapefile") ;;
        geojson) ext=geojson; ogr=(-f GeoJSON -t_srs EPSG:4326) ;;
        csv) ext=csv; ogr=(-f CSV -lco GEOMETRY=AS_WKT) ;;
        fgb) ext=fgb; ogr=(-f FlatGeobuf) ;;
        kml) ext=kml; ogr=(-f KML) ;;
        *) continue ;;
      esac
      json="$out/$name-$layer-$fmt.json"
      echo "-- $name $layer $fmt"
      hyperfine --warmup 1 --runs "$runs" --export-json "$json" --style basic \
        --prepare "rm -rf $out/u.* $out/c.* $out/o.*" \
        -n "urbis HTTP" "curl -sf -o $out/u.$ext '$base/downloads/$layer.$fmt?$all'" \
        -n "urbis export" "$bin --data-dir $data export --layer $layer --format $fmt $out/c.$ext" \
        -n "ogr2ogr" "ogr2ogr ${ogr[*]@Q} $out/o.$ext $src $t" >/dev/null
      python3 - "$json" "$name" "$layer" "$fmt" >> "$results" <<'EOF'
import json, sys
r = {x["command"]: x for x in json.load(open(sys.argv[1]))["results"]}
def f(k):
    m, s = r[k]["mean"], r[k]["stddev"] or 0.0
    return f"{m*1000:.0f} ms ± {s*1000:.0f}" if m < 10 else f"{m:.2f} s ± {s:.2f}"
ratio = r["ogr2ogr"]["mean"] / r["urbis HTTP"]["mean"]
print(f"| {sys.argv[2]} | {sys.argv[3]} | {sys.argv[4]} | {f('urbis HTTP')} | {f('urbis export')} | {f('ogr2ogr')} | {ratio:.2f}× |")
EOF
      tail -1 "$results"
    done
  done
  kill "$server_pid"; wait "$server_pid" 2>/dev/null || true; server_pid=""
done
echo
cat "$results"
