#!/usr/bin/env bash
# Idle CPU of N idle streams against several servers, one after the other, in one command: the
# heartbeat floor (bench/heartbeat-floor.c, built here into bench/target/heartbeat-floor: one write()
# per heartbeat and nothing else) and pushgate, before and after a change. Each server runs in its
# own process, the load generator (`pushgate-load idle --cpu-only`) in another; rounds alternate the
# servers. The CPU window starts --settle after the last stream opened (the opening's JIT and
# collections are over) and should hold whole heartbeat intervals: the streams all open within a
# second, so their heartbeats come in one burst per interval. Prints each run, then per server the
# medians of: % of one core (whole process), the event loops' ms, heartbeats received (bytes / 8,
# the heartbeat chunk's size) and µs of CPU per heartbeat (event loops for pushgate, the whole
# process for the floor); with a redis kind, also the private redis-server's % of a core over the
# hold. Recorded in bench/RESULTS.md, "Idle CPU at 15,000 streams (issue 16)".
#
# Usage (after `mvn -q -DskipTests package`):
#   bench/idle-compare.sh [--servers heartbeat-floor,base-auto-jdk,auto-jdk] [--rounds 3] [--out DIR] -- <pushgate-load idle flags>
#   e.g. HEARTBEAT_FLOOR_SECONDS=40 GATEWAY_BASE_JAR=/tmp/before/pushgate.jar \
#     nice -n -15 bench/idle-compare.sh --rounds 3 -- --streams 15000 --warmup 15000 --topics 100 --settle 45s --hold 120s
# Server kinds as bench/compare-runs.sh says; "auto-jdk" is what README's command runs (no JVM flags,
# the node's own transport), "base-" runs GATEWAY_BASE_JAR. Bounded: each load run is killed after
# LOAD_TIMEOUT (default 5 minutes; --settle + --hold + the opening must fit), each server stopped after it.
set -euo pipefail
[ -z "${GATEWAY_BASE_JAR:-}" ] || GATEWAY_BASE_JAR=$(realpath -m -- "$GATEWAY_BASE_JAR")
cd "$(dirname "$0")/.."

tool=idle-compare
# shellcheck source=bench/compare-runs.sh
. bench/compare-runs.sh
compare_setup heartbeat-floor,base-auto-jdk,auto-jdk "$@"
if [[ ",$servers," == *",heartbeat-floor,"* ]]; then
  # Built here, never committed.
  gcc -O2 -o bench/target/heartbeat-floor bench/heartbeat-floor.c
fi
load_args+=(--cpu-only)
run_rounds idle

runs_json | jq -rs --argjson kinds "$(printf '%s\n' "${kinds[@]}" | jq -R . | jq -s .)" '
  def median: sort | if length == 0 then null else .[(length - 1) / 2 | floor] end;
  def loops: if .server == "heartbeat-floor" then ([.server_cpu_ms_by_thread[]] | add)
             else ([.server_cpu_ms_by_thread | to_entries[] | select(.key | test("IoEv|EventLoop|epoll|uring|nio|^pushgate-(loop|accept)"; "i")) | .value] | add // 0) end;
  def beats: .bytes_received_during_hold / 8;
  def row: {server, round, streams: .streams_open, lost: .lost_during_hold, hold: .hold_seconds,
            cpu: .idle_cpu_percent_of_one_core, broker: .broker_idle_cpu_percent_of_one_core, loops_ms: loops, heartbeats: beats,
            us_per_heartbeat: (if beats > 0 then loops * 1000 / beats else null end),
            load: .load_average, threads: .server_cpu_ms_by_thread};
  (map(row) | sort_by(.round) | .[] | "run: \(.server) round \(.round): \(.streams) streams (\(.lost) lost), \(.cpu) % of a core over \(.hold) s\(if .broker then " (+ redis-server \(.broker) %)" else "" end), loops \(.loops_ms) ms, \(.heartbeats) heartbeats, \(.us_per_heartbeat) us each, load \(.load); threads \(.threads)"),
  (map(row) | group_by(.server) | map({server: .[0].server, runs: length,
      cpu: (map(.cpu) | median), broker: (map(.broker) | map(select(. != null)) | median), loops_ms: (map(.loops_ms) | median), heartbeats: (map(.heartbeats) | median),
      us_per_heartbeat: (map(.us_per_heartbeat) | map(select(. != null)) | median)}) as $m
   | ($kinds | map(. as $k | $m[] | select(.server == $k))) as $ordered
   | ($ordered[0]) as $first
   | $ordered[] | "median: \(.server) (\(.runs) runs): \(.cpu) % of a core\(if .broker then " (+ redis-server \(.broker) %)" else "" end), loops \(.loops_ms) ms, \(.heartbeats) heartbeats, \(.us_per_heartbeat) us per heartbeat (\(if $first.us_per_heartbeat then (.us_per_heartbeat / $first.us_per_heartbeat * 100 | round / 100) else null end)x \($first.server))")
' | tee "$out/summary.txt"
exit "$status"
