# Setup for the download module's tests (sourced by .ci/run with `set -euo pipefail`, as root):
#  - gdal-bin (ogrinfo, ogr2ogr): reads back every format we write (tests/downloads.rs) and is the
#    reference in benches/downloads_vs_ogr2ogr.sh,
#  - libgdal-dev + pkg-config: the optional `gdal` Cargo feature (DXF, GML, any OGR driver), built
#    and tested by .ci/extra.d/gdal.sh. The default build needs no system library.
# Idempotent: skipped when already installed.

dl_need=()
command -v ogrinfo >/dev/null 2>&1 || dl_need+=(gdal-bin)
dpkg -s libgdal-dev >/dev/null 2>&1 || dl_need+=(libgdal-dev)
command -v pkg-config >/dev/null 2>&1 || dl_need+=(pkg-config)
if [ ${#dl_need[@]} -gt 0 ]; then
  echo "== downloads: installing ${dl_need[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${dl_need[@]}" >/dev/null
fi
unset dl_need
