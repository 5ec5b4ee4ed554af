#!/usr/bin/env bash
# The same fan-out workload against several servers, one after the other, in one command: the
# floor (../shared/floor/floor.c, built here into bench/target/floor), pushgate with epoll or
# io_uring, pushgate with the Redis broker. Each server runs in its own process and is stopped after
# its run; rounds alternate the servers so that the machine's noise falls on all of them alike.
# Prints each run's figures, the medians per server and the median ratio of server CPU per delivery
# to the first server's. Recorded in bench/RESULTS.md, "Fan-out".
#
# Usage (after `mvn -q -DskipTests package`):
#   bench/fanout-compare.sh [--servers floor,epoll] [--rounds 3] [--out DIR] [--same-server] -- <pushgate-load fanout flags>
#   e.g. bench/fanout-compare.sh --servers floor,epoll -- --streams 2000 --topics 10 --rate 100 --duration 15s
# Servers: floor | epoll | io_uring | nio | redis (--redis to a private redis-server on a free loopback
# port, transport auto) | nchan (nginx + Nchan with its Redis storage, bench/nchan/nginx.conf, and a private
# redis-server); see compare-runs.sh. With a redis-server, its CPU in the window is counted too:
# "broker µs" is its part, "µs/delivery" and the ratios are server + broker. "JIT µs" is the part of
# the server's JVM compiler threads (a one-off: compiles still due after the warm-up), and a second
# ratio leaves it out. The gateway runs on its launcher's JVM options
# (gateway/src/main/launcher/pushgate: -XX:+UseParallelGC -Xmx1g, what
# README's run command runs); a "-g1" suffix (epoll-g1, io_uring-g1, …) runs it with G1, the JDK's
# default, instead; a "+LABEL" suffix adds GATEWAY_JAVA_OPTS_LABEL (e.g. -XX:TieredStopAtLevel=1:
# C1 only) and GATEWAY_ARGS_LABEL to that kind alone (bench/compare-runs.sh); a "-hs256" or "-rs256" suffix (epoll-hs256) runs it with a key, the load with
# tokens (bench/compare-runs.sh). GATEWAY_JAVA_OPTS adds JVM flags to the gateway, GATEWAY_ARGS gateway
# flags (e.g. "--send-buffer 0 --slow-consumer-timeout 5s"), GATEWAY_JAVA names the java binary that
# runs it (default: java on the PATH), e.g. another JDK. CLIENT_WARMUP=10s first runs each load against a
# floor of its own for that long (--client-warmup-url), so that a fresh server's first seconds
# (--warmup 0s) are measured by a client whose JIT is warm.
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

tool=fanout-compare
# shellcheck source=bench/compare-runs.sh
. bench/compare-runs.sh
compare_setup floor,epoll "$@"
if [[ ",$servers," == *",floor,"* || -n "${CLIENT_WARMUP:-}" ]]; then
  # Built here, never committed.
  gcc -O2 -o bench/target/floor ../shared/floor/floor.c
fi
if [ -n "${CLIENT_WARMUP:-}" ]; then
  # One more floor, not measured: each load run first runs against it for $CLIENT_WARMUP, so that
  # the load client's own JIT is warm when it meets the server under test (a fresh node's first
  # seconds: its latencies, not the client's).
  warm_port=$(free_port)
  bench/target/floor "$warm_port" >"$out/client-warmup-floor.log" 2>&1 &
  warm_pid=$!
  trap 'kill "$warm_pid" 2>/dev/null || true; compare_cleanup' EXIT
  await_port "$warm_port"
  load_args+=(--client-warmup-url "http://127.0.0.1:$warm_port" --client-warmup "$CLIENT_WARMUP")
fi

run_rounds fanout

# One line per run, then the medians and the ratios to the first server (per round, then the median).
jq -rs --argjson kinds "$(printf '%s\n' "${kinds[@]}" | jq -R . | jq -s .)" '
  def median: sort | if length == 0 then null else .[(length - 1) / 2 | floor] end;
  def f(x): if x == null then "-" else (x * 1000 | round / 1000 | tostring) end;
  def total: .server_cpu_us_per_delivery + (.broker_cpu_us_per_delivery // 0);
  def cpu: .server_cpu_seconds + (.broker_cpu_seconds // 0);
  def jit: ([(.server_cpu_seconds_by_thread // {}) | to_entries[] | select(.key | test("Compiler")) | .value] | add // 0)
    * 1e6 / .deliveries;
  . as $runs
  | ["server", "round", "deliveries/s", "p50 ms", "p99 ms", "p99.9 ms", "max ms", "lost", "dup", "ooo", "server CPU %", "broker µs", "JIT µs", "µs/delivery", "clean"],
    ($runs[] | [.server, .round, (.deliveries_per_second | round), .latency_p50_us / 1000, .latency_p99_us / 1000,
      .latency_p999_us / 1000, .latency_max_us / 1000, .lost, .duplicated, .out_of_order,
      (100 * cpu / .seconds | round), f(.broker_cpu_us_per_delivery), f(jit), f(total), .clean]),
    ($kinds[] as $k | [$runs[] | select(.server == $k)] as $r
      | ["median " + $k, ($r | length), ([$r[].deliveries_per_second] | median | round),
         ([$r[].latency_p50_us] | median) / 1000, ([$r[].latency_p99_us] | median) / 1000,
         ([$r[].latency_p999_us] | median) / 1000, ([$r[].latency_max_us] | median) / 1000,
         ([$r[].lost] | add), ([$r[].duplicated] | add), ([$r[].out_of_order] | add),
         ([$r[] | 100 * cpu / .seconds] | median | round),
         f([$r[].broker_cpu_us_per_delivery | values] | median), f([$r[] | jit] | median), f([$r[] | total] | median),
         ([$r[].clean] | all)]),
    ($kinds[1:][] as $k
      | ["ratio " + $k + "/" + $kinds[0] + " (µs/delivery, median of rounds)",
         f([$runs | group_by(.round)[] | [map(select(.server == $k))[0], map(select(.server == $kinds[0]))[0]]
            | select(.[0] != null and .[1] != null)
            | (.[0] | total) / (.[1] | total)] | median)]),
    ($kinds[1:][] as $k
      | ["ratio " + $k + "/" + $kinds[0] + " without the JIT compiler threads",
         f([$runs | group_by(.round)[] | [map(select(.server == $k))[0], map(select(.server == $kinds[0]))[0]]
            | select(.[0] != null and .[1] != null)
            | ((.[0] | total - jit)) / ((.[1] | total - jit))] | median)]),
    ($kinds[] as $k | select(($k | startswith("base-") | not) and ($kinds | index("base-" + $k)) != null)
      | ("base-" + $k) as $b
      | [$runs | group_by(.round)[] | [map(select(.server == $k))[0], map(select(.server == $b))[0]]
          | select(.[0] != null and .[1] != null)
          | (.[0] | total) / (.[1] | total)] as $r
      | ["ratio " + $k + "/" + $b + " (µs/delivery, median of rounds)",
         f($r | median) + " (" + ($r | map(f(.)) | join(", ")) + ")"])
  | @tsv' < <(runs_json) | column -t -s $'\t'
exit "$status"
