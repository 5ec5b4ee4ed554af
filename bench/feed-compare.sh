#!/usr/bin/env bash
# The feed figures against several servers, one after the other, in one command: the embedded
# broker and the Redis broker side by side, rounds alternating so that the machine's noise falls on
# both alike. The first argument names the pushgate-load command: `feed` (the exactly-once check
# across forced reconnects, and with --rate max the appends/s ceiling) or `feed-replay` (N streams
# back at once, each E events behind). Prints each run's figures, the medians per server and the
# median of the per-round ratios to the first server. Recorded in bench/RESULTS.md, "Feeds".
#
# Usage (after `mvn -q -DskipTests package`):
#   bench/feed-compare.sh feed|feed-replay [--servers epoll,redis] [--rounds 3] [--out DIR] -- <its flags>
#   e.g. bench/feed-compare.sh feed --servers epoll,redis --rounds 3 -- --streams 1000 --feeds 10 --rate 500 --reconnects 50
#        bench/feed-compare.sh feed --servers epoll,redis --rounds 3 -- --streams 100 --feeds 10 --rate max --reconnects 0
#        bench/feed-compare.sh feed-replay --servers epoll,redis --rounds 3 -- --streams 1000 --events 1000
# Servers as in bench/compare-runs.sh (epoll, redis, -g1, base-…); every run gets a fresh server.
# GATEWAY_ARGS adds gateway flags (e.g. "--feed-cap 2000"), GATEWAY_JAVA_OPTS JVM flags.
# Bounded: each load run is killed after 5 minutes, each server stopped after it.
set -euo pipefail
[ -z "${GATEWAY_BASE_JAR:-}" ] || GATEWAY_BASE_JAR=$(realpath -m -- "$GATEWAY_BASE_JAR")
cd "$(dirname "$0")/.."

tool=feed-compare
command=${1:-}
case "$command" in
  feed|feed-replay) shift ;;
  *) echo "$tool: the first argument is the command, feed or feed-replay" >&2; exit 2 ;;
esac
# shellcheck source=bench/compare-runs.sh
. bench/compare-runs.sh
compare_setup epoll,redis "$@"
run_rounds "$command"

kinds_json=$(printf '%s\n' "${kinds[@]}" | jq -R . | jq -s .)
# What both summaries use: the median, a number to 3 places, the median of per-round ratios to the first server.
jq_defs='
  def median: sort | if length == 0 then null else .[(length - 1) / 2 | floor] end;
  def f(x): if x == null then "-" else (x * 1000 | round / 1000 | tostring) end;
  def ratio($runs; $k; field): [$runs | group_by(.round)[]
      | [map(select(.server == $k))[0], map(select(.server == $kinds[0]))[0]]
      | select(.[0] != null and .[1] != null) | (.[0] | field) / (.[1] | field)] | median;
'
if [ "$command" = feed ]; then
  jq -rs --argjson kinds "$kinds_json" "$jq_defs"'
    def violations: .lost + .duplicated + .out_of_order + .resets + .other_epoch + .malformed;
    . as $runs
    | ["server", "round", "streams", "feeds", "rate", "appended", "appends/s", "failed", "deliveries", "p50 ms", "p99 ms",
       "cut", "reopened after close", "violations", "server CPU s", "load avg", "clean"],
      ($runs[] | [.server, .round, .streams_open, .feeds, .rate, .appended, f(.appends_per_second), .append_failed,
        .deliveries, f(.latency_p50_us / 1000), f(.latency_p99_us / 1000), .cut, .reopened_after_close, violations,
        f(.server_cpu_seconds), .load_average, .clean]),
      ($kinds[] as $k | [$runs[] | select(.server == $k)] as $r
        | ["median " + $k, ($r | length), "", "", "", ([$r[].appended] | median), f([$r[].appends_per_second] | median),
           ([$r[].append_failed] | add), ([$r[].deliveries] | median), f([$r[].latency_p50_us] | median / 1000),
           f([$r[].latency_p99_us] | median / 1000), ([$r[].cut] | add), ([$r[].reopened_after_close] | add),
           ([$r[] | violations] | add), f([$r[].server_cpu_seconds] | median), ([$r[].load_average] | median),
           ([$r[].clean] | all)]),
      ($kinds[1:][] as $k
        | ["ratio " + $k + "/" + $kinds[0] + " (median of rounds)", "", "", "", "", "", f(ratio($runs; $k; .appends_per_second)),
           "", "", f(ratio($runs; $k; .latency_p50_us)), f(ratio($runs; $k; .latency_p99_us)), "", "", "", "", "", ""])
    | @tsv' < <(runs_json) | column -t -s $'\t'
else
  jq -rs --argjson kinds "$kinds_json" "$jq_defs"'
    def violations: .lost + .duplicated + .out_of_order + .resets + .malformed;
    . as $runs
    | ["server", "round", "streams", "events", "opened", "all open after s", "all caught up after s", "behind",
       "violations", "server CPU s", "load avg", "clean"],
      ($runs[] | [.server, .round, .streams, .events, .opened, .seconds_until_open, .seconds_until_caught_up, .behind,
        violations, .server_cpu_seconds, .load_average, .clean]),
      ($kinds[] as $k | [$runs[] | select(.server == $k)] as $r
        | ["median " + $k, ($r | length), "", "", ([$r[].opened] | median), ([$r[].seconds_until_open] | median),
           ([$r[].seconds_until_caught_up] | median), ([$r[].behind] | add), ([$r[] | violations] | add),
           ([$r[].server_cpu_seconds] | median), ([$r[].load_average] | median), ([$r[].clean] | all)]),
      ($kinds[1:][] as $k
        | ["ratio " + $k + "/" + $kinds[0] + " (median of rounds)", "", "", "", "", f(ratio($runs; $k; .seconds_until_open)),
           f(ratio($runs; $k; .seconds_until_caught_up)), "", "", f(ratio($runs; $k; .server_cpu_seconds)), "", ""])
    | @tsv' < <(runs_json) | column -t -s $'\t'
fi
exit "$status"
