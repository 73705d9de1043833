#!/usr/bin/env bash
# The scopes benchmark of issue 14: the two designs of SCOPES.md (d1 = effective stamp at
# read time, d2 = per-user change log at write time) side by side in one database, on the
# real PostgreSQL, next to today's owner-scoped pull (the real migrations' orders table).
# Not part of `./mvnw verify` (speed is never a test). One command:
#
#   src/bench/scopes/run.sh                  # everything; the results go to target/bench/scopes/
#
# Environment (defaults in brackets):
#   SCOPES_BENCH_DB      the database, dropped and re-created; must contain "bench"
#                        [rxsync_scopes_bench$RXSYNC_TEST_DB_SUFFIX]
#   SCOPES_BENCH_ROLE    the runtime role the pulls run as, under row-level security
#                        [rxsync_scopes_bench_app]
#   SCOPES_BENCH_PHASES  a subset of: setup,exactness,load,measure,explain [all five]
#   SCOPES_BENCH_SQL     where the SQL files are read from [this directory] (mutants.sh)
#   SCOPES_BENCH_SECONDS duration of each pgbench run [5]
#   SCOPES_BENCH_REPEAT  repetitions of each measurement (the machine is shared) [3]
#   PGHOST / PGPORT / PGUSER   the server and the owning role [127.0.0.1 / 5432 / postgres]
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../../.." && pwd)"
export PGHOST="${PGHOST:-127.0.0.1}" PGPORT="${PGPORT:-5432}" PGUSER="${PGUSER:-postgres}"
db="${SCOPES_BENCH_DB:-rxsync_scopes_bench${RXSYNC_TEST_DB_SUFFIX:-}}"
app="${SCOPES_BENCH_ROLE:-rxsync_scopes_bench_app}"
phases="${SCOPES_BENCH_PHASES:-setup,exactness,load,measure,explain}"
sql="${SCOPES_BENCH_SQL:-$here}"
out="$root/target/bench/scopes"
mkdir -p "$out"
case "$db" in *bench*) ;; *) echo "SCOPES_BENCH_DB must contain 'bench' (it is dropped)" >&2; exit 1 ;; esac

q() { psql -X -q -v ON_ERROR_STOP=1 -v app="$app" -d "$db" "$@"; }
has() { case ",$phases," in *",$1,"*) return 0 ;; *) return 1 ;; esac; }

if has setup; then
  psql -X -q -v ON_ERROR_STOP=1 -d postgres -c "DROP DATABASE IF EXISTS \"$db\"" -c "CREATE DATABASE \"$db\""
  # the service's own migrations: users, orders (the owner-scoped baseline), the stamp
  # trigger, row-level security, the watermark
  migrations="$root/src/main/resources/db/migration"
  for m in $(cd "$migrations" && ls V*.sql | sort -V); do
    sed "s/\${app_role}/$app/g" "$migrations/$m" | q -f -
  done
  q -c "CREATE EXTENSION dblink"
  q -v schema=d1 -f "$sql/tables.sql"
  q -v schema=d2 -f "$sql/tables.sql"
  q -f "$sql/effective_stamp.sql"
  q -f "$sql/change_log.sql"
  q -f "$sql/harness.sql"
fi

if has exactness; then
  for design in d1 d2; do
    q -v design="$design" -f "$sql/exactness.sql" > "$out/exactness-$design.log" 2>&1 \
      || { tail -20 "$out/exactness-$design.log" >&2; echo "exactness of $design FAILED" >&2; exit 1; }
    tail -1 "$out/exactness-$design.log"
  done
fi

if has load; then
  start=$(date +%s)
  q -f "$sql/data.sql"
  echo "loaded in $(( $(date +%s) - start )) s"
fi

if has measure; then
  seconds="${SCOPES_BENCH_SECONDS:-5}"
  repeat="${SCOPES_BENCH_REPEAT:-3}"
  scripts="$out/pgbench"
  mkdir -p "$scripts"
  uid() { q -At -c "SELECT bench.uid('$1')"; }
  # caught up: a checkpoint past every change (the watermark now, the highest id)
  caught_up="$(q -At -c "SELECT rxsync_watermark()")"
  zero=00000000-0000-0000-0000-000000000000
  top=ffffffff-ffff-ffff-ffff-ffffffffffff

  # One pull page as the service sends it: declare the caller, read the page (the owner-scoped
  # statement is CollectionSql.pullPage's shape on the orders table).
  cat > "$scripts/pull-owner.sql" <<'SQL'
BEGIN;
SELECT set_config('rxsync.user_id', :uid, true);
SELECT t.id::text, t.status::text, t.total_cents::text, t.currency::text, t.deleted, t.change_xid::text, t.user_id::text
  FROM public.orders t
 WHERE t.user_id = :uid::uuid AND (t.change_xid, t.id) > (:px::xid8, :pid::uuid) AND t.change_xid < rxsync_watermark()
 ORDER BY t.change_xid, t.id LIMIT :k;
COMMIT;
SQL
  for d in d1 d2; do
    cat > "$scripts/pull-$d.sql" <<SQL
BEGIN;
SELECT set_config('rxsync.user_id', :uid, true);
SELECT * FROM $d.pull_items(:uid::uuid, :px::xid8, :pid::uuid, :k);
COMMIT;
SQL
    # a write into a group: one client-writable field of a random row of the group
    cat > "$scripts/write-$d.sql" <<SQL
\set n random(1, 200)
BEGIN;
SELECT set_config('rxsync.user_id', :uid, true);
UPDATE $d.items SET payload = 'written ' || :n WHERE id = bench.uid(:grp || '-' || :n);
COMMIT;
SQL
  done
  cat > "$scripts/write-owner.sql" <<'SQL'
\set n random(1, 200)
BEGIN;
SELECT set_config('rxsync.user_id', :uid, true);
UPDATE public.orders SET note = 'written ' || :n WHERE id = (SELECT t.id FROM bench.owner_targets t WHERE t.n = :n);
COMMIT;
SQL
  q -c "DROP TABLE IF EXISTS bench.owner_targets" \
    -c "CREATE TABLE bench.owner_targets AS SELECT row_number() OVER (ORDER BY id)::int AS n, id FROM public.orders WHERE user_id = bench.uid('o200')" \
    -c "GRANT SELECT ON bench.owner_targets TO \"$app\""

  # latency average (ms) of one pgbench run as the runtime role. -M extended: unnamed
  # statements, planned for their values each time, as the service sends them (Quarkus'
  # reactive client does not cache prepared statements by default); a cached statement's
  # generic plan can be much worse (d2's first page: 290 ms instead of 30, a bitmap scan and
  # sort of all 20,000 entries of the user).
  bench() {
    local file="$1"; shift
    pgbench -n -M extended -c 1 -T "$seconds" -U "$app" -d "$db" -f "$scripts/$file" "$@" 2>&1 \
      | awk '/latency average/ { print $4 }'
  }
  results="$out/results.tsv"
  : > "$results"
  record() { printf '%s\t%s\t%s\n' "$1" "$2" "$3" | tee -a "$results"; }

  for round in $(seq 1 "$repeat"); do
    for n in 1 10 100; do
      owner="o$(( n * 200 ))"
      for page in first caught-up; do
        if [ "$page" = first ]; then px=0; pid=$zero; else px=$caught_up; pid=$top; fi
        record "pull $page, view of $(( n * 200 )) rows, owner scope" "$round" \
          "$(bench pull-owner.sql -D uid="$(uid "$owner")" -D px="$px" -D pid="$pid" -D k=100)"
        for d in d1 d2; do
          record "pull $page, member of $n groups, $d" "$round" \
            "$(bench "pull-$d.sql" -D uid="$(uid "u$n")" -D px="$px" -D pid="$pid" -D k=100)"
        done
      done
    done
    record "write, owner scope" "$round" "$(bench write-owner.sql -D uid="$(uid o200)")"
    for members in 1 10 100; do
      for d in d1 d2; do
        record "write, group of $members members, $d" "$round" \
          "$(bench "write-$d.sql" -D uid="$(uid bu1)" -D grp="w$members")"
      done
    done
    for d in d1 d2; do
      # the Time: lines, in the order of grant_cycle.sql
      q -v design="$d" -f "$here/grant_cycle.sql" > "$out/grant-$d-$round.log" 2>&1
      # the Time: lines and the document counts, in the order of grant_cycle.sql
      awk -v d="$d" -v r="$round" '/^Time:/ { t[++i] = $2 } /^[0-9]+$/ { c[++j] = $1 } END {
          split("grant,grant pull,grant pump window,revoke,revoke pull,revoke pump window", name, ",");
          split("0,1,2,0,3,4", counted, ",");
          for (x = 1; x <= 6; x++) {
            label = name[x] (counted[x] > 0 ? " (" c[counted[x]] " docs)" : "");
            printf "%s, 10,000-row group, %s\t%s\t%s\n", label, d, r, t[x] } }' \
        "$out/grant-$d-$round.log" | tee -a "$results"
    done
  done

  # medians over the rounds, one line per measurement
  awk -F'\t' '{ v[$1] = v[$1] " " $3; if (!($1 in seen)) { seen[$1] = 1; order[++n] = $1 } } END {
      for (i = 1; i <= n; i++) {
        m = split(v[order[i]], a, " ");
        for (x = 2; x <= m; x++) for (y = x; y > 1 && a[y] + 0 < a[y - 1] + 0; y--) { s = a[y]; a[y] = a[y - 1]; a[y - 1] = s }
        printf "%s\t%s ms\t(%s)\n", order[i], a[int((m + 1) / 2)], v[order[i]] } }' "$results" | tee "$out/medians.tsv"
fi

if has explain; then
  q -f "$here/explain.sql" > "$out/explain.txt" 2>&1
  grep -E '^====|Execution Time' "$out/explain.txt"
fi
