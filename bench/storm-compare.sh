#!/usr/bin/env bash
# The same reconnect storm against several servers, one after the other, in one command: e.g. an
# open node and a node with a key whose streams each carry their own token. Each server runs in its
# own process, is started fresh for its run and stopped after it; rounds alternate the servers so
# that the machine's noise falls on all of them alike. Prints each run's figures (with the 1-minute
# load average after it), the medians per server and the median of the per-round ratios to the
# first server. Recorded in bench/RESULTS.md, "Tokens: reconnect storm and idle heap".
#
# Usage (after `mvn -q -DskipTests package`):
#   bench/storm-compare.sh [--servers epoll,epoll-hs256] [--rounds 3] [--out DIR] [--same-server] -- <reconnect-storm flags>
#   e.g. bench/storm-compare.sh --servers epoll,epoll-hs256 --rounds 3 -- --streams 10000 --topics 100 --ports-per-source 4000
# Servers as in bench/compare-runs.sh: epoll, epoll-hs256 (a secret file, HS256 tokens), epoll-rs256 (a
# JWKS file, RS256 tokens), -g1, base-…; no topic is public, so every stream's token is checked.
# Each run gets a fresh server (its storm follows the first 10,000 opens of a new JVM); with
# --same-server each kind's one server serves all its rounds, warm from round 2 on.
# Bounded: each load run is killed after 5 minutes, each server stopped after it.
set -euo pipefail
[ -z "${GATEWAY_BASE_JAR:-}" ] || GATEWAY_BASE_JAR=$(realpath -m -- "$GATEWAY_BASE_JAR")
cd "$(dirname "$0")/.."

tool=storm-compare
# shellcheck source=bench/compare-runs.sh
. bench/compare-runs.sh
compare_setup epoll,epoll-hs256 "$@"
run_rounds reconnect-storm

# One line per run, then the medians and the ratios to the first server (per round, then the median).
jq -rs --argjson kinds "$(printf '%s\n' "${kinds[@]}" | jq -R . | jq -s .)" '
  def median: sort | if length == 0 then null else .[(length - 1) / 2 | floor] end;
  def f(x): if x == null then "-" else (x * 1000 | round / 1000 | tostring) end;
  # The server CPU of its event loops and of its JIT compilers (thread names are cut at 15 characters).
  def loops: [.server_cpu_seconds_by_thread // {} | to_entries[] | select(.key | test("IoEv|EventLoop|^pushgate-(loop|accept)")) | .value] | add // 0;
  def jit: [.server_cpu_seconds_by_thread // {} | to_entries[] | select(.key | test("Compiler")) | .value] | add // 0;
  def ratio($runs; $k; field): [$runs | group_by(.round)[]
      | [map(select(.server == $k))[0], map(select(.server == $kinds[0]))[0]]
      | select(.[0] != null and .[1] != null) | (.[0] | field) / (.[1] | field)] | median;
  . as $runs
  | ["server", "round", "tokens", "reopened", "all open after s", "all current after s", "stale", "resent", "extra",
     "server CPU s", "CPU µs/reconnect", "loops s", "JIT s", "load avg", "clean"],
    ($runs[] | [.server, .round, .tokens, .reopened, .seconds_until_open, .seconds_until_current, .stale_at_end,
      .resent_needlessly, .extra_events, .server_cpu_seconds, .server_cpu_us_per_reconnect, f(loops), f(jit), .load_average,
      .clean]),
    ($kinds[] as $k | [$runs[] | select(.server == $k)] as $r
      | ["median " + $k, ($r | length), "", ([$r[].reopened] | median), ([$r[].seconds_until_open] | median),
         ([$r[].seconds_until_current] | median), ([$r[].stale_at_end] | add), ([$r[].resent_needlessly] | add),
         ([$r[].extra_events] | add), ([$r[].server_cpu_seconds] | median), ([$r[].server_cpu_us_per_reconnect] | median),
         f([$r[] | loops] | median), f([$r[] | jit] | median), ([$r[].load_average] | median), ([$r[].clean] | all)]),
    ($kinds[1:][] as $k
      | ["ratio " + $k + "/" + $kinds[0] + " (median of rounds)", "", "", "",
         f(ratio($runs; $k; .seconds_until_open)), f(ratio($runs; $k; .seconds_until_current)), "", "", "",
         f(ratio($runs; $k; .server_cpu_seconds)), f(ratio($runs; $k; .server_cpu_us_per_reconnect)), f(ratio($runs; $k; loops)),
         "", "", ""])
  | @tsv' < <(runs_json) | column -t -s $'\t'
exit "$status"
