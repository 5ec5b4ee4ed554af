# Shared by deploy/smoke/run.sh and rolling.sh (sourced, not run): process bookkeeping with
# cleanup on any exit, free loopback ports, Redis, gateway nodes and the two load balancers
# started from deploy/'s own config files, templated only for addresses, ports and paths.
# Expects ROOT (the repository) to be set; a script calls begin NAME first.

JAR=${PUSHGATE_JAR:-$ROOT/gateway/target/pushgate.jar}
LAUNCHER=$(dirname "$JAR")/pushgate
CLIENT=$ROOT/deploy/smoke/sse_client.py
PIDS=()
declare -A NODE_PID NODE_PORT NODE_ADMIN
NODE_FLAGS=()
NGINX_PID=
HAPROXY_PID=
REDIS_PORT=
FAILED=0

# begin NAME: WORK, a private temp dir for the script's files, and the traps that stop every
# process it starts on any exit (cleanup below).
begin() {
  WORK=$(mktemp -d "${TMPDIR:-/tmp}/pushgate-$1.XXXXXX")
  trap cleanup EXIT
  trap 'exit 124' TERM
  trap 'exit 130' INT
}

log() { printf '%s %s\n' "$(date +%T.%3N)" "$*"; }

fail() {
  FAILED=1
  log "FAIL: $*" >&2
  exit 1
}

now() { date +%s.%N; }

# Seconds (float) from $1 to $2.
elapsed() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.3f", b - a }'; }

# True when $1 < $2 (floats).
less() { awk -v a="$1" -v b="$2" 'BEGIN { exit !(a < b) }'; }

# A port free on 127.0.0.1 right now (the kernel's choice).
free_port() {
  python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# Runs "$@" in the background, logs to $LOGFILE; its pid is in $! and in PIDS for cleanup.
spawn() {
  "$@" >"$LOGFILE" 2>&1 &
  PIDS+=("$!")
}

alive() { kill -0 "$1" 2>/dev/null; }

# Waits until pid $1 has exited (deadline $2 s); its exit status is in $EXIT_STATUS.
await_exit() {
  local pid=$1 deadline=$(($(date +%s) + $2))
  while alive "$pid"; do
    [ "$(date +%s)" -lt "$deadline" ] || return 1
    sleep 0.05
  done
  EXIT_STATUS=0
  wait "$pid" || EXIT_STATUS=$?
}

# Ends pid $1 and what it started (nginx's workers, the watchdog's sleep): TERM, KILL after 5 s.
stop_pid() {
  local pid=$1 children
  children=$(pgrep -P "$pid" || true)
  if alive "$pid"; then
    kill -TERM "$pid" 2>/dev/null || true
    if ! await_exit "$pid" 5; then
      kill -KILL "$pid" 2>/dev/null || true
    fi
  fi
  wait "$pid" 2>/dev/null || true
  local child
  for child in $children; do
    alive "$child" && kill -TERM "$child" 2>/dev/null || true
  done
}

cleanup() {
  local status=$?
  trap - EXIT INT TERM
  # TERM to all at once (nodes drain in parallel), the last started first; KILL what is left
  # after 10 s, children included (nginx's workers, the watchdog's sleep).
  local i pid children=() deadline=$(($(date +%s) + 10))
  for ((i = ${#PIDS[@]} - 1; i >= 0; i--)); do
    pid=${PIDS[i]}
    children+=($(pgrep -P "$pid" || true))
    kill -TERM "$pid" 2>/dev/null || true
  done
  for pid in "${PIDS[@]}"; do
    while alive "$pid" && [ "$(date +%s)" -lt "$deadline" ]; do sleep 0.05; done
    alive "$pid" && kill -KILL "$pid" 2>/dev/null
    wait "$pid" 2>/dev/null || true
  done
  for pid in "${children[@]}"; do
    alive "$pid" && kill -KILL "$pid" 2>/dev/null || true
  done
  if [ "$status" -ne 0 ] || [ "$FAILED" -ne 0 ]; then
    log "logs kept in $WORK; their ends:" >&2
    local f
    for f in "$WORK"/*.log "$WORK"/nginx/logs/error.log; do
      [ -s "$f" ] && { echo "--- $f" >&2; tail -n 15 "$f" >&2; }
    done
  elif [ -z "${KEEP_WORK:-}" ]; then
    rm -rf "$WORK"
  fi
  exit "$status"
}

# Bounds the whole run: after $1 s the script gets SIGTERM and cleans up.
watchdog() {
  local limit=$1 script=$$
  ( sleep "$limit"; echo "over ${limit} s: giving up" >&2; kill -TERM "$script" ) &
  PIDS+=("$!")
}

start_redis() {
  REDIS_PORT=$(free_port)
  LOGFILE=$WORK/redis.log spawn redis-server --bind 127.0.0.1 --port "$REDIS_PORT" --save "" \
    --appendonly no --dir "$WORK"
  local deadline=$(($(date +%s) + 10))
  until redis-cli -h 127.0.0.1 -p "$REDIS_PORT" ping >/dev/null 2>&1; do
    [ "$(date +%s)" -lt "$deadline" ] || fail "redis-server did not answer on $REDIS_PORT"
    sleep 0.05
  done
}

# start_node NAME [PORT ADMIN_PORT]: a gateway node on Redis; without ports it picks free ones
# and reads them from its start-up line. Returns once /readyz says 200.
start_node() {
  local name=$1 port=${2:-0} admin=${3:-0}
  # The environment of deploy/systemd/pushgate.env (templated by template_env) when NODE_ENV
  # names it; the flags here win over it, as on a real host's command line.
  (
    if [ -n "${NODE_ENV:-}" ]; then set -a; . "$NODE_ENV"; set +a; fi
    # The launcher beside the jar (what the systemd unit runs), on the small JVM of a smoke test
    # rather than pushgate.env's 1 GiB pre-touched heap.
    export JAVA_OPTS=${NODE_JAVA_OPTS:--Xmx256m -XX:+UseSerialGC -XX:TieredStopAtLevel=1}
    # The warm-up runs (readiness waits for it), bounded at 5 s rather than 30: these nodes test the
    # deployment, not the JIT, and a busy CI machine keeps the compilers from looking idle.
    export PUSHGATE_WARM_UP=${PUSHGATE_WARM_UP:-5s}
    exec "$LAUNCHER" --redis "redis://127.0.0.1:$REDIS_PORT" --bind 127.0.0.1 --port "$port" \
      --admin-bind 127.0.0.1 --admin-port "$admin" --node-name "$name" "${NODE_FLAGS[@]}"
  ) >"$WORK/node-$name.log" 2>&1 &
  PIDS+=("$!")
  NODE_PID[$name]=$!
  local deadline=$(($(date +%s) + 60)) ports=
  while [ -z "$ports" ]; do
    alive "${NODE_PID[$name]}" || fail "node $name exited during start"
    [ "$(date +%s)" -lt "$deadline" ] || fail "node $name did not log its ports"
    sleep 0.1
    # pushgate listening on 127.0.0.1:PORT (transport ..., broker ...), admin 127.0.0.1:ADMIN
    ports=$(sed -n 's/.*pushgate listening on [^ ]*:\([0-9][0-9]*\) (.*), admin [^ ]*:\([0-9][0-9]*\).*/\1 \2/p' \
      "$WORK/node-$name.log")
  done
  NODE_PORT[$name]=${ports% *}
  NODE_ADMIN[$name]=${ports#* }
  until [ "$(http_status "http://127.0.0.1:${NODE_ADMIN[$name]}/readyz")" = 200 ]; do
    [ "$(date +%s)" -lt "$deadline" ] || fail "node $name not ready"
    sleep 0.1
  done
  log "node $name up: public ${NODE_PORT[$name]}, admin ${NODE_ADMIN[$name]} (pid ${NODE_PID[$name]})"
}

# deploy/systemd/pushgate.env with loopback addresses, this Redis and a new HMAC secret made as
# deploy/README.md says (in $SECRET_FILE), into $WORK/pushgate.env.
template_env() {
  SECRET_FILE=$WORK/secret
  (umask 077 && head -c 48 /dev/urandom | base64 >"$SECRET_FILE")
  sed -e "s#10\.0\.0\.11#127.0.0.1#g" -e "s#redis://10\.0\.0\.5:6379#redis://127.0.0.1:$REDIS_PORT#" \
    -e "s#^PUSHGATE_AUTH_SECRET_FILE=/etc/pushgate/secret\$#PUSHGATE_AUTH_SECRET_FILE=$SECRET_FILE#" \
    "$ROOT/deploy/systemd/pushgate.env" >"$WORK/pushgate.env"
  grep -qx "PUSHGATE_AUTH_SECRET_FILE=$SECRET_FILE" "$WORK/pushgate.env" ||
    fail "deploy/systemd/pushgate.env does not set PUSHGATE_AUTH_SECRET_FILE=/etc/pushgate/secret"
  NODE_ENV=$WORK/pushgate.env
}

# mint_token VAR [mint_token.py options]: sets VAR to a token signed with the nodes' secret; every
# token is also kept in TOKENS, so that a test can look for each in the logs.
TOKENS=()
mint_token() {
  local var=$1 token
  shift
  token=$(python3 "$ROOT/deploy/smoke/mint_token.py" --secret-file "$SECRET_FILE" "$@") || fail "mint_token.py $* failed"
  TOKENS+=("$token")
  printf -v "$var" %s "$token"
}

http_status() { curl -s -o /dev/null -w '%{http_code}' --max-time 5 "$@" || true; }

# Open SSE streams of node $1, from its admin port.
connections() {
  curl -sf --max-time 5 "http://127.0.0.1:${NODE_ADMIN[$1]}/metrics" |
    awk '/^pushgate_connections[{ ]/ { printf "%d", $NF; found = 1 } END { if (!found) printf "?" }'
}

# publish URL TOPIC TEXT: PUT with $PUBLISH_TOKEN (when set), prints the version's event id
# (<version>-<epoch>).
PUBLISH_TOKEN=
publish() {
  local answer auth=()
  [ -z "$PUBLISH_TOKEN" ] || auth=(-H "Authorization: Bearer $PUBLISH_TOKEN")
  answer=$(curl -sf --max-time 5 "${auth[@]}" -X PUT --data-binary "$3" "$1/topics/$2") || fail "PUT $1/topics/$2 failed"
  sed -n 's/.*"version":\([0-9]*\),"epoch":"\([a-z0-9]*\)".*/\1-\2/p' <<<"$answer"
}

# append URL FEED TEXT: POST with $PUBLISH_TOKEN (when set), prints the event's id (<seq>-<epoch>).
append() {
  local answer auth=()
  [ -z "$PUBLISH_TOKEN" ] || auth=(-H "Authorization: Bearer $PUBLISH_TOKEN")
  answer=$(curl -sf --max-time 5 "${auth[@]}" -X POST --data-binary "$3" "$1/feeds/$2") || fail "POST $1/feeds/$2 failed"
  sed -n 's/.*"id":"\([0-9]*-[a-z0-9]*\)".*/\1/p' <<<"$answer"
}

# await_true SECONDS COMMAND...: runs COMMAND every 0.1 s until it succeeds (0) or the time is up (1).
await_true() {
  local deadline=$(( $(date +%s) + $1 )); shift
  until "$@"; do
    [ "$(date +%s)" -lt "$deadline" ] || return 1
    sleep 0.1
  done
}

# The deploy/ configs, templated only for addresses, ports and paths, into $WORK/nginx.
# template_nginx LB_PORT NODE...
template_nginx() {
  local lb_port=$1; shift
  local dir=$WORK/nginx
  mkdir -p "$dir/logs" "$dir/conf.d"
  chmod 755 "$WORK" "$dir"
  local script=(-e "s#listen 80 #listen 127.0.0.1:$lb_port #")
  local i=1 node
  for node in "$@"; do
    script+=(-e "s#10\.0\.0\.1$i:8080#127.0.0.1:${NODE_PORT[$node]}#")
    i=$((i + 1))
  done
  sed "${script[@]}" -e "s#/var/log/nginx/#$dir/logs/#g" "$ROOT/deploy/nginx/pushgate.conf" >"$dir/conf.d/pushgate.conf"
  sed -e "s#/run/nginx.pid#$dir/nginx.pid#" -e "s#/var/log/nginx/#$dir/logs/#g" \
    -e "s#/etc/nginx/conf.d/pushgate.conf#$dir/conf.d/pushgate.conf#" \
    "$ROOT/deploy/nginx/nginx.conf" >"$dir/nginx.conf"
}

start_nginx() {
  local args=(-p "$WORK/nginx/" -c "$WORK/nginx/nginx.conf" -e "$WORK/nginx/logs/error.log")
  nginx "${args[@]}" -t -q 2>"$WORK/nginx-t.log" || { cat "$WORK/nginx-t.log" >&2; fail "nginx -t refused the config"; }
  LOGFILE=$WORK/nginx.log spawn nginx "${args[@]}" -g "daemon off;"
  NGINX_PID=$!
  await_listen "$1" nginx "$NGINX_PID"
}

# template_haproxy LB_PORT NODE...: into $WORK/haproxy.cfg.
template_haproxy() {
  local lb_port=$1; shift
  local script=(-e "s#bind :80\$#bind 127.0.0.1:$lb_port#"
    -e "s#/etc/haproxy/errors/pushgate-stream-retry.lf#$ROOT/deploy/haproxy/pushgate-stream-retry.lf#")
  local i=1 node
  for node in "$@"; do
    script+=(-e "/10\.0\.0\.1$i:8080/s#check port 9090#check port ${NODE_ADMIN[$node]}#"
      -e "s#10\.0\.0\.1$i:8080#127.0.0.1:${NODE_PORT[$node]}#")
    i=$((i + 1))
  done
  if [ "$(id -u)" -ne 0 ]; then
    script+=(-e '/^ *\(chroot\|user\|group\) /d')   # privilege drop needs root
  fi
  sed "${script[@]}" "$ROOT/deploy/haproxy/haproxy.cfg" >"$WORK/haproxy.cfg"
}

start_haproxy() {
  haproxy -c -q -f "$WORK/haproxy.cfg" >"$WORK/haproxy-c.log" 2>&1 ||
    { cat "$WORK/haproxy-c.log" >&2; fail "haproxy -c refused the config"; }
  LOGFILE=$WORK/haproxy.log spawn haproxy -f "$WORK/haproxy.cfg" -db
  HAPROXY_PID=$!
  await_listen "$1" haproxy "$HAPROXY_PID"
}

# await_listen PORT NAME PID: until something answers HTTP on 127.0.0.1:PORT.
await_listen() {
  local deadline=$(($(date +%s) + 10))
  until [ "$(http_status "http://127.0.0.1:$1/nothing")" != 000 ]; do
    alive "$3" || fail "$2 exited at start"
    [ "$(date +%s)" -lt "$deadline" ] || fail "$2 does not answer on $1"
    sleep 0.05
  done
}
