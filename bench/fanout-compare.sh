#!/usr/bin/env bash
# The same fan-out workload against several servers, one after the other, in one command: the
# floor (../shared/floor/floor.c, built here into bench/target/floor), pushgate with epoll or
# io_uring, pushgate with the Redis broker. Each server runs in its own process and is stopped after
# its run; rounds alternate the servers so that the machine's noise falls on all of them alike.
# Prints each run's figures, the medians per server and the median ratio of server CPU per delivery
# to the first server's. Recorded in bench/RESULTS.md, "Fan-out".
#
# Usage (after `mvn -q -DskipTests package`):
#   bench/fanout-compare.sh [--servers floor,epoll] [--rounds 3] [--out DIR] -- <pushgate-load fanout flags>
#   e.g. bench/fanout-compare.sh --servers floor,epoll -- --streams 2000 --topics 10 --rate 100 --duration 15s
# Servers: floor | epoll | io_uring | nio | redis (epoll + --redis redis://127.0.0.1:6379 and a random
# --key-prefix, whose keys are deleted afterwards). The gateway runs with -XX:+UseParallelGC, the
# collector deploy/ recommends; a "-g1" suffix (epoll-g1, io_uring-g1, …) runs it with G1, the JDK's
# default, instead. GATEWAY_JAVA_OPTS adds JVM flags to the gateway, GATEWAY_ARGS gateway flags
# (e.g. "--send-buffer 0 --slow-consumer-timeout 5s"), GATEWAY_JAVA names the java binary that runs
# it (default: java on the PATH), e.g. another JDK.
# Before vs after: a "base-" prefix (base-epoll, base-io_uring, base-epoll-g1, …) runs the same
# kind from the gateway jar that GATEWAY_BASE_JAR names (e.g. a build of an earlier commit) instead
# of gateway/target/pushgate.jar, with the same flags. The load generator is this tree's for every
# server. With both base-K and K in --servers, a last line also gives the median of the per-round
# ratios K/base-K (µs/delivery: above 1 means the change costs more), e.g.
#   GATEWAY_BASE_JAR=/path/to/baseline/gateway/target/pushgate.jar \
#     bench/fanout-compare.sh --servers floor,base-epoll,epoll --rounds 3 -- <fanout flags>
# Bounded: each load run is killed after 5 minutes, each server stopped after it.
set -euo pipefail
# Relative to where the command was typed; the script then works from the repository root.
[ -z "${GATEWAY_BASE_JAR:-}" ] || GATEWAY_BASE_JAR=$(realpath -m -- "$GATEWAY_BASE_JAR")
cd "$(dirname "$0")/.."

servers=floor,epoll
rounds=1
out=""
while [ $# -gt 0 ]; do
  case "$1" in
    --servers) servers="$2"; shift 2 ;;
    --rounds) rounds="$2"; shift 2 ;;
    --out) out="$2"; shift 2 ;;
    --) shift; break ;;
    *) echo "fanout-compare: unknown flag $1 (load flags go after --)" >&2; exit 2 ;;
  esac
done
load_args=("$@")

gateway_jar=gateway/target/pushgate.jar
load_jar=bench/target/pushgate-load.jar
for jar in "$gateway_jar" "$load_jar"; do
  [ -f "$jar" ] || { echo "fanout-compare: $jar is missing; run 'mvn -q -DskipTests package' first" >&2; exit 1; }
done
IFS=, read -ra kinds <<<"$servers"
for kind in "${kinds[@]}"; do
  if [[ "$kind" == base-* ]]; then
    [ -n "${GATEWAY_BASE_JAR:-}" ] || { echo "fanout-compare: server $kind needs GATEWAY_BASE_JAR (the baseline's pushgate.jar)" >&2; exit 2; }
    [ -f "$GATEWAY_BASE_JAR" ] || { echo "fanout-compare: GATEWAY_BASE_JAR=$GATEWAY_BASE_JAR is missing" >&2; exit 1; }
    echo "fanout-compare: base-* servers run $GATEWAY_BASE_JAR" >&2
    break
  fi
done
if [[ ",$servers," == *",floor,"* ]]; then
  # Built here, never committed.
  gcc -O2 -o bench/target/floor ../shared/floor/floor.c
fi

work=$(mktemp -d)
out=${out:-$work}
mkdir -p "$out"
server_pid=""
redis_prefix=""

stop_server() {
  if [ -n "$server_pid" ] && kill -0 "$server_pid" 2>/dev/null; then
    kill -TERM "$server_pid" 2>/dev/null || true
    for _ in $(seq 150); do kill -0 "$server_pid" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$server_pid" 2>/dev/null || true
  fi
  [ -n "$server_pid" ] && { wait "$server_pid" 2>/dev/null || true; }
  server_pid=""
  if [ -n "$redis_prefix" ] && command -v redis-cli >/dev/null; then
    redis-cli -h 127.0.0.1 -p 6379 --scan --pattern "$redis_prefix:*" | xargs -r -n 500 redis-cli -h 127.0.0.1 -p 6379 del >/dev/null || true
    redis_prefix=""
  fi
}
cleanup() {
  stop_server
  [ "$out" = "$work" ] || rm -rf "$work"
}
trap cleanup EXIT

free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'
}

# Starts server $1; sets server_pid and port.
start_server() {
  local kind=$1 log=$2
  if [ "$kind" = floor ]; then
    port=$(free_port)
    bench/target/floor "$port" >"$log" 2>&1 &
    server_pid=$!
    for _ in $(seq 50); do (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && return 0; sleep 0.1; done
    echo "fanout-compare: the floor did not listen on $port" >&2; return 1
  fi
  local extra=() gc=-XX:+UseParallelGC base=$kind jar=$gateway_jar
  if [[ "$base" == base-* ]]; then
    jar=$GATEWAY_BASE_JAR
    base=${base#base-}
  fi
  if [[ "$base" == *-g1 ]]; then
    gc=-XX:+UseG1GC
    base=${base%-g1}
  fi
  case "$base" in
    epoll|io_uring|nio) extra=(--transport "$base") ;;
    redis)
      redis_prefix="pushgate-load-$RANDOM$RANDOM"
      extra=(--transport epoll --redis redis://127.0.0.1:6379 --key-prefix "$redis_prefix") ;;
    *) echo "fanout-compare: unknown server $kind" >&2; return 1 ;;
  esac
  read -ra opts <<<"${GATEWAY_JAVA_OPTS:-}"
  read -ra args <<<"${GATEWAY_ARGS:-}"
  "${GATEWAY_JAVA:-java}" -Xmx1g "$gc" ${opts[@]+"${opts[@]}"} -jar "$jar" --bind 127.0.0.1 --port 0 --admin-port 0 --accept-rate 0 \
    --max-streams 20000 --drain-timeout 2s "${extra[@]}" ${args[@]+"${args[@]}"} >"$log" 2>&1 &
  server_pid=$!
  for _ in $(seq 300); do
    local line
    line=$(grep -m1 'pushgate listening on' "$log" || true)
    if [ -n "$line" ]; then
      port=$(sed -E 's/.*pushgate listening on [^ ]*:([0-9]+).*/\1/' <<<"$line")
      echo "fanout-compare: $line ($jar)" >&2
      return 0
    fi
    kill -0 "$server_pid" 2>/dev/null || break
    sleep 0.1
  done
  echo "fanout-compare: gateway did not start; its log:" >&2; cat "$log" >&2; return 1
}

status=0
for round in $(seq "$rounds"); do
  for kind in "${kinds[@]}"; do
    start_server "$kind" "$out/$kind-$round.server.log"
    echo "fanout-compare: round $round, $kind (pid $server_pid, port $port)" >&2
    cmd=(java -Xmx1g -jar "$load_jar" fanout --url "http://127.0.0.1:$port" --server-pid "$server_pid" --json "${load_args[@]}")
    echo "fanout-compare: ${cmd[*]}" >&2
    timeout --kill-after=10s 300s "${cmd[@]}" >"$out/$kind-$round.json" || status=$?
    stop_server
  done
done

# One line per run, then the medians and the ratios to the first server (per round, then the median).
jq -rs --argjson kinds "$(printf '%s\n' "${kinds[@]}" | jq -R . | jq -s .)" '
  def median: sort | if length == 0 then null else .[(length - 1) / 2 | floor] end;
  def f(x): if x == null then "-" else (x * 1000 | round / 1000 | tostring) end;
  . as $runs
  | ["server", "round", "deliveries/s", "p50 ms", "p99 ms", "p99.9 ms", "max ms", "lost", "dup", "ooo", "server CPU %", "µs/delivery", "clean"],
    ($runs[] | [.server, .round, (.deliveries_per_second | round), .latency_p50_us / 1000, .latency_p99_us / 1000,
      .latency_p999_us / 1000, .latency_max_us / 1000, .lost, .duplicated, .out_of_order,
      (100 * .server_cpu_seconds / .seconds | round), f(.server_cpu_us_per_delivery), .clean]),
    ($kinds[] as $k | [$runs[] | select(.server == $k)] as $r
      | ["median " + $k, ($r | length), ([$r[].deliveries_per_second] | median | round),
         ([$r[].latency_p50_us] | median) / 1000, ([$r[].latency_p99_us] | median) / 1000,
         ([$r[].latency_p999_us] | median) / 1000, ([$r[].latency_max_us] | median) / 1000,
         ([$r[].lost] | add), ([$r[].duplicated] | add), ([$r[].out_of_order] | add),
         ([$r[] | 100 * .server_cpu_seconds / .seconds] | median | round),
         f([$r[].server_cpu_us_per_delivery] | median), ([$r[].clean] | all)]),
    ($kinds[1:][] as $k
      | ["ratio " + $k + "/" + $kinds[0] + " (µs/delivery, median of rounds)",
         f([$runs | group_by(.round)[] | [map(select(.server == $k))[0], map(select(.server == $kinds[0]))[0]]
            | select(.[0] != null and .[1] != null)
            | .[0].server_cpu_us_per_delivery / .[1].server_cpu_us_per_delivery] | median)]),
    ($kinds[] as $k | select(($k | startswith("base-") | not) and ($kinds | index("base-" + $k)) != null)
      | ("base-" + $k) as $b
      | [$runs | group_by(.round)[] | [map(select(.server == $k))[0], map(select(.server == $b))[0]]
          | select(.[0] != null and .[1] != null)
          | .[0].server_cpu_us_per_delivery / .[1].server_cpu_us_per_delivery] as $r
      | ["ratio " + $k + "/" + $b + " (µs/delivery, median of rounds)",
         f($r | median) + " (" + ($r | map(f(.)) | join(", ")) + ")"])
  | @tsv' < <(for f in "$out"/*.json; do
      b=$(basename "$f" .json); jq --arg s "${b%-*}" --argjson r "${b##*-}" '. + {server: $s, round: $r}' "$f" 2>/dev/null || true
    done) | column -t -s $'\t'
exit "$status"
