#!/usr/bin/env bash
# Shows that the exactness script can fail: each mutant breaks one rule of a design, and
# the script must reject it. One command: src/bench/scopes/mutants.sh (about two minutes;
# it uses the database $SCOPES_BENCH_DB like run.sh, dropped and re-created).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
export RXSYNC_TEST_DB_SUFFIX="${RXSYNC_TEST_DB_SUFFIX:-}"

# name | file | text | replacement (every occurrence)
mutants=(
  "d1 ignores the watermark|effective_stamp.sql|public.rxsync_watermark()|'9223372036854775807'::xid8"
  "d2 ignores the watermark|change_log.sql|AND v.change_xid < (SELECT public.rxsync_watermark())|"
  "d1 forgets the move log|effective_stamp.sql|AND mv.collection = %2\$L|AND false"
  "d1 move-in skips tombstones|effective_stamp.sql|AND r.group_id = m.group_id AND r.change_xid <= m.change_xid|AND r.group_id = m.group_id AND r.change_xid <= m.change_xid AND NOT r.deleted"
  "d2 grants without the group lock|change_log.sql|PERFORM pg_advisory_xact_lock(|PERFORM pg_advisory_xact_lock_shared("
  "d2 revokes forget child collections|change_log.sql|UPDATE d2.view_notes v SET change_xid = pg_current_xact_id(), visible = false|UPDATE d2.view_notes v SET change_xid = pg_current_xact_id(), visible = true"
)
failed=0
for m in "${mutants[@]}"; do
  IFS='|' read -r name file text replacement <<< "$m"
  rm -rf "$work"/* && cp "$here"/*.sql "$work"/
  python3 - "$work/$file" "$text" "$replacement" <<'PY'
import sys
path, old, new = sys.argv[1:]
s = open(path).read()
if s.count(old) < 1:
    sys.exit(f"mutant text not found in {path}: {old}")
open(path, 'w').write(s.replace(old, new))
PY
  if SCOPES_BENCH_SQL="$work" SCOPES_BENCH_PHASES=setup,exactness "$here/run.sh" > "$work/log" 2>&1; then
    echo "NOT CAUGHT: $name"; failed=1
  elif grep -q 'FAILED [^:]*:' "$work/log"; then
    echo "caught: $name: $(grep -o 'FAILED [^:]*:[^[]*' "$work/log" | head -1)"
  else
    # an error other than a failed comparison says nothing about the check
    echo "MUTANT DID NOT RUN: $name"; tail -3 "$work/log"; failed=1
  fi
done
exit $failed
