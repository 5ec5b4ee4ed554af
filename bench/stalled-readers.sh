#!/usr/bin/env bash
# Issue 13, item 4: what stalled readers cost the streams that read. Cases, alternating round by
# round (each a fresh gateway, run by fanout-compare.sh, and one pushgate-load fanout):
#   a      N reading streams alone                          (--send-buffer 64KiB, the default)
#   b      N reading + S stalled streams                    (--send-buffer 64KiB)
#   c      as b with --send-buffer 0                        (the kernel's auto-tuning, as before)
#   o      as b, but the S streams read (--stalled-read)    (a control: what opening S streams at
#          once costs the N, without the stall); only when asked for with --cases
#   old    as b on the gateway before the change (GATEWAY_BASE_JAR: auto-tuning and a graceful close
#          of a slow consumer); only when GATEWAY_BASE_JAR is set
# Every gateway runs with --slow-consumer-timeout 5s (so the window holds the stalled streams'
# close); the stalled streams open just before the measured window. Each case's gateway serves
# --runs-per-node load runs one after the other (default 2; fanout-compare.sh --same-server): in
# run 1 the node meets its first stalled reader ("first"), in run 2 one that has met them before
# ("again", the JIT has compiled the slow-consumer paths; a's second run is its warm twin). Prints
# one line per run and the medians, and the ratios of the reading streams' p99 to a's of the same
# round and run (per round, then the median).
# Recorded in bench/RESULTS.md, "Stalled readers (issue 13)".
#
# Usage (after `mvn -q -DskipTests package`):
#   bench/stalled-readers.sh [--rounds 3] [--cases a,b,c] [--runs-per-node 2] [--out DIR] [-- <pushgate-load fanout flag> <value> …]
# Load flags (each with a value) after -- replace these defaults or are added: --streams 500
# --stalled 500 (b, c, old) --topics 10 --rate 50 --text-size 64KiB --warmup 20s --duration 20s;
# --socket-memory is always on.
set -euo pipefail
[ -z "${GATEWAY_BASE_JAR:-}" ] || GATEWAY_BASE_JAR=$(realpath -m -- "$GATEWAY_BASE_JAR")
cd "$(dirname "$0")/.."

rounds=3
runs=2
out=""
cases=()
while [ $# -gt 0 ]; do
  case "$1" in
    --rounds) rounds="$2"; shift 2 ;;
    --out) out="$2"; shift 2 ;;
    --runs-per-node) runs="$2"; shift 2 ;;
    --cases) IFS=, read -ra cases <<<"$2"; shift 2 ;;
    --) shift; break ;;
    *) echo "stalled-readers: unknown flag $1 (load flags go after --)" >&2; exit 2 ;;
  esac
done
out=${out:-$(mktemp -d)}
mkdir -p "$out"
declare -A flags=([--streams]=500 [--stalled]=500 [--topics]=10 [--rate]=50 [--text-size]=64KiB [--warmup]=20s
  [--duration]=20s)
while [ $# -gt 0 ]; do
  [ $# -ge 2 ] || { echo "stalled-readers: load flag $1 has no value" >&2; exit 2; }
  flags[$1]=$2
  shift 2
done
load=(--socket-memory)
for f in "${!flags[@]}"; do
  [ "$f" = --stalled ] || load+=("$f" "${flags[$f]}")
done
if [ ${#cases[@]} -eq 0 ]; then
  cases=(a b c)
  [ -z "${GATEWAY_BASE_JAR:-}" ] || cases+=(old)
fi

status=0
for round in $(seq "$rounds"); do
  for c in "${cases[@]}"; do
    server=epoll args="--slow-consumer-timeout 5s --send-buffer 64KiB" stalled=(--stalled "${flags[--stalled]}")
    case "$c" in
      a) stalled=() ;;
      c) args="--slow-consumer-timeout 5s --send-buffer 0" ;;
      o) stalled+=(--stalled-read) ;;
      old) server=base-epoll args="--slow-consumer-timeout 5s" ;;
    esac
    echo "stalled-readers: round $round, case $c ($(cut -d' ' -f1-3 /proc/loadavg) load average)" >&2
    same=()
    [ "$runs" -le 1 ] || same=(--same-server)
    GATEWAY_ARGS="$args" bench/fanout-compare.sh --servers "$server" --rounds "$runs" "${same[@]}" --out "$out/$c-$round" \
      -- "${stalled[@]}" "${load[@]}" >"$out/$c-$round.table" || status=$?
    for run in $(seq "$runs"); do
      jq --arg c "$c" --argjson r "$round" --argjson run "$run" \
        '. + {case: $c, round: $r, run: $run, load_after: (.load_average // null | tostring)}' \
        "$out/$c-$round/$server-$run.json" >"$out/$c-$round-$run.json"
    done
  done
done

jq -rs '
  def median: map(select(. != null)) | sort | if length == 0 then null else .[(length - 1) / 2 | floor] end;
  def ms: if . == null or . < 0 then "-" else (. / 1000 | . * 10 | round / 10 | tostring) end;
  def mib: if . == null then "-" else (. / 1048576 | . * 10 | round / 10 | tostring) end;
  def kib: if . == null then "-" else (. / 1024 | round | tostring) end;
  def row: [.latency_p50_us, .latency_p99_us, .latency_max_us, .latency_while_stalled_p99_us,
            .latency_while_stalled_max_us, .latency_after_stalled_p99_us];
  map(.case = "\(.case)/\(.run // 1)") as $runs
  | ["case/run", "round", "load", "deliveries/s", "p50 ms", "p99 ms", "max ms", "p99 while stalled", "max while stalled",
     "p99 after", "lost", "dup", "ooo", "closed (reading)", "stalled open/closed", "all closed s",
     "stalled send-Q MiB", "per stalled KiB", "wmem per stalled KiB", "sndbuf KiB", "freed ms"],
    ($runs[] | [.case, .round, .load_after, (.deliveries_per_second | round)] + (row | map(ms))
      + [.lost, .duplicated, .out_of_order, .closed_by_server,
         "\(.stalled_opened // 0)/\(.stalled_closed_by_server // 0)", (.stalled_all_closed_ms | ms),
         (.stalled_peak_send_queue_bytes | mib), (.stalled_send_queue_per_socket_bytes | kib),
         (.stalled_write_memory_per_socket_bytes | kib), (.stalled_send_buffer_per_socket_bytes | kib),
         (.stalled_freed_after_ms // "-" | tostring)]),
    ($runs | group_by(.case)[] as $r | $r[0].case as $c
      | ["median " + $c, ($r | length), "", ([$r[].deliveries_per_second] | median | round)]
        + ([range(0; 6) as $i | [$r[] | row[$i]] | median | ms])
        + [([$r[].lost] | add), ([$r[].duplicated] | add), ([$r[].out_of_order] | add), ([$r[].closed_by_server] | add),
           "", ([$r[].stalled_all_closed_ms] | median | ms), ([$r[].stalled_peak_send_queue_bytes] | median | mib),
           ([$r[].stalled_send_queue_per_socket_bytes] | median | kib),
           ([$r[].stalled_write_memory_per_socket_bytes] | median | kib),
           ([$r[].stalled_send_buffer_per_socket_bytes] | median | kib), ([$r[].stalled_freed_after_ms] | median // "-" | tostring)]),
    ($runs | map(.case) | unique | map(select(startswith("a/") | not))[] as $c
      | ("a/" + ($c | split("/")[1])) as $a
      | [$runs | group_by(.round)[] | [map(select(.case == $c))[0], map(select(.case == $a))[0]]
          | select(.[0] != null and .[1] != null) | .[0].latency_p99_us / .[1].latency_p99_us] as $whole
      | [$runs | group_by(.round)[] | [map(select(.case == $c))[0], map(select(.case == $a))[0]]
          | select(.[0] != null and .[1] != null and .[0].latency_while_stalled_p99_us != null)
          | .[0].latency_while_stalled_p99_us / .[1].latency_p99_us] as $while
      | ["ratio p99 " + $c + " to " + $a + ": window " + ($whole | median | . * 100 | round / 100 | tostring)
         + " (" + ($whole | map(. * 100 | round / 100 | tostring) | join(", ")) + "), while stalled "
         + ($while | median | . * 100 | round / 100 | tostring)
         + " (" + ($while | map(. * 100 | round / 100 | tostring) | join(", ")) + ")"])
  | @tsv' "$out"/*-*-*.json | column -t -s $'\t'
echo "stalled-readers: runs in $out" >&2
exit "$status"
