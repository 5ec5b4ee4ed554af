#!/usr/bin/env bash
# Smoke test of deploy/: Redis, two gateway nodes and nginx, then HAProxy, on free loopback ports,
# with deploy/nginx/* and deploy/haproxy/haproxy.cfg templated only for addresses, ports and paths.
# Through each load balancer it proves, with an SSE client that reconnects like EventSource:
#  - a stream receives versions published on either node and through the LB, each within 1 s
#    (the LB buffers no frame);
#  - SIGTERM to the node holding the stream: the node drains and exits 0, the client lands on the
#    other node through the LB with Last-Event-ID and ends with the latest version, including one
#    published while it had no stream, and no version reaches it twice; no attempt fails (a
#    browser's EventSource gives up on a 502/503);
#  - HAProxy's /readyz check takes the draining node out of the pool;
#  - the admin endpoints are not reachable through the LB;
#  - the nodes run with keys (the secret file of pushgate.env, news.* public): a publish needs a
#    token with its grant (401 with WWW-Authenticate without one, 403 without the grant), so does a
#    private topic's stream (401, 403, else 200 and its version), a public topic's stream none;
#    every publish and stream above carries a token, and no token reaches any log.
# Needs: java 17, the built gateway/target/pushgate.jar, redis-server, nginx, haproxy, curl,
# python3. Bounded by SMOKE_TIMEOUT (default 110 s); every process it starts is stopped on exit.
# KEEP_WORK=1 keeps the temp dir (configs and logs) after a green run.
set -euo pipefail
export PATH=$PATH:/usr/sbin:/sbin   # nginx and haproxy live there
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
. "$ROOT/deploy/smoke/lib.sh"
begin smoke
watchdog "${SMOKE_TIMEOUT:-110}"
started=$(date +%s)
TOKEN_MARK="smoke-token-$RANDOM$RANDOM-never-logged"

for tool in java redis-server redis-cli nginx haproxy curl python3; do
  command -v "$tool" >/dev/null || fail "$tool is missing (.ci/run installs it)"
done
[ -f "$JAR" ] || fail "$JAR is missing: mvn -q -DskipTests package"

# A drain as in production, only shorter: /readyz is 503 at once, new connections are still taken
# for 3 s (the LB health check needs up to 2.5 s to notice), then the streams are closed with a
# retry: of 1-1.5 s.
NODE_FLAGS=(--drain-grace 3s --drain-timeout 5s --retry 1s --retry-jitter 500ms)
# Keys on: the nodes read the secret file that pushgate.env names (template_env makes one); news.*
# may be read without a token.
NODE_FLAGS+=(--public-topics 'news.*')

CLIENT_LOG=
# The first line of the client log for stream 0 of kind $1 (with id $2 if not empty) logged after
# time $3 (if given).
client_line() {
  awk -F'\t' -v kind="$1" -v id="$2" -v after="${3:-0}" \
    '$2 == kind && $3 == 0 && (id == "" || $4 == id) && $1 > after { print; exit }' "$CLIENT_LOG"
}

# await_client KIND ID SECONDS [AFTER]: the time of the matching line, or fail.
await_client() {
  local deadline line
  deadline=$(awk -v n="$(now)" -v s="$3" 'BEGIN { printf "%.3f", n + s }')
  while :; do
    line=$(client_line "$1" "$2" "${4:-0}")
    [ -n "$line" ] && { echo "${line%%$'\t'*}"; return 0; }
    less "$(now)" "$deadline" || return 1
    sleep 0.02
  done
}

# publish_and_expect NAME URL: publishes a version of $TOPIC at URL and checks that the stream gets
# it within 1 s. Prints nothing; appends the id to EXPECTED.
EXPECTED=()
publish_and_expect() {
  local t0 id at
  t0=$(now)
  id=$(publish "$2" "$TOPIC" "$1")
  [ -n "$id" ] || fail "no version from PUT $2"
  at=$(await_client event "$id" 1) || fail "version $id ($1) did not reach the stream within 1 s"
  EXPECTED+=("$id")
  LATENCIES+=("$(elapsed "$t0" "$at")")
  log "  $1: $id arrived after ${LATENCIES[-1]} s"
}

# A load balancer that holds frames back a little (HAProxy without `option http-no-delay` adds
# ~200 ms to each) stays under 1 s: the median of the live arrivals must be well below that too.
LATENCIES=()
check_median_latency() {
  local median
  median=$(printf '%s\n' "${LATENCIES[@]}" | sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }')
  less "$median" 0.15 || fail "$1: versions arrived after a median of $median s: the LB holds frames back"
  log "$1: median arrival $median s after the PUT"
}

holder_of_stream() {
  local a b
  a=$(connections a) b=$(connections b)
  if [ "$a" = 1 ] && [ "$b" = 0 ]; then echo a
  elif [ "$a" = 0 ] && [ "$b" = 1 ]; then echo b
  else fail "expected the one stream on one node; streams: a=$a b=$b"
  fi
}

# scenario LB LB_PORT: everything above, through one load balancer.
scenario() {
  local lb=$1 lb_url=http://127.0.0.1:$2
  TOPIC=smoke-$lb-$RANDOM
  CLIENT_LOG=$WORK/client-$lb.tsv
  EXPECTED=()
  LATENCIES=()
  : >"$CLIENT_LOG"
  # The token in the query string, as a browser's EventSource carries it.
  LOGFILE=$WORK/client-$lb.log spawn python3 "$CLIENT" run --url "$lb_url/topics/$TOPIC/events?access_token=$READ_TOKEN" \
    --log "$CLIENT_LOG"
  local client=$!
  await_client open "" 10 >/dev/null || fail "$lb: no stream opened through the LB"
  local holder other
  holder=$(holder_of_stream)
  if [ "$holder" = a ]; then other=b; else other=a; fi
  log "$lb: stream on node $holder"

  publish_and_expect "published on node a" "http://127.0.0.1:${NODE_PORT[a]}"
  publish_and_expect "published on node b" "http://127.0.0.1:${NODE_PORT[b]}"
  publish_and_expect "published through $lb" "$lb_url"

  log "$lb: SIGTERM to node $holder"
  kill -TERM "${NODE_PID[$holder]}"
  # Still on the draining node: arrives on the old connection, and must not come again later.
  publish_and_expect "published during the grace" "http://127.0.0.1:${NODE_PORT[$other]}"
  local ended
  ended=$(await_client end "" 10) || fail "$lb: the draining node did not close the stream"
  # The client now waits its retry: (1-1.5 s) and has no stream: publish into that gap.
  local t0 gap_id
  t0=$(now)
  gap_id=$(publish "http://127.0.0.1:${NODE_PORT[$other]}" "$TOPIC" "published during the switch")
  local opened
  opened=$(await_client open "" 10 "$ended") || fail "$lb: the client did not reconnect"
  less "$t0" "$opened" || fail "$lb: the client reconnected before the gap publish; retry: too short?"
  local at
  at=$(await_client event "$gap_id" 1) || fail "$lb: the version published during the switch did not arrive"
  EXPECTED+=("$gap_id")
  log "  stream closed $(elapsed "$ended" "$t0") s before the gap publish; reconnected $(elapsed "$ended" "$opened") s after the close; $gap_id arrived $(elapsed "$opened" "$at") s after the new head"
  await_exit "${NODE_PID[$holder]}" 10 || fail "node $holder did not exit within its drain"
  [ "$EXIT_STATUS" = 0 ] || fail "node $holder exited $EXIT_STATUS after SIGTERM, not 0"
  [ "$(connections "$other")" = 1 ] || fail "$lb: the stream is not on node $other: $(connections "$other")"
  log "$lb: node $holder drained and exited 0; the stream is on node $other"
  publish_and_expect "published after the switch" "$lb_url"

  local got want
  got=$(awk -F'\t' '$2 == "event" && $3 == 0 { print $4 }' "$CLIENT_LOG")
  want=$(printf '%s\n' "${EXPECTED[@]}")
  [ "$got" = "$want" ] || fail "$lb: the stream got versions
$got
expected each once, in order:
$want"
  if grep -q $'\tfail\t' "$CLIENT_LOG"; then
    fail "$lb: a connection attempt failed (EventSource would give up): $(grep $'\tfail\t' "$CLIENT_LOG")"
  fi
  [ "$(grep -c $'\topen\t' "$CLIENT_LOG")" = 2 ] || fail "$lb: expected exactly one reconnect"
  check_median_latency "$lb"

  local path status body
  for path in /metrics /healthz /readyz; do
    status=$(http_status "$lb_url$path")
    body=$(curl -s --max-time 5 "$lb_url$path" || true)
    [ "$status" = 404 ] || fail "$lb: $path answered $status through the LB"
    case $body in *pushgate_*|*ready*|*ok*) fail "$lb: $path leaks admin content: $body" ;; esac
  done
  log "$lb: /metrics, /healthz, /readyz through the LB: 404"

  # A token in the query string (how browsers' EventSource carries one) must reach no log line.
  curl -s -o /dev/null --max-time 5 "$lb_url/topics/$TOPIC?access_token=$TOKEN_MARK" || true
  curl -s -o /dev/null --max-time 1 "$lb_url/topics/$TOPIC/events?access_token=$TOKEN_MARK" || true

  stop_pid "$client"
  # Bring the drained node back on its ports, for the next load balancer.
  start_node "$holder" "${NODE_PORT[$holder]}" "${NODE_ADMIN[$holder]}"
}

# expect_answer WHAT STATUS CURL_ARGS...: the answer has STATUS; a 401 also names the scheme and
# the error (WWW-Authenticate: Bearer error="invalid_token").
expect_answer() {
  local what=$1 want=$2 head status
  shift 2
  head=$(curl -s -o /dev/null -D - --max-time 5 "$@" | tr -d '\r') || true
  status=$(sed -n '1s#^HTTP/[0-9.]* \([0-9]*\).*#\1#p' <<<"$head")
  [ "$status" = "$want" ] || fail "$what: ${status:-no answer}, expected $want"
  if [ "$want" = 401 ] && ! grep -qix 'www-authenticate: Bearer error="invalid_token"' <<<"$head"; then
    fail "$what: 401 without WWW-Authenticate: Bearer error=\"invalid_token\": $head"
  fi
}

# first_second URL FILE: the answer to GET URL, head and body, as far as it came within 1 s.
first_second() { curl -s -N -i --max-time 1 "$1" | tr -d '\r' >"$2" || true; }

# expect_stream WHAT FILE ID: FILE (from first_second) is 200 text/event-stream and holds the
# version ID.
expect_stream() {
  grep -q '^HTTP/[0-9.]* 200' "$2" && grep -qi '^content-type: text/event-stream' "$2" ||
    fail "$1: not 200 text/event-stream: $(head -c 300 "$2")"
  grep -qx "id: $3" "$2" || fail "$1: version $3 did not arrive within 1 s: $(head -c 500 "$2")"
}

# authorization LB LB_PORT: through the LB, a publish needs a token that grants it (401 without
# one, 403 with one that does not); a private topic's stream needs a token that grants it (401,
# 403, else 200 and its version); a public topic's stream needs none.
authorization() {
  local lb=$1 lb_url=http://127.0.0.1:$2 private=user.smoke.$1.inbox public=news.$1
  local private_id public_id
  expect_answer "$lb: PUT without a token" 401 -X PUT --data-binary x "$lb_url/topics/$private"
  expect_answer "$lb: PUT with a token without a publish grant" 403 -H "Authorization: Bearer $READ_TOKEN" \
    -X PUT --data-binary x "$lb_url/topics/$private"
  private_id=$(publish "$lb_url" "$private" "for the inbox's reader only")
  public_id=$(publish "$lb_url" "$public" "for anyone")
  [ -n "$private_id" ] && [ -n "$public_id" ] || fail "$lb: PUT with a publish grant gave no version"
  expect_answer "$lb: private stream without a token" 401 "$lb_url/topics/$private/events"
  expect_answer "$lb: private stream with a token without its grant" 403 "$lb_url/topics/$private/events?access_token=$STRANGER_TOKEN"
  # Both streams at once.
  first_second "$lb_url/topics/$private/events?access_token=$READ_TOKEN" "$WORK/auth-$lb-private.txt" &
  local private_stream=$!
  first_second "$lb_url/topics/$public/events" "$WORK/auth-$lb-public.txt" &
  wait "$private_stream" $!
  expect_stream "$lb: private stream with its grant" "$WORK/auth-$lb-private.txt" "$private_id"
  expect_stream "$lb: public stream without a token" "$WORK/auth-$lb-public.txt" "$public_id"
  log "$lb: PUT without a token 401, without the grant 403, with it 200; $private stream without a token 401, without the grant 403, with it 200 and $private_id; $public stream without a token 200 and $public_id"
}

# feed LB LB_PORT: through the LB, a feed's stream is routed as a stream (the stream location, not
# the REST one): two posts, then a stream from the first post's id gets the second (a replay) and a
# third posted while it is open, on one node or the other.
feed() {
  local lb=$1 lb_url=http://127.0.0.1:$2 name=news.wall.$1 first second third
  first=$(append "$lb_url" "$name" "one")
  second=$(append "$lb_url" "$name" "two")
  [ -n "$first" ] && [ -n "$second" ] || fail "$lb: POST /feeds/$name gave no id"
  # Straight to a file (a pipe through tr would hold the replay back until curl ends).
  curl -s -N -i --max-time 3 -H "Last-Event-ID: $first" -o "$WORK/feed-$lb.raw" "$lb_url/feeds/$name/events" &
  local stream=$!
  await_true 5 grep -qa "^id: $second" "$WORK/feed-$lb.raw" || fail "$lb: the feed's replay did not bring $second: $(head -c 500 "$WORK/feed-$lb.raw")"
  third=$(append "$lb_url" "$name" "three")
  wait "$stream" || true
  tr -d '\r' <"$WORK/feed-$lb.raw" >"$WORK/feed-$lb.txt"
  expect_stream "$lb: feed stream" "$WORK/feed-$lb.txt" "$third"
  [ "$(grep -c '^id: ' "$WORK/feed-$lb.txt")" = 2 ] || fail "$lb: the feed stream did not get exactly $second and $third: $(head -c 500 "$WORK/feed-$lb.txt")"
  log "$lb: feed $name replayed $second after $first, then $third live, through /feeds/{f}/events"
}

# Static checks: every PUSHGATE_ variable of the environment file is a flag of --help and the other
# way round; every key of the sysctl file exists in this kernel.
flags=$(java -jar "$JAR" --help | grep -o -- '--[a-z][a-z-]*=' | sed 's/^--//; s/=$//; s/-/_/g' |
  tr a-z A-Z | sed 's/^/PUSHGATE_/' | LC_ALL=C sort -u)
vars=$(grep -o 'PUSHGATE_[A-Z][A-Z_]*' "$ROOT/deploy/systemd/pushgate.env" | grep -vx PUSHGATE_LOG_LEVEL | LC_ALL=C sort -u)
[ "$flags" = "$vars" ] || fail "deploy/systemd/pushgate.env and --help differ: $(diff <(echo "$flags") <(echo "$vars") | grep '^[<>]' | tr '\n' ' ')"
for key in $(awk -F' *= *' '/^[a-z]/ { print $1 }' "$ROOT/deploy/sysctl/90-pushgate.conf"); do
  [ -e "/proc/sys/${key//.//}" ] || fail "deploy/sysctl/90-pushgate.conf: no kernel setting $key"
done
log "pushgate.env names every flag of --help; every sysctl key exists"

start_redis
# The nodes run with the example environment file (addresses and the secret file templated), so
# its values must parse. Every publish carries PUBLISH_TOKEN, every stream READ_TOKEN;
# STRANGER_TOKEN grants neither's topics.
template_env
mint_token PUBLISH_TOKEN --sub smoke-publisher --publish 'smoke-*' --publish 'user.*' --publish 'news.*' --ttl 600
mint_token READ_TOKEN --sub smoke-reader --subscribe 'smoke-*' --subscribe 'user.smoke.*' --ttl 600
mint_token STRANGER_TOKEN --sub smoke-stranger --subscribe 'user.other.*' --publish 'user.other.*' --ttl 600
start_node a
start_node b

port=$(free_port)
template_nginx "$port" a b
start_nginx "$port"
log "nginx on $port (nginx -t passed)"
scenario nginx "$port"
authorization nginx "$port"
feed nginx "$port"
stop_pid "$NGINX_PID"

port=$(free_port)
template_haproxy "$port" a b
start_haproxy "$port"
log "haproxy on $port (haproxy -c passed)"
scenario haproxy "$port"
authorization haproxy "$port"
feed haproxy "$port"
grep -Eq 'pushgate_streams/pushgate-[12] is DOWN.*(Layer7 wrong status, code: 503|draining)' "$WORK/haproxy.log" ||
  fail "haproxy: no /readyz check took the draining node out: $(grep -i down "$WORK/haproxy.log" || true)"
log "haproxy: the /readyz check marked the draining node DOWN: $(grep -o 'pushgate_streams/pushgate-[12] is DOWN, reason: [^,]*, code: [0-9]*' "$WORK/haproxy.log" | head -1)"
stop_pid "$HAPROXY_PID"

# No node takes a stream (both gone, as after crashes): HAProxy answers the way a browser's
# EventSource survives, 200 text/event-stream with a retry:; a PUT still gets its 503.
NODE_PORT[gone1]=$(free_port); NODE_ADMIN[gone1]=$(free_port)
NODE_PORT[gone2]=$(free_port); NODE_ADMIN[gone2]=$(free_port)
port=$(free_port)
template_haproxy "$port" gone1 gone2
start_haproxy "$port"
# Its retry: is drawn per answer from 1000-3000 ms: 20 answers must show more than one value.
retries=()
for _ in $(seq 20); do
  answer=$(curl -s -i --max-time 10 "http://127.0.0.1:$port/topics/$TOPIC/events" | tr -d '\r')
  { grep -q '^HTTP/1.1 200' <<<"$answer" && grep -qi '^content-type: text/event-stream' <<<"$answer" &&
    grep -Eq '^retry: [0-9]+$' <<<"$answer"; } ||
    fail "haproxy without nodes: a stream got no 200 text/event-stream with a retry: $answer"
  retry=$(sed -n 's/^retry: //p' <<<"$answer")
  [ "$retry" -ge 1000 ] && [ "$retry" -le 3000 ] || fail "haproxy without nodes: retry: $retry is not within 1000-3000 ms"
  retries+=("$retry")
done
distinct=$(printf '%s\n' "${retries[@]}" | sort -u | wc -l)
[ "$distinct" -gt 1 ] || fail "haproxy without nodes: 20 answers all said retry: ${retries[0]} (no jitter)"
put=$(curl -s -o /dev/null -w '%{http_code}' --max-time 10 -X PUT --data x "http://127.0.0.1:$port/topics/$TOPIC")
[ "$put" = 503 ] || fail "haproxy without nodes: a PUT got $put, not 503"
log "haproxy without nodes: a stream gets 200 text/event-stream with a jittered retry: ($distinct values in 20 answers: ${retries[*]}), a PUT 503"
stop_pid "$HAPROXY_PID"

for token in "$TOKEN_MARK" "${TOKENS[@]}"; do
  if grep -rlF -- "$token" "$WORK" >/dev/null 2>&1; then
    fail "a token reached a log: $(grep -rlF -- "$token" "$WORK" | tr '\n' ' ')"
  fi
done
log "no log line of nginx, HAProxy or the nodes holds a token (${#TOKENS[@]} minted, 1 made up)"

log "smoke test passed in $(($(date +%s) - started)) s"
