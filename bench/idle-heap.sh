#!/usr/bin/env bash
# Heap and RSS per idle SSE stream of the gateway: starts a gateway, opens N idle streams to it from
# a separate process (pushgate-load idle), prints the summary, stops the gateway.
# Recorded in bench/RESULTS.md, "Idle streams: heap and RSS per stream".
#
# Usage (after `mvn -q -DskipTests package`; builds nothing):
#   bench/idle-heap.sh [--streams N] [--topics T] [--hold 30s] [--warmup W] [--tokens hs256|rs256] [--json] [other idle flags]
# The warm-up defaults to N: the gateway first serves N streams and drops them before the baseline,
# so the figures are what N idle streams cost a warmed-up node, without its one-off growth (JIT
# code, compiler arenas kept by malloc, grown hash tables). --warmup 1000 measures a cold node.
# The gateway runs with -XX:+UseParallelGC (deploy/'s recommendation); GATEWAY_GC=-XX:+UseG1GC measures
# the JDK's default collector instead. GATEWAY_JAVA_OPTS adds JVM flags to the gateway, e.g.
#   GATEWAY_JAVA_OPTS=-XX:NativeMemoryTracking=summary bench/idle-heap.sh --native-memory
# GATEWAY_ARGS adds gateway flags, e.g. GATEWAY_ARGS="--transport epoll" (the default, auto, takes io_uring where it can).
# --tokens hs256 (or rs256) runs the gateway with a fresh secret file (JWKS file) and no public topic,
# and the load with tokens (one per stream, bench/compare-runs.sh): what a stream opened with a token keeps.
# Exit status: that of pushgate-load idle (0 all streams opened and measured), or 1 if the gateway
# did not start. Bounded: the load run is killed after 6 minutes, the gateway after its drain.
set -euo pipefail
cd "$(dirname "$0")/.."

streams=10000
topics=100
# Enough for the heap and RSS figures; an idle CPU figure wants whole heartbeat intervals (40 s
# each; the streams open together, so their heartbeats come in one burst per interval): --hold 120s,
# or bench/idle-compare.sh, which sets it beside the heartbeat floor.
hold=30s
warmup=""
tokens=""
extra=()
while [ $# -gt 0 ]; do
  case "$1" in
    --streams) streams="$2"; shift 2 ;;
    --topics) topics="$2"; shift 2 ;;
    --hold) hold="$2"; shift 2 ;;
    --warmup) warmup="$2"; shift 2 ;;
    --tokens) tokens="$2"; shift 2 ;;
    *) extra+=("$1"); shift ;;
  esac
done

gateway_jar=gateway/target/pushgate.jar
load_jar=bench/target/pushgate-load.jar
for jar in "$gateway_jar" "$load_jar"; do
  if [ ! -f "$jar" ]; then
    echo "idle-heap: $jar is missing; run 'mvn -q -DskipTests package' first" >&2
    exit 1
  fi
done

work=$(mktemp -d)
gateway_log="$work/gateway.log"
tool=idle-heap
# shellcheck source=bench/compare-runs.sh
. bench/compare-runs.sh
auth=()
case "$tokens" in
  "") ;;
  hs256|rs256) keys_for "$tokens" ;;
  *) echo "idle-heap: --tokens is hs256 or rs256, not $tokens" >&2; rm -rf "$work"; exit 2 ;;
esac
read -ra gateway_java_opts <<<"${GATEWAY_JAVA_OPTS:-}"
read -ra gateway_args <<<"${GATEWAY_ARGS:-}"
gateway_cmd=(java -Xmx1g "${GATEWAY_GC:--XX:+UseParallelGC}" ${gateway_java_opts[@]+"${gateway_java_opts[@]}"} -jar "$gateway_jar" --bind 127.0.0.1 --port 0 --accept-rate 0 --max-streams 20000
  --drain-timeout 2s ${auth[@]+"${auth[@]}"} ${gateway_args[@]+"${gateway_args[@]}"})
echo "idle-heap: ${gateway_cmd[*]}" >&2
"${gateway_cmd[@]}" >"$gateway_log" 2>&1 &
gateway_pid=$!

stop_gateway() {
  if kill -0 "$gateway_pid" 2>/dev/null; then
    kill -TERM "$gateway_pid" 2>/dev/null || true
    # The gateway drains within --drain-timeout 2s; give it 15 s in all, then kill it.
    for _ in $(seq 150); do
      kill -0 "$gateway_pid" 2>/dev/null || break
      sleep 0.1
    done
    if kill -0 "$gateway_pid" 2>/dev/null; then
      echo "idle-heap: gateway $gateway_pid did not stop on SIGTERM; killing it" >&2
      kill -KILL "$gateway_pid" 2>/dev/null || true
    fi
  fi
  local status=0
  wait "$gateway_pid" 2>/dev/null || status=$?
  echo "idle-heap: gateway stopped (exit $status)" >&2
  rm -rf "$work"
}
trap stop_gateway EXIT

port=""
for _ in $(seq 600); do  # 60 s: the JVM start and the warm-up (30 s at most)
  line=$(grep -m1 'pushgate listening on' "$gateway_log" || true)
  if [ -n "$line" ]; then
    # "pushgate listening on 127.0.0.1:43125 (transport epoll, …)"
    port=$(sed -E 's/.*pushgate listening on [^ ]*:([0-9]+).*/\1/' <<<"$line")
    break
  fi
  if ! kill -0 "$gateway_pid" 2>/dev/null; then
    break
  fi
  sleep 0.1
done
if [ -z "$port" ]; then
  echo "idle-heap: the gateway did not start within 30 s; its log:" >&2
  cat "$gateway_log" >&2
  exit 1
fi
echo "idle-heap: gateway pid $gateway_pid on port $port" >&2

load_cmd=(java -Xmx512m -jar "$load_jar" idle --url "http://127.0.0.1:$port" --streams "$streams"
  --topics "$topics" --server-pid "$gateway_pid" --hold "$hold" --warmup "${warmup:-$streams}" ${load_auth[@]+"${load_auth[@]}"} ${extra[@]+"${extra[@]}"})
echo "idle-heap: ${load_cmd[*]}" >&2
status=0
timeout --kill-after=10s 360s "${load_cmd[@]}" || status=$?
exit "$status"
