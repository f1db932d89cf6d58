#!/usr/bin/env bash
# Every benchmark of docs/BENCHMARKS.md in one command (issue 11):
#
#   scripts/bench_all.sh        # release build once, then SQLite, PostgreSQL and the peers
#
# Runs, one after the other and with the same knobs (DURATION, MIXED, BENCH_DIR, PEERS_DIR,
# PG_URL, SKIP_NATIONAL, REGENERATE):
#   1. scripts/bench.sh        — SQLite: HTTP floor, six pages/endpoints and their query floors,
#                                90/10 mixed load, RSS, database time, documents and import;
#   2. scripts/bench_pg.sh     — the same pages on PostgreSQL (skipped when psql is missing or
#                                PG_URL does not answer; say SKIP_PG=1 to skip on purpose);
#   3. scripts/bench_peers.sh  — Directus and NocoDB against ours (SKIP_PEERS=1 to skip; the first
#                                run installs them, ~12 minutes);
#   4. cargo bench -p kaifaqu-domain (criterion, the per-row domain rules; SKIP_CRITERION=1).
# and prints each part's results table again at the end, with the date, the CPUs and the load, so
# the run can be pasted into docs/BENCHMARKS.md as it is. Needs what the three scripts need.
set -euo pipefail
cd "$(dirname "$0")/.."

if [ "${SKIP_BUILD:-0}" != 1 ]; then
  echo "== build (release)"
  cargo build --release -p kaifaqu -p kaifaqu-bench 2>&1 | tail -1
fi
export SKIP_BUILD=1
DIR=${BENCH_DIR:-/tmp/kaifaqu-bench}
PG_URL=${PG_URL:-postgres://kaifaqu:kaifaqu@127.0.0.1:5432/kaifaqu_bench}
LOG="$DIR/bench-all.log"
mkdir -p "$DIR"
: >"$LOG"
echo "== start $(date -u +%Y-%m-%dT%H:%MZ), $(nproc) CPUs, load $(uptime | sed 's/.*load average: //')" | tee -a "$LOG"

scripts/bench.sh 2>&1 | tee -a "$LOG"

if [ "${SKIP_PG:-0}" != 1 ]; then
  if command -v psql >/dev/null && psql "${PG_URL%/*}/postgres" -Atc 'SELECT 1' >/dev/null 2>&1; then
    scripts/bench_pg.sh 2>&1 | tee -a "$LOG"
  else
    echo "== PostgreSQL skipped: psql missing or ${PG_URL%/*} not answering" | tee -a "$LOG"
  fi
fi

[ "${SKIP_PEERS:-0}" = 1 ] || scripts/bench_peers.sh 2>&1 | tee -a "$LOG"

if [ "${SKIP_CRITERION:-0}" != 1 ]; then
  echo "== criterion (domain rules)" | tee -a "$LOG"
  cargo bench -p kaifaqu-domain --bench rules 2>&1 | grep -B1 'time:' | grep -v '^--$' | tee -a "$LOG" || true
fi

echo
echo "== all results ($(date -u +%Y-%m-%dT%H:%MZ), $(nproc) CPUs, load $(uptime | sed 's/.*load average: //'))"
for f in "$DIR/results.tsv" "$DIR/pg/results.tsv" "${PEERS_DIR:-/tmp/kaifaqu-peers}/results/results.tsv"; do
  [ -f "$f" ] && { echo "-- $f"; column -t -s $'\t' "$f"; }
done
[ -f "$DIR/dbtime.txt" ] && { echo "-- database time"; cat "$DIR/dbtime.txt"; }
[ -f "$DIR/docs.txt" ] && { echo "-- documents"; cat "$DIR/docs.txt"; }
echo "(full log: $LOG)"
