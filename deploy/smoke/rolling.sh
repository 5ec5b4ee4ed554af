#!/usr/bin/env bash
# Rolling restart under load: Redis, two gateway nodes and one load balancer (nginx or HAProxy,
# from deploy/'s configs), N streams through the LB from one client process, a publisher putting
# a new version through the LB every 100 ms. Then node a is drained (SIGTERM) and restarted, and
# node b after it. At the end every stream must hold its topic's latest version, with no version
# delivered twice and no failed connection attempt; the report shows how long the reconnects took
# and how they spread (the drain's batches and the jittered retry:).
#
#   deploy/smoke/rolling.sh [--lb nginx|haproxy] [--streams 1000] [--topics 10]
#                           [--node-flags "--drain-timeout 30s --retry 1s --retry-jitter 2s"]
#
# The nodes run with deploy/systemd/pushgate.env (drain grace 3 s, drain timeout 30 s, retry: 1 s
# plus up to 2 s of jitter, a secret file) unless --node-flags overrides; the publisher and the
# streams carry tokens. Not part of CI: about 2 minutes.
# Bounded by ROLLING_TIMEOUT (default 300 s); every process it starts is stopped on exit.
set -euo pipefail
export PATH=$PATH:/usr/sbin:/sbin
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
. "$ROOT/deploy/smoke/lib.sh"
begin rolling

lb=nginx streams=1000 topics=10 node_flags=
while [ $# -gt 0 ]; do
  case $1 in
    --lb) lb=$2; shift 2 ;;
    --streams) streams=$2; shift 2 ;;
    --topics) topics=$2; shift 2 ;;
    --node-flags) node_flags=$2; shift 2 ;;
    *) echo "usage: $0 [--lb nginx|haproxy] [--streams N] [--topics K] [--node-flags FLAGS]" >&2; exit 2 ;;
  esac
done
watchdog "${ROLLING_TIMEOUT:-300}"
read -r -a NODE_FLAGS <<<"$node_flags"
[ -f "$JAR" ] || fail "$JAR is missing: mvn -q -DskipTests package"

MARKS=$WORK/marks.tsv
mark() { printf '%s\t%s\n' "$(now)" "$1" >>"$MARKS"; log "mark: $1"; }
where() { log "streams: node a $(connections a), node b $(connections b)"; }

start_redis
template_env
mint_token PUBLISH_TOKEN --sub rolling-publisher --publish 'roll*' --ttl 1800
mint_token READ_TOKEN --sub rolling-reader --subscribe 'roll*' --ttl 1800
start_node a
start_node b
port=$(free_port)
lb_url=http://127.0.0.1:$port
case $lb in
  nginx) template_nginx "$port" a b; start_nginx "$port" ;;
  haproxy) template_haproxy "$port" a b; start_haproxy "$port" ;;
  *) fail "--lb nginx or haproxy" ;;
esac
log "$lb on $port; node flags: ${NODE_FLAGS[*]:-(pushgate.env)}"

# Every topic has a version before the streams open.
for ((n = 0; n < topics; n++)); do publish "$lb_url" "roll$n" "start" >/dev/null; done

CLIENT_LOG=$WORK/client.tsv
: >"$CLIENT_LOG"
LOGFILE=$WORK/client.log spawn python3 "$CLIENT" run --url "$lb_url/topics/roll{n}/events?access_token=$READ_TOKEN" \
  --streams "$streams" --topics "$topics" --log "$CLIENT_LOG"
deadline=$(($(date +%s) + 60))
until [ "$(awk -F'\t' '$2 == "open" { s[$3] } END { print length(s) }' "$CLIENT_LOG")" = "$streams" ]; do
  [ "$(date +%s)" -lt "$deadline" ] || fail "not all $streams streams opened"
  sleep 0.2
done
where

# The publisher: a new version of a random topic through the LB every 100 ms; failures counted.
(
  i=0
  while :; do
    i=$((i + 1))
    status=$(http_status -H "Authorization: Bearer $PUBLISH_TOKEN" -X PUT --data-binary "update $i" \
      "$lb_url/topics/roll$((RANDOM % topics))")
    printf '%s\t%s\n' "$(now)" "$status"
    sleep 0.1
  done
) >"$WORK/publisher.tsv" &
PIDS+=("$!")
publisher=$!
sleep 2

for node in a b; do
  mark "drain $node"
  kill -TERM "${NODE_PID[$node]}"
  await_exit "${NODE_PID[$node]}" 60 || fail "node $node did not exit"
  [ "$EXIT_STATUS" = 0 ] || fail "node $node exited $EXIT_STATUS"
  log "node $node drained and exited 0"
  where_after=$(connections "$([ $node = a ] && echo b || echo a)")
  log "the other node holds $where_after streams"
  start_node "$node" "${NODE_PORT[$node]}" "${NODE_ADMIN[$node]}"
  # nginx keeps a node it could not reach out of the pool for fail_timeout (5 s).
  sleep 6
done
mark "end"
stop_pid "$publisher"

# The last word: one more version per topic, which every stream must end with.
finals=()
for ((n = 0; n < topics; n++)); do finals+=("$(publish "$lb_url" "roll$n" "final")"); done
expect=$(IFS=,; echo "${finals[*]}")
deadline=$(($(date +%s) + 20))
until python3 "$CLIENT" report --log "$CLIENT_LOG" --expect-last "$expect" >/dev/null 2>&1; do
  [ "$(date +%s)" -lt "$deadline" ] || break
  sleep 0.5
done
where
published=$(wc -l <"$WORK/publisher.tsv")
failed_puts=$(awk -F'\t' '$2 != 200' "$WORK/publisher.tsv" | wc -l)
log "publisher: $published PUTs through $lb during the restarts, $failed_puts not 200"

echo
echo "rolling restart of 2 nodes behind $lb, $streams streams on $topics topics, node flags: ${NODE_FLAGS[*]:-(pushgate.env)}"
python3 "$CLIENT" report --log "$CLIENT_LOG" --marks "$MARKS" --expect-last "$expect" --bucket 0.25 --spread-bucket 2 ||
  fail "not every stream ended with the latest version, or a version came twice, or an attempt failed"
[ "$failed_puts" = 0 ] || fail "$failed_puts PUTs through $lb failed during the restarts"
