#!/usr/bin/env bash
# Vector tiles side by side: the urbis encoder vs PostGIS ST_AsMVT(ST_AsMVTGeom(...)) on the same
# data and the same list of tiles z12–z16, one tile at a time, each tile rendered once (nothing
# cached), data already in memory on both sides.
#
#   bash benches/tiles_vs_postgis.sh            # real centre + Region-scale generated data
#   TILES_SKIP_REGION=1 bash benches/tiles_vs_postgis.sh
#
# - PostGIS: a throwaway PostgreSQL 15 + PostGIS 3 cluster (Debian `postgresql-15-postgis-3`,
#   installed with apt-get when missing) on a Unix socket in a temporary directory; the
#   GeoPackage is loaded with `ogr2ogr -f PostgreSQL -t_srs EPSG:3857` (transformed once at load
#   time, as tile servers in front of PostGIS recommend, so no ST_Transform per tile); GiST
#   indexes; benches/tiles/postgis_tiles.sql renders the tile contract (same layers, attributes,
#   extent, buffer 64 and min zooms); a warm-up pass over all tiles, then a timed pass, timed
#   inside the server (clock_timestamp per tile: no client, no network, no HTTP).
# - urbis, in process: `cargo bench --bench tiles_render` (benches/tiles_render.rs) loads the
#   same data imported by the release binary (`cargo build --release`; or URBIS_BIN) from the
#   same GeoPackage, prepares it as the server does, renders every tile once as a warm-up and
#   once timed, one thread, no cache: the counterpart of PostGIS's in-server timing.
# - urbis over HTTP: the release server, one keep-alive HTTP/1.1 client, sequential requests
#   without compression (Accept-Encoding: identity), each tile requested once after one warm-up
#   request outside the list, so every timed tile is rendered, not read from the tile cache. The
#   time includes HTTP and the Python client, which the PostGIS figure does not pay.
# Prints tiles/s, p50/p99 per tile and tile sizes of each, and the ratios.
set -euo pipefail

root="$(cd "$(dirname "$0")/.." && pwd)"
centre="$root/../shared/data/urbis/UrbISVector_centre_31370.gpkg"
helper="$root/benches/tiles/tiles.py"
[[ -f "$centre" ]] || { echo "missing $centre (../shared)" >&2; exit 1; }

# The in-process render timer, built once (the same executable all along the run; or
# TILES_RENDER_BIN, an already built `tiles_render` bench executable).
render_bin="${TILES_RENDER_BIN:-}"
if [[ -z "$render_bin" ]]; then
    render_bin="$(cd "$root" && cargo bench --bench tiles_render --no-run 2>&1 \
        | sed -n 's/.*Executable .*(\(.*tiles_render-[0-9a-f]*\)).*/\1/p' | tail -1)"
    [[ -n "$render_bin" ]] && render_bin="$root/$render_bin"
fi
[[ -n "$render_bin" && -x "$render_bin" ]] || { echo "cannot build the tiles_render bench" >&2; exit 1; }
if [[ -z "${URBIS_BIN:-}" ]]; then
    (cd "$root" && cargo build --release --quiet --bin urbis)
    URBIS_BIN="$root/target/release/urbis"
fi

if ! ls /usr/share/postgresql/*/extension/postgis.control >/dev/null 2>&1; then
    echo "installing postgresql-15-postgis-3 (apt-get)" >&2
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
        postgresql-15 postgresql-15-postgis-3 >/dev/null
fi
command -v ogr2ogr >/dev/null || DEBIAN_FRONTEND=noninteractive apt-get install -y -qq gdal-bin >/dev/null
pgbin="$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)"

tmp="$(mktemp -d /tmp/urbis-tiles-pg.XXXXXX)"
as_pg=()
if [[ "$(id -u)" == 0 ]]; then
    id postgres >/dev/null 2>&1 || useradd --system --no-create-home postgres
    chown postgres "$tmp"
    as_pg=(runuser -u postgres --)
fi
server_pid=""
cleanup() {
    [[ -n "$server_pid" ]] && kill "$server_pid" 2>/dev/null || true
    "${as_pg[@]}" "$pgbin/pg_ctl" -D "$tmp/pg" -m immediate stop >/dev/null 2>&1 || true
    rm -rf "$tmp"
}
trap cleanup EXIT

"${as_pg[@]}" "$pgbin/initdb" -D "$tmp/pg" -U postgres -A trust --no-sync -E UTF8 --locale=C.UTF-8 >/dev/null
"${as_pg[@]}" "$pgbin/pg_ctl" -D "$tmp/pg" -l "$tmp/pg.log" -w \
    -o "-c listen_addresses='' -c unix_socket_directories=$tmp -c shared_buffers=1GB -c work_mem=64MB -c max_parallel_workers_per_gather=0 -c fsync=off -c jit=off" \
    start >/dev/null
psql=("${as_pg[@]}" psql -h "$tmp" -U postgres -v ON_ERROR_STOP=1 -q -X)
echo "$("${psql[@]}" -d postgres -At -c 'SELECT version()' | cut -d, -f1); PostGIS $("${psql[@]}" -d postgres -At -c 'CREATE EXTENSION postgis; SELECT postgis_lib_version()')"
echo "machine: $(nproc) cores, $(awk '/MemTotal/ {printf "%.0f GB", $2/1048576}' /proc/meminfo), $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs); shared with other jobs"

# bench NAME GPKG BBOX|- [MAX_PER_ZOOM]   (BBOX W,S,E,N of the tiles; `-`: the TileJSON bounds)
bench() {
    local name="$1" gpkg="$2" bbox="$3" cap="${4:-0}" db="b$RANDOM"
    echo
    echo "== $name ($(basename "$gpkg"))"
    "${psql[@]}" -d postgres -c "CREATE DATABASE $db"
    "${psql[@]}" -d "$db" -c "CREATE EXTENSION postgis"
    local t0=$SECONDS
    PG_USE_COPY=YES ogr2ogr -f PostgreSQL "PG:host=$tmp user=postgres dbname=$db" "$gpkg" \
        -t_srs EPSG:3857 -lco GEOMETRY_NAME=geom -lco SPATIAL_INDEX=NONE -lco FID=fid
    "${psql[@]}" -d "$db" -f "$root/benches/tiles/postgis_tiles.sql"
    echo "PostGIS load (ogr2ogr to 3857, tables, GiST, ANALYZE): $((SECONDS - t0)) s"

    # urbis: import the same file, serve it.
    mkdir -p "$tmp/$name"
    "$URBIS_BIN" --data-dir "$tmp/$name" import "$gpkg" >/dev/null
    URBIS_SAMPLE="" RUST_LOG=warn "$URBIS_BIN" --data-dir "$tmp/$name" serve --listen 127.0.0.1:0 \
        >"$tmp/$name/serve.out" 2>"$tmp/$name/serve.err" &
    server_pid=$!
    local base=""
    for _ in $(seq 1 600); do
        base="$(sed -n 's/^urbis listening on \([^ ]*\).*/\1/p' "$tmp/$name/serve.out")"
        [[ -n "$base" ]] && break
        sleep 0.1
    done
    [[ -n "$base" ]] || { cat "$tmp/$name/serve.err" >&2; exit 1; }

    # The tile list: every tile over the area at z12–z16 (at most `cap` per zoom).
    [[ "$bbox" == - ]] && bbox="$(python3 "$helper" bounds "$base")"
    python3 "$helper" list --bbox "$bbox" --minzoom 12 --maxzoom 16 --max-per-zoom "$cap" >"$tmp/$name/tiles.txt"
    chmod a+r "$tmp/$name/tiles.txt"
    echo "bounds $bbox: $(wc -l <"$tmp/$name/tiles.txt") tiles z12–z16"

    # urbis: warm-up (one z11 tile, outside the list), then every tile once.
    read -r z x y < <(head -1 "$tmp/$name/tiles.txt")
    curl -s -o /dev/null "$base/tiles/urbis/$((z - 1))/$((x / 2))/$((y / 2)).mvt"
    python3 "$helper" fetch "$base" urbis "$tmp/$name/tiles.txt" "$tmp/$name/urbis-http.csv"
    kill "$server_pid"
    wait "$server_pid" 2>/dev/null || true
    server_pid=""
    TILES_STORE="$tmp/$name" TILES_LIST="$tmp/$name/tiles.txt" TILES_OUT="$tmp/$name/urbis.csv" "$render_bin"

    # PostGIS: warm-up pass, timed pass.
    "${psql[@]}" -d "$db" <<SQL
\copy tiles FROM '$tmp/$name/tiles.txt' WITH (FORMAT csv, DELIMITER ' ')
CALL render_all(false);
CALL render_all(true);
SQL
    "${psql[@]}" -d "$db" -At -F, -c \
        "SELECT z, x, y, CASE WHEN bytes > 0 THEN 200 ELSE 204 END, round(ms::numeric, 4), bytes FROM results" \
        >"$tmp/$name/postgis.csv"
    "${psql[@]}" -d postgres -c "DROP DATABASE $db"

    python3 "$helper" stats urbis "$tmp/$name/urbis.csv"
    python3 "$helper" stats PostGIS "$tmp/$name/postgis.csv"
    python3 "$helper" stats "urbis over HTTP" "$tmp/$name/urbis-http.csv"
    echo "ratio PostGIS time / urbis time, both in process: $(python3 "$helper" ratio "$tmp/$name/urbis.csv" "$tmp/$name/postgis.csv")x"
    echo "ratio PostGIS in process / urbis over HTTP: $(python3 "$helper" ratio "$tmp/$name/urbis-http.csv" "$tmp/$name/postgis.csv")x"
    if [[ -n "${TILES_KEEP:-}" ]]; then
        mkdir -p "$TILES_KEEP/$name" && cp "$tmp/$name"/*.csv "$tmp/$name/tiles.txt" "$TILES_KEEP/$name/"
    fi
}

# The area the real centre's addresses, buildings and streets cover (its municipalities extend
# to the whole Region, so its TileJSON bounds do too).
bench centre "$centre" 4.319,50.801,4.399,50.866

if [[ -z "${TILES_SKIP_REGION:-}" ]]; then
    region="$tmp/region.gpkg"
    t0=$SECONDS
    "$URBIS_BIN" generate --scale 1.0 --out "$region" >/dev/null
    echo
    echo "generated Region-scale data (scale 1.0) in $((SECONDS - t0)) s"
    # At most 300 tiles per zoom (an even sample of the Region's ~3,000 z12–z16 tiles).
    bench region "$region" - 300
fi
