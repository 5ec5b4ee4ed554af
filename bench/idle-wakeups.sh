#!/usr/bin/env bash
# What an idle node's threads do with no streams at all: an embedded node and a node on a private
# redis-server (a free loopback port, no persistence), started side by side with the launcher's JVM
# options, and per thread the CPU ticks (user, kernel; 10 ms each) and the voluntary context
# switches (each one a wake-up) over SECONDS, read from /proc 45 s after the start (past the
# warm-up). Prints one table per node, busiest first, and redis-server's own ticks. Recorded in
# bench/RESULTS.md, "What an idle node's threads cost on this machine: every wake-up".
#
# Usage (after `mvn -q -DskipTests package`): bench/idle-wakeups.sh [SECONDS] [OUT_DIR]
# Bounded: both nodes and the redis-server are stopped at the end (and on any exit).
set -euo pipefail
cd "$(dirname "$0")/.."

secs=${1:-60}
out=${2:-$(mktemp -d)}
mkdir -p "$out"
jar=gateway/target/pushgate.jar
[ -f "$jar" ] || { echo "idle-wakeups: $jar is missing: mvn -q -DskipTests package" >&2; exit 2; }
opts=(-XX:+UseParallelGC -Xmx1g -XX:-UsePerfData -XX:+ExitOnOutOfMemoryError)

redis_port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
redis-server --bind 127.0.0.1 --port "$redis_port" --save "" --appendonly no >"$out/redis.log" 2>&1 &
redis_pid=$!
embedded_pid=""
redis_node_pid=""
cleanup() {
  kill $embedded_pid $redis_node_pid 2>/dev/null || true
  kill "$redis_pid" 2>/dev/null || true
}
trap cleanup EXIT
for _ in $(seq 50); do redis-cli -p "$redis_port" ping >/dev/null 2>&1 && break; sleep 0.1; done

java "${opts[@]}" -jar "$jar" --bind 127.0.0.1 --port 0 --admin-port 0 >"$out/embedded.log" 2>&1 &
embedded_pid=$!
java "${opts[@]}" -jar "$jar" --bind 127.0.0.1 --port 0 --admin-port 0 \
  --redis "redis://127.0.0.1:$redis_port" >"$out/redis-node.log" 2>&1 &
redis_node_pid=$!
sleep 45

# One line per thread: <tid>:<name> <user ticks> <kernel ticks> <voluntary switches>
snap() {
  for t in /proc/"$1"/task/*; do
    echo "${t##*/}:$(tr ' ' '_' <"$t/comm") $(awk '{print $14, $15}' "$t/stat") $(awk '/^voluntary_ctxt/ {print $2}' "$t/status")"
  done | sort
}
snap "$embedded_pid" >"$out/embedded.0"
snap "$redis_node_pid" >"$out/redis-node.0"
read -r ru0 rs0 < <(awk '{print $14, $15}' /proc/"$redis_pid"/stat)
sleep "$secs"
snap "$embedded_pid" >"$out/embedded.1"
snap "$redis_node_pid" >"$out/redis-node.1"
read -r ru1 rs1 < <(awk '{print $14, $15}' /proc/"$redis_pid"/stat)

for node in embedded redis-node; do
  echo "== $node over $secs s: thread, user ticks, kernel ticks, wake-ups"
  join "$out/$node.0" "$out/$node.1" |
    awk '{u = $5 - $2; k = $6 - $3; w = $7 - $4; if (u + k + w > 0) print $1, u, k, w}' | sort -k4 -rn
done
echo "== redis-server over $secs s: $((ru1 - ru0)) user ticks, $((rs1 - rs0)) kernel ticks"
