#!/usr/bin/env bash
# The HTTP benchmark of docs/BENCHMARKS.md ("PostgreSQL over HTTP"), on PostgreSQL:
#
#   scripts/bench_pg.sh         # generate the province into PostgreSQL (once), serve, measure
#
# Environment: PG_URL (default postgres://kaifaqu:kaifaqu@127.0.0.1:5432/kaifaqu_bench; the role
# needs CREATEDB), BENCH_DIR (default /tmp/kaifaqu-bench; this script writes under $BENCH_DIR/pg),
# DURATION (wrk seconds per URL, default 10s), MIXED (mixed-load duration, default 30s; 0 = none),
# REGENERATE=1 (drop and regenerate the database), SKIP_BUILD=1, APP_PORT / FLOOR_PORT
# (18090 / 18091, so it can run beside scripts/bench.sh).
#
# Steps: release build of `kaifaqu` and `kaifaqu-bench`; `kaifaqu demo --scale province --seed 1`
# into the PostgreSQL database (the same generator and seed as the SQLite benchmark, so the same
# rows; kept between runs); open deadlines moved past the run (as scripts/bench.sh does); the app
# server on that database with a logged-in session (zone 1's staff member); the PostgreSQL query
# floor (`kaifaqu-bench pgfloor`: axum + bare sqlx PostgreSQL pool, the same SQL per page); wrk
# -c 32 -t 2 against the HTTP floor (/healthz of the same binary), each page and endpoint of
# scripts/bench.sh and each query floor, in one run; a 90/10 mixed load; the server's RSS.
# Needs: cargo, wrk, curl, psql.
set -euo pipefail
cd "$(dirname "$0")/.."

PG_URL=${PG_URL:-postgres://kaifaqu:kaifaqu@127.0.0.1:5432/kaifaqu_bench}
DIR=${BENCH_DIR:-/tmp/kaifaqu-bench}/pg
DURATION=${DURATION:-10s}
MIXED=${MIXED:-30s}
APP_PORT=${APP_PORT:-18090}
FLOOR_PORT=${FLOOR_PORT:-18091}
CONNS=32
THREADS=2
export KAIFAQU_DEMO_PASSWORD=${KAIFAQU_DEMO_PASSWORD:-Bench#Kfq2025}
mkdir -p "$DIR"

if [ "${SKIP_BUILD:-0}" != 1 ]; then
  echo "== build (release)"
  cargo build --release -p kaifaqu -p kaifaqu-bench 2>&1 | tail -1
fi
BIN=${CARGO_TARGET_DIR:-target}/release/kaifaqu
BENCH=${CARGO_TARGET_DIR:-target}/release/kaifaqu-bench

# the maintenance database of the same server, to create / drop the benchmark database
DBNAME=${PG_URL##*/}
DBNAME=${DBNAME%%\?*}
ADMIN_URL=${PG_URL%/*}/postgres
exists=$(psql "$ADMIN_URL" -Atc "SELECT 1 FROM pg_database WHERE datname = '$DBNAME'")
if [ "${REGENERATE:-0}" = 1 ] && [ "$exists" = 1 ]; then
  psql "$ADMIN_URL" -qc "DROP DATABASE \"$DBNAME\" WITH (FORCE)"
  exists=
fi
if [ "$exists" != 1 ]; then
  echo "== generate province into $DBNAME"
  psql "$ADMIN_URL" -qc "CREATE DATABASE \"$DBNAME\""
  "$BIN" --database "$PG_URL" demo --scale province --seed 1 | tee "$DIR/generate-province.txt"
  psql "$PG_URL" -qc "VACUUM ANALYZE"
else
  echo "== province database exists ($DBNAME)"
fi
# as in scripts/bench.sh: the generated deadlines are past, so the scheduler would write some
# 160,000 reminders while we measure; move the open deadlines past the run; accounts without a
# password date would be sent to the change-password page. Every zone's rows, past row-level
# security (forced on the owner too; an unset setting sees nothing and changes nothing)
PGOPTIONS='-c kaifaqu.zones=*' psql "$PG_URL" -q <<'SQL'
DELETE FROM notifications;
UPDATE hazards SET deadline = '2099-12-31' WHERE status <> 'closed' AND deadline < '2099-12-31';
UPDATE tasks SET deadline = '2099-12-31' WHERE status <> 'closed' AND deadline < '2099-12-31';
UPDATE users SET password_changed_at = now() WHERE password_changed_at IS NULL;
SQL

PIDS=()
cleanup() { for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done; }
trap cleanup EXIT

wait_for() { # url
  for _ in $(seq 1 600); do curl -fs -o /dev/null "$1" && return 0; sleep 0.1; done
  echo "not answering: $1" >&2; exit 1
}

echo "== start the app server (PostgreSQL) and the PostgreSQL query floor"
KAIFAQU_ATTACHMENTS_DIR="$DIR/attachments" KAIFAQU_LOG=warn KAIFAQU_NOTIFY_DIGEST_TIME="" \
  "$BIN" --database "$PG_URL" serve --listen "127.0.0.1:$APP_PORT" >"$DIR/server.log" 2>&1 &
APP_PID=$!
PIDS+=("$APP_PID")
# the generator seals phone numbers as it writes them (fourth pass); data generated before had
# them in plain text, which the server's first start sealed one row at a time (minutes): wait long
for _ in $(seq 1 600); do curl -fs -o /dev/null "http://127.0.0.1:$APP_PORT/readyz" && break; sleep 1; done
wait_for "http://127.0.0.1:$APP_PORT/readyz"
sleep 20 # the scheduler's first pass at start
"$BENCH" pgfloor --database "$PG_URL" --listen "127.0.0.1:$FLOOR_PORT" 2>"$DIR/floor.log" &
PIDS+=("$!")
wait_for "http://127.0.0.1:$FLOOR_PORT/healthz"

# the login form's token (login CSRF): the login page's cookie, sent back with the same value
LOGIN_COOKIE=$(curl -s -o /dev/null -D - "http://127.0.0.1:$APP_PORT/login" | tr -d '\r' \
  | sed -n 's/^[Ss]et-[Cc]ookie: \(kfq_login=[^;]*\).*/\1/p')
COOKIE=$(curl -s -o /dev/null -D - -H "Cookie: $LOGIN_COOKIE" --data-urlencode "_csrf=${LOGIN_COOKIE#kfq_login=}" \
  --data-urlencode "login_name=z0001_staff" \
  --data-urlencode "password=$KAIFAQU_DEMO_PASSWORD" --data-urlencode "next=/" \
  "http://127.0.0.1:$APP_PORT/login" | tr -d '\r' | sed -n 's/^[Ss]et-[Cc]ookie: \(kfq_session=[^;]*\).*/\1/p')
[ -n "$COOKIE" ] || { echo "login failed" >&2; exit 1; }

APP="http://127.0.0.1:$APP_PORT"
FLOOR="http://127.0.0.1:$FLOOR_PORT"
# the targets of scripts/bench.sh:
# name | app URL | query-floor URL (empty: none) | goal share of the HTTP floor (%) | p99 goal (ms)
TARGETS=(
  "project list (filter+sort+page 2+total)|/projects?stage=started&sort=-total&page=2|/projects?zone=1&stage=started&page=2|25|50"
  "hazard ledger page|/safety/hazards|/hazards?zone=1|25|50"
  "indicator ranking page (city)|/indicators/city?indicator=1&period=2025-12|/ranking?zone=1&indicator=1&period=2025-12|25|50"
  "home cockpit|/||10|100"
  "one project's page|/projects/1|/project?id=1|25|50"
  "JSON list /api/v1/projects|/api/v1/projects?stage=started&sort=-total&page=2|/projects?zone=1&stage=started&page=2|25|50"
  "JSON by stage /api/v1/projects/by-stage|/api/v1/projects/by-stage|/by-stage?zone=1|25|50"
)

for t in "${TARGETS[@]}"; do
  IFS='|' read -r name url furl _ _ <<<"$t"
  code=$(curl -s -o /dev/null -w '%{http_code}' -H "Cookie: $COOKIE" "$APP$url")
  [ "$code" = 200 ] || { echo "$name: $APP$url answers $code, not 200" >&2; exit 1; }
  if [ -n "$furl" ]; then
    code=$(curl -s -o "$DIR/floor-check.json" -w '%{http_code}' "$FLOOR$furl")
    [ "$code" = 200 ] || { echo "$name: query floor $FLOOR$furl answers $code: $(head -c 300 "$DIR/floor-check.json")" >&2; exit 1; }
  fi
done

summarize() { # wrk output file → "rps p99_ms errors"
  awk '
    /Requests\/sec:/ { rps = $2 }
    /^ +99%/ { v = $2; if (v ~ /us$/) { sub(/us$/, "", v); p = v / 1000 } else if (v ~ /ms$/) { sub(/ms$/, "", v); p = v } else if (v ~ /s$/) { sub(/s$/, "", v); p = v * 1000 } }
    /Socket errors:/ { gsub(/,/, ""); e += $4 + $6 + $8 + $10 }
    /Non-2xx or 3xx responses:/ { e += $5 }
    END { printf "%.0f %.2f %d\n", rps, p, e }
  ' "$1"
}

run() { # NAME URL [COOKIE] → "rps p99_ms errors"
  local out="$DIR/wrk-$1.txt"
  if [ -n "${3:-}" ]; then
    wrk -c $CONNS -t $THREADS -d "$DURATION" --latency -H "Cookie: $3" "$2" >"$out"
  else
    wrk -c $CONNS -t $THREADS -d "$DURATION" --latency "$2" >"$out"
  fi
  summarize "$out"
}

echo "== measure (wrk -c $CONNS -t $THREADS -d $DURATION), load before: $(uptime | sed 's/.*load average: //')"
read -r FLOOR_RPS FLOOR_P99 FLOOR_ERR < <(run http-floor "$APP/healthz")
RESULTS="$DIR/results.tsv"
printf 'what\treq/s\tp99 ms\terrors\tshare of HTTP floor\tgoal\tquery floor req/s\tshare of query floor\tp99 goal\n' >"$RESULTS"
printf 'HTTP floor (/healthz, same binary)\t%s\t%s\t%s\t100%%\t\t\t\t\n' "$FLOOR_RPS" "$FLOOR_P99" "$FLOOR_ERR" >>"$RESULTS"
i=0
for t in "${TARGETS[@]}"; do
  i=$((i + 1))
  IFS='|' read -r name url furl goal p99goal <<<"$t"
  read -r rps p99 err < <(run "page$i" "$APP$url" "$COOKIE")
  share=$(awk -v a="$rps" -v b="$FLOOR_RPS" 'BEGIN { printf "%.1f%%", 100 * a / b }')
  if [ -n "$furl" ]; then
    read -r frps _ _ < <(run "floor$i" "$FLOOR$furl")
    fshare=$(awk -v a="$rps" -v b="$frps" 'BEGIN { printf "%.0f%%", 100 * a / b }')
  else
    frps="not replicated"; fshare=""
  fi
  printf '%s\t%s\t%s\t%s\t%s\t≥ %s%%\t%s\t%s\t≤ %s ms\n' "$name" "$rps" "$p99" "$err" "$share" "$goal" "$frps" "$fshare" "$p99goal" >>"$RESULTS"
done

if [ "$MIXED" != 0 ]; then
  echo "== mixed load 90/10 ($MIXED)"
  TOKEN=$("$BENCH" token --database "$PG_URL" --login z0001_staff)
  cat >"$DIR/mixed.lua" <<'LUA'
-- 90 % reads (the project list page), 10 % writes (a new contact through the JSON API)
local cookie = os.getenv("KFQ_COOKIE")
local token = os.getenv("KFQ_TOKEN")
local n = 0
request = function()
  n = n + 1
  if n % 10 == 0 then
    local body = '{"date":"2025-06-01","lead_name":"压测意向企业","form":"visit","summary":"压测写入的对接记录"}'
    return wrk.format("POST", "/api/v1/contacts",
      { ["Authorization"] = "Bearer " .. token, ["Content-Type"] = "application/json" }, body)
  end
  return wrk.format("GET", "/projects?stage=started&sort=-total&page=2", { ["Cookie"] = cookie })
end
LUA
  KFQ_COOKIE="$COOKIE" KFQ_TOKEN="$TOKEN" wrk -c $CONNS -t $THREADS -d "$MIXED" --latency -s "$DIR/mixed.lua" "$APP" >"$DIR/wrk-mixed.txt"
  read -r MRPS MP99 MERR < <(summarize "$DIR/wrk-mixed.txt")
  printf 'mixed 90/10 (project list / new contact)\t%s\t%s\t%s\t\t0 errors\t\t\t\n' "$MRPS" "$MP99" "$MERR" >>"$RESULTS"
fi

RSS=$(awk '/VmRSS/ { print $2 }' "/proc/$APP_PID/status")
HWM=$(awk '/VmHWM/ { print $2 }' "/proc/$APP_PID/status")
printf 'server memory after the load\tRSS %s MiB\tpeak %s MiB\t\t\t≤ 200 MiB\t\t\t\n' "$((RSS / 1024))" "$((HWM / 1024))" >>"$RESULTS"

echo
echo "== results, PostgreSQL ($(date -u +%Y-%m-%dT%H:%MZ), $(nproc) CPUs, load after: $(uptime | sed 's/.*load average: //'))"
column -t -s $'\t' "$RESULTS"
