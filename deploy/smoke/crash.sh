#!/usr/bin/env bash
# Crash of a node behind nginx (issue 13): Redis, nodes a and b with the DEFAULT settings (no
# flag but addresses and ports), nginx from deploy/nginx. N EventSource-like streams (and P real
# Chromium pages) are opened through nginx while only a is up, so all land on a; then b starts and
# S more streams land on b (nginx's least_conn). SIGKILL to a; a version of every topic is
# published right after the kill (V1, through Redis; one PUT through nginx is timed beside it), and
# once b holds every stream, another (V2).
# It reports the time from the kill until every stream a dropped was connected again and until
# every stream held V1, the survivor's refusals by reason (pushgate_stream_refusals_total), and
# fails unless every client ends connected on V2: none closed for good (a browser's EventSource
# never returns from a non-200 answer; the pages' readyState must end OPEN), none stale.
#
#   deploy/smoke/crash.sh [--streams N] [--survivor-streams S] [--topics T] [--pages P]
#                         [--client python|java] [--ticker-rate R] [--node-flags "..."] [--json FILE]
#
# --client python: deploy/smoke/sse_client.py (CI: 200 streams); java: pushgate-load eventsource
# (bench/target/pushgate-load.jar; thousands of streams, one process per group of clients). Both
# open their streams at 1,000 and 500 per second: a fresh node on a shared machine took no more
# (2,000/s overflowed a's accept queue, and nginx answered 504 after its connect timeouts).
# --ticker-rate R publishes R timestamped versions per second to the topics on b from the start
# (a latency probe of b's existing streams; with --client java the survivors' per-second p99 is
# reported). Node JVM options: NODE_JAVA_OPTS (lib.sh's small heap unless set).
# Bounded by CRASH_TIMEOUT (default 120 s); every process it starts is stopped on exit.
set -euo pipefail
export PATH=$PATH:/usr/sbin:/sbin
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
. "$ROOT/deploy/smoke/lib.sh"
begin crash

streams=200 survivors=0 topics=10 pages=2 client=python ticker=0 node_flags= json=
while [ $# -gt 0 ]; do
  case $1 in
    --streams) streams=$2; shift 2 ;;
    --survivor-streams) survivors=$2; shift 2 ;;
    --topics) topics=$2; shift 2 ;;
    --pages) pages=$2; shift 2 ;;
    --client) client=$2; shift 2 ;;
    --ticker-rate) ticker=$2; shift 2 ;;
    --node-flags) node_flags=$2; shift 2 ;;
    --json) json=$2; shift 2 ;;
    *) echo "usage: $0 [--streams N] [--survivor-streams S] [--topics T] [--pages P] [--client python|java]" \
         "[--ticker-rate R] [--node-flags FLAGS] [--json FILE]" >&2; exit 2 ;;
  esac
done
watchdog "${CRASH_TIMEOUT:-120}"
read -r -a NODE_FLAGS <<<"$node_flags"
started=$(date +%s)
# The report maps stream i to topic i % T: the survivors' indices start at N, the pages' (all on
# topic 0) are 10^6 + k T.
PAGE_INDEX=1000000
[ $((streams % topics)) = 0 ] && [ $((PAGE_INDEX % topics)) = 0 ] || fail "--topics must divide --streams and 10^6"
[ -f "$JAR" ] || fail "$JAR is missing: mvn -q -DskipTests package"
LOAD_CP=${PUSHGATE_LOAD_CP:-$ROOT/bench/target/pushgate-load.jar}
case $client in
  python) ;;
  java) [ -f "${LOAD_CP%%:*}" ] || [ -d "${LOAD_CP%%:*}" ] || fail "$LOAD_CP is missing: mvn -q -DskipTests package" ;;
  *) fail "--client python or java" ;;
esac
if [ "$pages" -gt 0 ]; then
  for tool in /usr/bin/chromium /usr/bin/chromedriver; do [ -x "$tool" ] || fail "$tool is missing (.ci/run installs it)"; done
fi

# clients GROUP COUNT FIRST_INDEX: COUNT streams through nginx, logged in $WORK/GROUP.tsv.
clients() {
  local group=$1 count=$2 first=$3
  [ "$count" -gt 0 ] || return 0
  case $client in
    python)
      LOGFILE=$WORK/$group.log spawn python3 "$CLIENT" run --url "$lb/topics/crash{n}/events" --streams "$count" \
        --topics "$topics" --log "$WORK/$group.tsv" ;;
    java)
      [ "$first" = 0 ] || [ $((first % topics)) = 0 ] || fail "the first index of $group must be a multiple of --topics"
      LOGFILE=$WORK/$group.log spawn java -Xmx512m -XX:+UseParallelGC -cp "$LOAD_CP" io.pushgate.bench.load.PushgateLoad \
        eventsource --url "$lb/topics/crash{n}/events" --streams "$count" --topics "$topics" --first-index "$first" \
        --log "$WORK/$group.tsv" --latency-log "$WORK/$group-latency.tsv" --duration 10m --open-rate 500 ;;
  esac
  LOGS+=("$WORK/$group.tsv")
}

# await_connections NODE COUNT SECONDS: until the node holds COUNT streams.
await_connections() {
  local deadline=$(($(date +%s) + $3))
  until [ "$(connections "$1")" = "$2" ]; do
    [ "$(date +%s)" -lt "$deadline" ] || return 1
    sleep 0.2
  done
}

cpu_ticks() { awk '{ print $14 + $15 }' "/proc/$1/stat"; }

# One version of every topic, through Redis (FCALL pushgate_publish, as any program may publish):
# its time does not depend on a node that is busy with the storm. Prints the ids
# (<version>-<epoch>), comma-separated, topic by topic.
publish_all() {
  local n
  for ((n = 0; n < topics; n++)); do
    printf 'FCALL pushgate_publish 1 pushgate:{crash%d} "%s"\n' "$n" "$1"
  done | redis-cli -h 127.0.0.1 -p "$REDIS_PORT" --raw |
    awk -v want="$topics" 'NR % 3 == 1 { epoch = $0 } NR % 3 == 2 { ids = ids sep $0 "-" epoch; sep = "," }
      END { if (NR != 3 * want) exit 1; print ids }' || fail "FCALL pushgate_publish of \"$1\" failed"
}

LOGS=()
start_redis
# b's ports are chosen now, for nginx's config; b starts once every stream of a is open.
NODE_PORT[b]=$(free_port)
NODE_ADMIN[b]=$(free_port)
start_node a
port=$(free_port)
lb=http://127.0.0.1:$port
template_nginx "$port" a b
start_nginx "$port"
publish_all "before the crash" >/dev/null
log "nginx on $port; node b (ports ${NODE_PORT[b]}, ${NODE_ADMIN[b]}) not started yet: every stream goes to a"

clients victims "$streams" 0
if [ "$pages" -gt 0 ]; then
  LOGFILE=$WORK/pages.log spawn python3 "$ROOT/deploy/smoke/browser_pages.py" run --url "$lb" --topic crash0 \
    --pages "$pages" --log "$WORK/pages.tsv" --first-index "$PAGE_INDEX" --index-step "$topics"
  LOGS+=("$WORK/pages.tsv")
fi
await_connections a $((streams + pages)) 90 || fail "node a holds $(connections a) streams, not $((streams + pages))"
start_node b "${NODE_PORT[b]}" "${NODE_ADMIN[b]}"
clients survivors "$survivors" "$streams"
await_connections b "$survivors" 90 || fail "node b holds $(connections b) streams, not $survivors"
log "node a holds $(connections a) streams ($pages of them Chromium pages), node b $(connections b)"
if [ "$ticker" != 0 ]; then
  LOGFILE=$WORK/ticker.log spawn python3 "$CLIENT" tick --url "http://127.0.0.1:${NODE_PORT[b]}" --topic 'crash{n}' \
    --topics "$topics" --rate "$ticker"
  ticker_pid=$!
  sleep 5   # the survivors' latency before the crash
fi

total=$((streams + survivors + pages))
cpu_before=$(cpu_ticks "${NODE_PID[b]}")
kill_at=$(now)
kill -KILL "${NODE_PID[a]}"
log "SIGKILL to node a"
current=$(publish_all "right after the crash")
published_in=$(elapsed "$kill_at" "$(now)")
log "published a version of each of the $topics topics through Redis in the $published_in s after the kill (${current%%,*}, ...)"
# What an application publishing through nginx sees meanwhile: one PUT, its status and time (not
# judged: a 502 here is nginx's REST upstream, which had marked b failed while b was not started).
put=$(curl -s -o /dev/null -w '%{http_code} %{time_total}' --max-time 10 -X PUT --data-binary "right after the crash" \
  "$lb/topics/crash-probe" || true)
put_status=${put% *} put_in=${put#* }
log "a PUT through nginx right after the kill: $put_status after $put_in s"
await_connections b "$total" 60 || log "node b holds $(connections b) of $total streams 60 s after the kill"
log "node b holds all $total streams"
sleep 2
cpu_after=$(cpu_ticks "${NODE_PID[b]}")
if [ "$ticker" != 0 ]; then stop_pid "$ticker_pid"; fi
last=$(publish_all "later")
sleep 3
# The pages report every 100 ms; everything has arrived once the last ids are in.
refusals=$(curl -sf --max-time 5 "http://127.0.0.1:${NODE_ADMIN[b]}/metrics" |
  sed -n 's/^pushgate_stream_refusals_total{.*reason="\([a-z_]*\)".*} \([0-9.e+]*\)$/\1=\2/p' | awk -F= '{ printf "%s%s=%d", sep, $1, $2; sep = " " }')
# Streams that no node took, answered by nginx's @stream_retry (200, no response head from a node).
lb_retries=$(awk '$7 == 200 && $NF !~ /[0-9]/' "$WORK/nginx/logs/pushgate-streams.log" | wc -l)
cpu=$(awk -v a="$cpu_before" -v b="$cpu_after" -v hz="$(getconf CLK_TCK)" 'BEGIN { printf "%.2f", (b - a) / hz }')

log_args=()
for f in "${LOGS[@]}"; do log_args+=(--log "$f"); done
echo
echo "crash of node a behind nginx: $streams streams and $pages Chromium pages on a (the crashed node), $survivors on b," \
  "$topics topics, client $client, node flags: ${NODE_FLAGS[*]:-(defaults)}; load average $(cut -d' ' -f1-3 /proc/loadavg)"
echo "survivor b: refusals ${refusals:-none}; nginx's retry answers (no node took the stream) $lb_retries; CPU from the kill to 2 s after it held every stream: $cpu s"
latency=
if [ "$client" = java ] && [ "$ticker" != 0 ] && [ -s "$WORK/survivors-latency.tsv" ]; then
  # Per-second p99 of b's existing streams: the median before the kill, the worst after it.
  latency=$(awk -F'\t' -v k="$kill_at" '$1 < k { before[++n] = $4 } $1 >= k && $4 > worst { worst = $4 }
    END { asort(before); printf "%.1f %.1f", before[int((n + 1) / 2)], worst }' "$WORK/survivors-latency.tsv")
  echo "existing streams on b, p99 per second: ${latency% *} ms before the kill (median), worst after it ${latency#* } ms"
fi
result=0
extras=(--extra "refusals=$refusals" --extra "lb_retries=$lb_retries" --extra "survivor_cpu_s=$cpu" --extra "published_in_s=$published_in" --extra "put_s=$put_in" --extra "put_status=$put_status"
  --extra "p99_before_ms=${latency% *}" --extra "p99_worst_after_ms=${latency#* }" --extra "load=$(cut -d' ' -f1 /proc/loadavg)")
python3 "$CLIENT" crash "${log_args[@]}" --kill "$kill_at" --current "$current" --expect-last "$last" \
  ${json:+--json "$json"} "${extras[@]}" || result=1
for ((i = 0; i < pages; i++)); do
  # A page's EventSource: readyState OPEN at the end, the last text the later version's.
  awk -F'\t' -v i="$i" -v p=$((PAGE_INDEX + i * topics)) '$3 == p && $2 == "state" { s = $4 } $3 == p && $2 == "event" { d = $5 }
    END { printf "  Chromium page %d: readyState %s (1 = OPEN), last text \"%s\"\n", i, s, d; exit !(s == 1 && d == "later") }' \
    "$WORK/pages.tsv" || result=1
done
[ "$result" = 0 ] || fail "a client was left closed, disconnected or stale (logs in $WORK)"
log "crash test passed in $(($(date +%s) - started)) s"
