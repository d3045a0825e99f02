#!/usr/bin/env bash
# Cached-tile throughput over HTTP on loopback: the urbis tile server (warm tile cache) vs nginx
# serving the very same tiles as static files, both measured with wrk.
#
#   bash benches/tiles_http_vs_nginx.sh
#   WRK_ARGS="-t2 -c64 -d20s" bash benches/tiles_http_vs_nginx.sh
#
# The real centre of Brussels, then Region-scale generated data (`urbis generate --scale 1.0`;
# TILES_SKIP_REGION=1 skips it), each imported and served by the release binary (`cargo build
# --release`; or URBIS_BIN). Every tile of the composite `urbis` tileset over the data at z12–z16
# is fetched once with Accept-Encoding: gzip, which fills our tile cache and stores the same
# gzipped bytes as files for nginx (Debian `nginx-light`, `worker_processes auto`, sendfile,
# access log off, `Content-Encoding: gzip` added on /tiles/). Then wrk (Debian `wrk`; both
# installed with apt-get when missing) cycles through the list of non-empty tiles against each
# server in turn, with the same connections, threads and duration. wrk runs on the same 2-core
# machine as the server it measures.
set -euo pipefail

root="$(cd "$(dirname "$0")/.." && pwd)"
centre="$root/../shared/data/urbis/UrbISVector_centre_31370.gpkg"
helper="$root/benches/tiles/tiles.py"
wrk_args=(${WRK_ARGS:--t1 -c32 -d10s})
[[ -f "$centre" ]] || { echo "missing $centre (../shared)" >&2; exit 1; }

if [[ -z "${URBIS_BIN:-}" ]]; then
    (cd "$root" && cargo build --release --quiet --bin urbis)
    URBIS_BIN="$root/target/release/urbis"
fi
need=()
command -v wrk >/dev/null || need+=(wrk)
[[ -x /usr/sbin/nginx ]] || need+=(nginx-light)
if [[ ${#need[@]} -gt 0 ]]; then
    echo "installing ${need[*]} (apt-get)" >&2
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi

tmp="$(mktemp -d /tmp/urbis-tiles-nginx.XXXXXX)"
chmod 755 "$tmp"
server_pid=""
cleanup() {
    [[ -n "$server_pid" ]] && kill "$server_pid" 2>/dev/null || true
    for f in "$tmp"/*/nginx.pid; do [[ -f "$f" ]] && kill "$(cat "$f" 2>/dev/null)" 2>/dev/null; done; true
    rm -rf "$tmp"
}
trap cleanup EXIT

echo "machine: $(nproc) cores, $(awk '/MemTotal/ {printf "%.0f GB", $2/1048576}' /proc/meminfo), $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs); shared with other jobs"
echo "$(/usr/sbin/nginx -v 2>&1); $(wrk -v 2>&1 | head -1 | cut -d' ' -f1-2); wrk ${wrk_args[*]}"

# bench NAME GPKG: import GPKG, serve it, fill the cache and the static copy, wrk both.
bench() {
local name="$1" gpkg="$2"
echo
echo "== $name ($(basename "$gpkg"))"
mkdir -p "$tmp/$name/data" "$tmp/$name/www"
"$URBIS_BIN" --data-dir "$tmp/$name/data" import "$gpkg" >/dev/null
URBIS_SAMPLE="" RUST_LOG=warn "$URBIS_BIN" --data-dir "$tmp/$name/data" serve --listen 127.0.0.1:0 \
    >"$tmp/$name/serve.out" 2>"$tmp/$name/serve.err" &
server_pid=$!
base=""
for _ in $(seq 1 600); do
    base="$(sed -n 's/^urbis listening on \([^ ]*\).*/\1/p' "$tmp/$name/serve.out")"
    [[ -n "$base" ]] && break
    sleep 0.1
done
[[ -n "$base" ]] || { cat "$tmp/$name/serve.err" >&2; exit 1; }

bbox="$(python3 "$helper" bounds "$base")"
python3 "$helper" list --bbox "$bbox" --minzoom 12 --maxzoom 16 >"$tmp/$name/tiles.txt"
python3 "$helper" fetch "$base" urbis "$tmp/$name/tiles.txt" "$tmp/$name/fill.csv" --gzip \
    --save "$tmp/$name/www/tiles" --paths-out "$tmp/$name/paths.txt"
chmod -R a+rX "$tmp/$name/www"
echo "$(wc -l <"$tmp/$name/tiles.txt") tiles z12–z16 over $bbox; $(wc -l <"$tmp/$name/paths.txt") non-empty, $(du -sk "$tmp/$name/www" | cut -f1) KB gzipped"

port="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
cat >"$tmp/$name/nginx.conf" <<CONF
worker_processes auto;
pid $tmp/$name/nginx.pid;
error_log $tmp/$name/nginx-error.log warn;
events { worker_connections 1024; }
http {
    access_log off;
    sendfile on;
    tcp_nopush on;
    keepalive_requests 1000000;
    client_body_temp_path $tmp/$name/nginx-body;
    proxy_temp_path $tmp/$name/nginx-proxy;
    fastcgi_temp_path $tmp/$name/nginx-fastcgi;
    uwsgi_temp_path $tmp/$name/nginx-uwsgi;
    scgi_temp_path $tmp/$name/nginx-scgi;
    types { application/vnd.mapbox-vector-tile mvt; }
    server {
        listen 127.0.0.1:$port;
        root $tmp/$name/www;
        location /tiles/ {
            add_header Content-Encoding gzip;
            add_header Cache-Control "public, max-age=3600";
        }
    }
}
CONF
/usr/sbin/nginx -c "$tmp/$name/nginx.conf" -e "$tmp/$name/nginx-error.log"
for _ in $(seq 1 50); do [[ -f "$tmp/$name/nginx.pid" ]] && break; sleep 0.1; done
first="$(head -1 "$tmp/$name/paths.txt")"
cmp <(curl -s -H 'Accept-Encoding: gzip' "$base$first") <(curl -s "http://127.0.0.1:$port$first") \
    || { echo "nginx does not serve the same bytes for $first" >&2; exit 1; }

run() {
    local server="$1" url="$2"
    TILES_PATHS="$tmp/$name/paths.txt" wrk "${wrk_args[@]}" --latency -s "$root/benches/tiles/wrk_paths.lua" "$url" >"$tmp/$name/wrk-$server.txt" 2>&1
    local rps p50 p99
    rps="$(awk '/^Requests\/sec/ {print $2}' "$tmp/$name/wrk-$server.txt")"
    p50="$(awk '$1 == "50%" {print $2}' "$tmp/$name/wrk-$server.txt")"
    p99="$(awk '$1 == "99%" {print $2}' "$tmp/$name/wrk-$server.txt")"
    if grep -q "unexpected status\|Non-2xx" "$tmp/$name/wrk-$server.txt"; then
        cat "$tmp/$name/wrk-$server.txt" >&2
        exit 1
    fi
    printf '%-6s %10s requests/s  latency p50 %s  p99 %s  (%s)\n' "$server" "$rps" "$p50" "$p99" \
        "$(awk '/Transfer\/sec/ {print $2 " /s"}' "$tmp/$name/wrk-$server.txt")"
    echo "$rps" >"$tmp/$name/rps-$server"
}
run urbis "$base"
run nginx "http://127.0.0.1:$port"
awk -v u="$(cat "$tmp/$name/rps-urbis")" -v n="$(cat "$tmp/$name/rps-nginx")" \
    'BEGIN { printf "ratio urbis / nginx: %.2fx\n", u / n }'
kill "$server_pid" 2>/dev/null || true
wait "$server_pid" 2>/dev/null || true
server_pid=""
if [[ -f "$tmp/$name/nginx.pid" ]]; then kill "$(cat "$tmp/$name/nginx.pid")" 2>/dev/null || true; fi
}

bench centre "$centre"
if [[ -z "${TILES_SKIP_REGION:-}" ]]; then
    region="$tmp/region.gpkg"
    "$URBIS_BIN" generate --scale 1.0 --out "$region" >/dev/null
    bench region "$region"
fi
