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
#   SCOPES_BENCH_PHASES  a subset of: setup,exactness,load,measure [all four]
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
phases="${SCOPES_BENCH_PHASES:-setup,exactness,load,measure}"
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
  for m in $(ls "$root"/src/main/resources/db/migration/V*.sql | sort -t V -k 2 -n); do
    sed "s/\${app_role}/$app/g" "$m" | q -f -
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
