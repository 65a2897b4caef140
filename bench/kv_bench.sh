#!/usr/bin/env bash
# Strata's Redis protocol vs redis-server, side by side in one run, with redis-benchmark.
#
#   STRATA_BIN=build/app/strata bench/kv_bench.sh
#
# Redis runs as durable as Strata's default promises: appendonly yes, appendfsync everysec
# (every acknowledged write is in the OS, fsynced within a second). Strata's KV writes are
# in its write-ahead log before they are acknowledged (kill -9 safe) and fsynced each second.
# Knobs: BENCH_N (requests per test, 200000), BENCH_CLIENTS (50), BENCH_TESTS (set,get,incr),
# BENCH_PIPELINES ("1 16"), BENCH_KEYSPACE (unset: redis-benchmark's default, every request of
# a test on ONE key; N: random keys out of N, redis-benchmark -r N). Strata serves one round's
# commands per distinct key (one read and one write per key), which the one-key default
# favours: run with BENCH_KEYSPACE=100000 too. Both servers listen on 127.0.0.1 only.
set -euo pipefail

N=${BENCH_N:-200000}
CLIENTS=${BENCH_CLIENTS:-50}
TESTS=${BENCH_TESTS:-set,get,incr}
PIPELINES=${BENCH_PIPELINES:-1 16}
KEYSPACE_ARGS=()
[ -n "${BENCH_KEYSPACE:-}" ] && KEYSPACE_ARGS=(-r "$BENCH_KEYSPACE")
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
STRATA_BIN=${STRATA_BIN:-$ROOT/build/app/strata}

for tool in redis-server redis-benchmark redis-cli; do
  command -v "$tool" >/dev/null || { echo "missing $tool: apt-get install redis-server redis-tools" >&2; exit 2; }
done
[ -x "$STRATA_BIN" ] || { echo "no strata binary at $STRATA_BIN (set STRATA_BIN)" >&2; exit 2; }

WORK=$(mktemp -d /tmp/strata-kv-bench.XXXXXX)
STRATA_PID=""
REDIS_PID=""
cleanup() {
  [ -n "$STRATA_PID" ] && kill "$STRATA_PID" 2>/dev/null && wait "$STRATA_PID" 2>/dev/null
  [ -n "$REDIS_PID" ] && kill "$REDIS_PID" 2>/dev/null && wait "$REDIS_PID" 2>/dev/null
  rm -rf "$WORK"
}
trap cleanup EXIT

free_port() { /usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

# --- Strata ---
RESP_PORT=$(free_port)
mkdir -p "$WORK/strata"
"$STRATA_BIN" server --data "$WORK/strata" --listen 127.0.0.1:0 --resp-listen "127.0.0.1:$RESP_PORT" \
  >"$WORK/strata.log" 2>&1 &
STRATA_PID=$!
HTTP_PORT=""
for _ in $(seq 1 300); do
  HTTP_PORT=$(grep -oP 'listening on http://127\.0\.0\.1:\K[0-9]+' "$WORK/strata.log" | head -1 || true)
  if [ -n "$HTTP_PORT" ] && [ -s "$WORK/strata/admin-token" ] && grep -q "resp listening" "$WORK/strata.log"; then break; fi
  sleep 0.1
done
[ -n "$HTTP_PORT" ] || { echo "strata did not start:" >&2; cat "$WORK/strata.log" >&2; exit 1; }
TOKEN=$(cat "$WORK/strata/admin-token")
NS=bench
curl -sf -X POST -H "Authorization: Bearer $TOKEN" -H 'Content-Type: application/json' \
  -d "{\"name\":\"$NS\"}" "http://127.0.0.1:$HTTP_PORT/api/v1/kv" >/dev/null

# --- Redis ---
REDIS_PORT=$(free_port)
mkdir -p "$WORK/redis"
redis-server --port "$REDIS_PORT" --bind 127.0.0.1 --dir "$WORK/redis" --appendonly yes \
  --appendfsync everysec --save '' --daemonize no >"$WORK/redis.log" 2>&1 &
REDIS_PID=$!
for _ in $(seq 1 100); do
  redis-cli -p "$REDIS_PORT" ping >/dev/null 2>&1 && break
  sleep 0.1
done

# requests/s per test name from redis-benchmark's CSV output ("SET","123456.79",...).
run() {  # run PORT PIPELINE [auth args...]
  local port=$1 pipeline=$2
  shift 2
  redis-benchmark -h 127.0.0.1 -p "$port" -t "$TESTS" -n "$N" -c "$CLIENTS" -P "$pipeline" "${KEYSPACE_ARGS[@]}" --csv "$@" 2>/dev/null |
    awk -F'","' 'NR > 1 { gsub(/"/, "", $1); gsub(/"/, "", $2); print $1, $2 }'
}

echo "keyspace: ${BENCH_KEYSPACE:-one key per test}; load average: $(cut -d' ' -f1 /proc/loadavg)"
printf '%-8s %-9s %14s %14s %8s\n' test pipeline "strata req/s" "redis req/s" ratio
for P in $PIPELINES; do
  declare -A S=() R=()
  while read -r t v; do S[$t]=$v; done < <(run "$RESP_PORT" "$P" --user "$NS" -a "$TOKEN")
  while read -r t v; do R[$t]=$v; done < <(run "$REDIS_PORT" "$P")
  for t in $(echo "$TESTS" | tr 'a-z,' 'A-Z '); do
    s=${S[$t]:-0}
    r=${R[$t]:-0}
    awk -v t="$t" -v p="$P" -v s="$s" -v r="$r" \
      'BEGIN { printf "%-8s %-9s %14.0f %14.0f %7.2fx\n", t, p, s, r, (r > 0 ? s / r : 0) }'
  done
  unset S R
done
