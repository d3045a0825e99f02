# Setup for the catalogue core's tests (tests/catalog_ckan.rs), sourced by .ci/run with
# `set -euo pipefail`, as root:
#  - ckanapi (PyPI), the CKAN command-line client, lists and shows our datasets through the
#    CKAN-compatible API.
# Idempotent: skipped when already installed.

if ! command -v ckanapi >/dev/null 2>&1; then
  echo "== catalog: pip install ckanapi"
  python3 -m pip install --quiet --disable-pip-version-check --root-user-action=ignore \
    "ckanapi>=4.7,<5"
fi
