# Setup for the catalogue publication tests (tests/catalog_dcat.rs, tests/catalog_csw.rs), sourced
# by .ci/run with `set -euo pipefail`, as root:
#  - xmllint (libxml2-utils) validates our ISO 19139 and CSW 2.0.2 responses against the XSDs,
#  - pySHACL and rdflib validate and parse our DCAT-AP RDF, OWSLib is data.gov.be's CSW client.
# Idempotent: each step is skipped when already done.

if ! command -v xmllint >/dev/null 2>&1; then
  echo "== catalog-publication: installing libxml2-utils"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends libxml2-utils >/dev/null
fi

if ! python3 -c 'import pyshacl, rdflib, owslib' 2>/dev/null; then
  echo "== catalog-publication: pip install pyshacl rdflib owslib"
  python3 -m pip install --quiet --disable-pip-version-check --root-user-action=ignore \
    "pyshacl>=0.26,<0.31" "rdflib>=7,<8" "owslib>=0.29,<0.36"
fi
