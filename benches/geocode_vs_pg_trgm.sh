#!/usr/bin/env bash
# Side by side: the urbis geocoder vs PostgreSQL pg_trgm similarity search over the same
# addresses and the same noisy evaluation queries, one core each.
#
#   GEOCODE_EVAL_ONLY=1 GEOCODE_SKIP_REGION=1 cargo bench --bench geocode   # writes target/geocode-eval/
#   bash benches/geocode_vs_pg_trgm.sh
#
# Starts a throwaway PostgreSQL cluster (Debian `postgresql` + `postgresql-contrib`; installed with
# apt-get when missing) on a Unix socket in a temporary directory, loads every address twice (French
# and Dutch label, accents folded with `unaccent`), indexes the labels with a pg_trgm GiST index, and
# runs the evaluation queries as trigram KNN searches (`ORDER BY label <-> query LIMIT 5`, the usual
# pg_trgm "similarity search") with pgbench, 1 client. Prints pg_trgm's queries/s and top-1/top-5
# accuracy, urbis's single-thread queries/s (measured by the bench), and the ratio.
set -euo pipefail

root="$(cd "$(dirname "$0")/.." && pwd)"
eval_dir="$root/target/geocode-eval"
duration="${PGBENCH_SECONDS:-20}"
for f in queries.tsv addresses.tsv urbis_qps.txt; do
    if [[ ! -s "$eval_dir/$f" ]]; then
        echo "missing $eval_dir/$f: run GEOCODE_EVAL_ONLY=1 GEOCODE_SKIP_REGION=1 cargo bench --bench geocode first" >&2
        exit 1
    fi
done

pgbin="$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1 || true)"
if [[ -z "$pgbin" || ! -x "$pgbin/initdb" ]]; then
    echo "installing postgresql (apt-get)" >&2
    apt-get install -y postgresql postgresql-contrib >/dev/null
    pgbin="$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)"
fi

tmp="$(mktemp -d /tmp/urbis-pgtrgm.XXXXXX)"
# PostgreSQL refuses to run as root: use the `postgres` account then.
as_pg=()
if [[ "$(id -u)" == 0 ]]; then
    id postgres >/dev/null 2>&1 || useradd --system --no-create-home postgres
    chown postgres "$tmp"
    as_pg=(runuser -u postgres --)
fi
cp "$eval_dir/queries.tsv" "$eval_dir/addresses.tsv" "$tmp/"
chmod a+r "$tmp"/*.tsv

cleanup() {
    "${as_pg[@]}" "$pgbin/pg_ctl" -D "$tmp/data" -m immediate stop >/dev/null 2>&1 || true
    rm -rf "$tmp"
}
trap cleanup EXIT

"${as_pg[@]}" "$pgbin/initdb" -D "$tmp/data" -U postgres --no-sync -E UTF8 --locale=C.UTF-8 >/dev/null
"${as_pg[@]}" "$pgbin/pg_ctl" -D "$tmp/data" -l "$tmp/pg.log" -w \
    -o "-c listen_addresses='' -c unix_socket_directories=$tmp -c shared_buffers=256MB -c max_parallel_workers_per_gather=0 -c fsync=off" start >/dev/null
psql=("${as_pg[@]}" psql -h "$tmp" -U postgres -d postgres -v ON_ERROR_STOP=1 -q -X)

"${psql[@]}" <<SQL
CREATE EXTENSION pg_trgm;
CREATE EXTENSION unaccent;
CREATE FUNCTION fold(text) RETURNS text LANGUAGE sql IMMUTABLE PARALLEL SAFE
    AS \$\$ SELECT lower(public.unaccent('public.unaccent', \$1)) \$\$;
CREATE TABLE addresses (fid bigint, label_fr text, label_nl text, x float8, y float8);
\copy addresses FROM '$tmp/addresses.tsv'
CREATE TABLE labels AS
    SELECT fid, fold(label_fr) AS label FROM addresses
    UNION ALL SELECT fid, fold(label_nl) FROM addresses WHERE label_nl <> label_fr;
CREATE INDEX labels_trgm ON labels USING gist (label gist_trgm_ops);
CREATE TABLE queries (id serial PRIMARY KEY, fid bigint, text text);
\copy queries (fid, text) FROM '$tmp/queries.tsv'
UPDATE queries SET text = fold(text);
VACUUM ANALYZE;
SQL

nq="$("${psql[@]}" -At -c "SELECT count(*) FROM queries")"
nl="$("${psql[@]}" -At -c "SELECT count(*) FROM labels")"
echo "pg_trgm: $nl labels of $("${psql[@]}" -At -c "SELECT count(*) FROM addresses") addresses, $nq queries"

# Accuracy of the same search (a result equal to the expected address).
"${psql[@]}" -At -F ' ' <<'SQL' | awk '{printf "pg_trgm accuracy: top-1 %.2f %%  top-5 %.2f %%\n", $1, $2}'
SELECT round(100.0 * avg((r[1] = q.fid)::int), 2), round(100.0 * avg((q.fid = ANY (r))::int), 2)
FROM queries q
CROSS JOIN LATERAL (
    SELECT array_agg(fid) AS r FROM (
        SELECT fid FROM labels ORDER BY label <-> q.text LIMIT 5
    ) t
) k;
SQL

cat >"$tmp/knn.sql" <<SQL
\set i random(1, $nq)
SELECT fid FROM labels ORDER BY label <-> (SELECT text FROM queries WHERE id = :i) LIMIT 5;
SQL
chmod a+r "$tmp/knn.sql"
"${as_pg[@]}" "$pgbin/pgbench" -h "$tmp" -U postgres -n -c 1 -j 1 -T "$duration" -f "$tmp/knn.sql" postgres \
    >"$tmp/pgbench.out" 2>&1
pg_qps="$(grep -Eo 'tps = [0-9.]+' "$tmp/pgbench.out" | head -1 | awk '{print $3}')"
urbis_qps="$(cat "$eval_dir/urbis_qps.txt")"
echo "pg_trgm KNN (GiST), 1 client, ${duration}s: ${pg_qps} queries/s"
echo "urbis geocoder, 1 thread: ${urbis_qps} queries/s"
awk -v u="$urbis_qps" -v p="$pg_qps" 'BEGIN { printf "ratio urbis / pg_trgm: %.1fx\n", u / p }'
