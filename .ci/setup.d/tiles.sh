# Setup for the vector tile module's tests (sourced by .ci/run with `set -euo pipefail`, as root).
#  - Debian's Chromium for the map page's browser test (tests/tiles_browser.rs),
#  - the web assets: `npm ci --prefix web` installs MapLibre GL JS, the style validator,
#    playwright-core and the Noto Sans fonts, and builds the label glyphs (web/scripts/build-glyphs.mjs),
#  - Python's mapbox-vector-tile and shapely, the independent decoder of tests/tiles_decode.rs.
# Idempotent: each step is skipped when already done.

if [ ! -x /usr/bin/chromium ]; then
  echo "== tiles: installing chromium"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends chromium >/dev/null
fi

# Reinstall the web assets when package-lock.json changed since the last install (npm keeps a
# copy of the resolved tree in node_modules/.package-lock.json) or the glyphs were not built.
if [ ! -f web/node_modules/.glyphs/"Noto Sans Bold"/65280-65535.pbf ] \
  || [ ! -f web/node_modules/maplibre-gl/dist/maplibre-gl.js ] \
  || [ web/package-lock.json -nt web/node_modules/.package-lock.json ]; then
  echo "== tiles: npm ci --prefix web"
  npm ci --prefix web --no-audit --no-fund --loglevel=error
fi

if ! python3 -c 'import mapbox_vector_tile, shapely' 2>/dev/null; then
  echo "== tiles: pip install mapbox-vector-tile shapely"
  python3 -m pip install --quiet --disable-pip-version-check --root-user-action=ignore "mapbox-vector-tile==2.2.*" "shapely>=2,<3"
fi
