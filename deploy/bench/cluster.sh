#!/usr/bin/env bash
# Starts N chat-server nodes (release build) on loopback, sharing PostgreSQL and Redis (and,
# with BENCH_MONGO=1, a SecantusDB as the message store), waits until each answers
# /readyz, runs the given command with the cluster's URLs and pids in its environment, and
# stops and cleans up everything on exit (even on Ctrl-C or a failing command).
#
#   deploy/bench/cluster.sh N [command ...]
#
# The command sees CLUSTER_URLS (comma list, for chat-bench --url) and CLUSTER_PIDS (comma
# list, for --server-pid); without a command the cluster runs until Ctrl-C. Example:
#
#   deploy/bench/cluster.sh 3 sh -c \
#     'target/release/chat-bench --url "$CLUSTER_URLS" --server-pid "$CLUSTER_PIDS" pairs --rate 1000'
#
# Each run gets its own PostgreSQL database (chat_bench_<run>, dropped at exit), its own Redis
# key prefix (its keys deleted at exit) and its own in-memory SecantusDB, so runs never see
# each other's data nor that of tests using the database `test`.
#
# Environment (all optional):
#   BENCH_BIN        directory of chat-server             (target/release)
#   BENCH_PG         PostgreSQL, trust auth, no database   (postgres://postgres@127.0.0.1:5432)
#   BENCH_REDIS      Redis host:port                       (127.0.0.1:6379)
#   BENCH_MONGO      1: messages in SecantusDB             (unset: messages in PostgreSQL)
#   SECANTUSD        the SecantusDB server     (/work/.venv-secantus/bin/secantusd-py)
#   BENCH_KEEP_LOGS  1: keep the nodes' logs after exit    (kept anyway when something failed)
set -euo pipefail

nodes=${1:?usage: $0 N [command ...]}
shift
[[ $nodes =~ ^[1-9]$ ]] || { echo "cluster.sh: N must be 1 to 9" >&2; exit 2; }
bin=${BENCH_BIN:-target/release}
pg=${BENCH_PG:-postgres://postgres@127.0.0.1:5432}
redis_host=${BENCH_REDIS:-127.0.0.1:6379}
secantusd=${SECANTUSD:-/work/.venv-secantus/bin/secantusd-py}

run="$(date +%s)_$$"
database="chat_bench_$run"
prefix="bench_$run"
workdir=$(mktemp -d "/tmp/chat-cluster.$run.XXXX")
pids=()
mongo_pid=""
failed=0

redis() { redis-cli -h "${redis_host%:*}" -p "${redis_host##*:}" "$@"; }

cleanup() {
  local status=$?
  set +e
  for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null; done
  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null; done
  [[ -n $mongo_pid ]] && kill -TERM "$mongo_pid" 2>/dev/null && wait "$mongo_pid" 2>/dev/null
  psql "$pg/postgres" -qc "DROP DATABASE IF EXISTS $database WITH (FORCE)" >/dev/null
  redis --scan --pattern "$prefix*" | xargs -r -n 500 redis-cli -h "${redis_host%:*}" \
    -p "${redis_host##*:}" DEL >/dev/null
  if [[ ${BENCH_KEEP_LOGS:-0} == 1 || $failed == 1 || $status != 0 ]]; then
    echo "cluster.sh: logs kept in $workdir" >&2
  else
    rm -rf "$workdir"
  fi
  exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# Node $1 (pid $2) listens on a port it picked (CHAT_HTTP_ADDR port 0, so nothing else on the
# machine can be mistaken for it) and prints it on stdout. Waits up to 60 s for that line and
# then for its /readyz; sets $port. Fails if the process dies first.
wait_ready() {
  port=""
  for _ in $(seq 600); do
    kill -0 "$2" 2>/dev/null || { failed=1; echo "cluster.sh: node $1 exited" >&2; return 1; }
    if [[ -z $port ]]; then
      port=$(sed -n 's/^chat-server listening on 127\.0\.0\.1:\([0-9]*\)$/\1/p' "$workdir/node$1.out")
    fi
    if [[ -n $port ]] && curl -fsS "http://127.0.0.1:$port/readyz" >/dev/null 2>&1; then
      return 0
    fi
    sleep 0.1
  done
  failed=1
  echo "cluster.sh: node $1 not ready within 60 s" >&2
  return 1
}

psql "$pg/postgres" -qc "CREATE DATABASE $database" >/dev/null
# Without autovacuum a fresh database never gets statistics, and PostgreSQL may then plan a
# per-message lookup as a scan of the whole room (seen: seeding a room ran 3x slower).
if [[ $(psql "$pg/postgres" -Atc "SHOW autovacuum") != on ]]; then
  echo "cluster.sh: warning: autovacuum is off on $pg; run ANALYZE in $database during long runs" >&2
fi
export CHAT_PROFILE=bench CHAT_LOG_FORMAT=json RUST_LOG=${RUST_LOG:-warn}
export CHAT_DATABASE_URL="$pg/$database"
export CHAT_REDIS_URL="redis://$redis_host" CHAT_REDIS_PREFIX="$prefix"
CHAT_JWT_SECRET=$(head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n')
export CHAT_JWT_SECRET
unset CHAT_MONGODB_URI
if [[ ${BENCH_MONGO:-0} == 1 ]]; then
  mongo_port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
  "$secantusd" --host 127.0.0.1 --port "$mongo_port" --storage-path :memory: \
    >"$workdir/secantusd.log" 2>&1 &
  mongo_pid=$!
  export CHAT_MONGODB_URI="mongodb://127.0.0.1:$mongo_port/chat_bench"
fi

urls=()
for ((i = 0; i < nodes; i++)); do
  # The first node migrates the fresh database; the others start after it without.
  migrate=$([[ $i == 0 ]] && echo true || echo false)
  mkdir -p "$workdir/node$i"
  : >"$workdir/node$i.out" # exists before the node writes to it, for wait_ready
  CHAT_HTTP_ADDR=127.0.0.1:0 CHAT_DATA_DIR="$workdir/node$i" CHAT_MIGRATE=$migrate \
    "$bin/chat-server" >"$workdir/node$i.out" 2>"$workdir/node$i.log" &
  pids+=($!)
  wait_ready "$i" "$!"
  urls+=("http://127.0.0.1:$port")
done

CLUSTER_URLS=$(IFS=,; echo "${urls[*]}")
CLUSTER_PIDS=$(IFS=,; echo "${pids[*]}")
export CLUSTER_URLS CLUSTER_PIDS CLUSTER_DATABASE="$database"
echo "cluster.sh: $nodes node(s) ready: $CLUSTER_URLS (pids $CLUSTER_PIDS)" \
  "database $database, redis prefix $prefix${CHAT_MONGODB_URI:+, messages in $CHAT_MONGODB_URI}" >&2
if [[ $# -gt 0 ]]; then
  "$@"
else
  echo "cluster.sh: Ctrl-C stops the cluster" >&2
  wait "${pids[0]}"
fi
