# Rounds of one pushgate-load command against several servers, one at a time, each in its own
# process: what fanout-compare.sh and storm-compare.sh share (idle-heap.sh uses keys_for). Sourced,
# not run, from the repository root. The caller sets `tool` (its name, for messages) first;
# GATEWAY_BASE_JAR, GATEWAY_JAVA_OPTS and GATEWAY_JAVA come from the environment, as its usage says.
# Server kinds: floor | heartbeat-floor | auto (the node's own choice) | epoll | io_uring | nio |
# redis (--redis to a private redis-server on a free loopback port, started for the run and stopped
# after it: its CPU is the load's --broker-pid in fanout and idle; the transport is the default's, auto) |
# nchan (nginx with Nchan and its Redis storage, bench/nchan/nginx.conf, one worker, with a private
# redis-server the same way; fan-out only: the load numbers the texts, --versions-in-text --unchunked).
# The gateway runs on the JVM options of its launcher (default_java_opts in
# gateway/src/main/launcher/pushgate: what README's run command runs; -Xmx1g -XX:+UseParallelGC where
# no launcher is built); a "-g1" suffix (epoll-g1, …) runs it with G1 instead of the Parallel
# collector, a "-jdk" suffix on the JDK's defaults (none of the launcher's options). A "base-"
# prefix runs the same kind from GATEWAY_BASE_JAR. The gateway runs at --accept-rate 0 (no limit)
# unless GATEWAY_ACCEPT_RATE says another. A "-hs256" suffix (epoll-hs256, epoll-g1-hs256,
# …) runs a keyed node: --auth-secret-file with a fresh secret, no public topic, and the load gets
# --token-secret-file with it; "-rs256" the same with --auth-jwks-file and a fresh RSA key
# (--token-key-file). A "+LABEL" suffix (epoll+cds, base-epoll-g1+tiered; LABEL of letters, digits
# and _) adds the JVM options of GATEWAY_JAVA_OPTS_LABEL and the gateway flags of GATEWAY_ARGS_LABEL
# to that kind alone, and runs it on GATEWAY_JAVA_LABEL when set: JVM settings side by side in one
# command.

gateway_jar=gateway/target/pushgate.jar
launcher=gateway/src/main/launcher/pushgate
load_jar=bench/target/pushgate-load.jar
server_pid=""
# The private redis-server of a redis or nchan server, and nginx's master process of an nchan one.
broker_pid=""
nginx_pid=""
load_auth=()
# What the load needs to read this server (nchan: --versions-in-text --unchunked).
load_server=()

stop_server() {
  # nginx's worker goes with its master (stopped below); the master would start another.
  [ -z "$nginx_pid" ] || server_pid=""
  if [ -n "$server_pid" ] && kill -0 "$server_pid" 2>/dev/null; then
    kill -TERM "$server_pid" 2>/dev/null || true
    for _ in $(seq 150); do kill -0 "$server_pid" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$server_pid" 2>/dev/null || true
  fi
  [ -n "$server_pid" ] && { wait "$server_pid" 2>/dev/null || true; }
  server_pid=""
  local pid
  for pid in "$nginx_pid" "$broker_pid"; do
    [ -n "$pid" ] || continue
    kill -TERM "$pid" 2>/dev/null || true
    for _ in $(seq 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
  done
  nginx_pid=""
  broker_pid=""
}

# Waits until something listens on 127.0.0.1:$1 (5 s at most).
await_port() {
  for _ in $(seq 50); do (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null && return 0; sleep 0.1; done
  echo "$tool: nothing listens on $1" >&2; return 1
}

# Starts a private redis-server (no persistence) on a free loopback port, logging to $1; sets
# broker_pid and redis_port.
start_redis() {
  redis_port=$(free_port)
  redis-server --port "$redis_port" --bind 127.0.0.1 --save '' --appendonly no --maxclients 1000 >"$1" 2>&1 &
  broker_pid=$!
  await_port "$redis_port"
}

free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'
}

# Fails unless every kind in "$@" needs nothing missing (GATEWAY_BASE_JAR for base-*).
check_kinds() {
  for kind in "$@"; do
    if [[ "$kind" == base-* ]]; then
      [ -n "${GATEWAY_BASE_JAR:-}" ] || { echo "$tool: server $kind needs GATEWAY_BASE_JAR (the baseline's pushgate.jar)" >&2; exit 2; }
      [ -f "$GATEWAY_BASE_JAR" ] || { echo "$tool: GATEWAY_BASE_JAR=$GATEWAY_BASE_JAR is missing" >&2; exit 1; }
      echo "$tool: base-* servers run $GATEWAY_BASE_JAR" >&2
      break
    fi
  done
}

# The key files of a keyed kind ($1: hs256 or rs256), made once in $work; sets auth (the gateway's
# flags) and load_auth (the load's).
keys_for() {
  if [ "$1" = hs256 ]; then
    [ -f "$work/secret" ] || (umask 077 && head -c 48 /dev/urandom | base64 >"$work/secret")
    auth=(--auth-secret-file "$work/secret")
    load_auth=(--token-secret-file "$work/secret")
  else
    [ -f "$work/jwks.json" ] || java -jar "$load_jar" token-keys --private "$work/key.json" --jwks "$work/jwks.json" >&2
    auth=(--auth-jwks-file "$work/jwks.json")
    load_auth=(--token-key-file "$work/key.json")
  fi
}

# Starts server $1 logging to $2; sets server_pid, port and load_auth (the load's token flags).
start_server() {
  local kind=$1 log=$2
  load_auth=()
  load_server=()
  if [ "$kind" = floor ]; then
    port=$(free_port)
    bench/target/floor "$port" >"$log" 2>&1 &
    server_pid=$!
    await_port "$port"
    return
  fi
  if [ "$kind" = nchan ]; then
    start_redis "$log.redis"
    port=$(free_port)
    local dir="$work/nchan-$port"
    mkdir -p "$dir/logs"
    sed -e "s/@PORT@/$port/" -e "s/@REDIS_PORT@/$redis_port/" bench/nchan/nginx.conf >"$dir/nginx.conf"
    nginx -p "$dir" -c "$dir/nginx.conf" >"$log" 2>&1 &
    nginx_pid=$!
    await_port "$port"
    # The worker serves every connection; the master only watches it.
    server_pid=$(pgrep -P "$nginx_pid" | head -1)
    load_server=(--versions-in-text --unchunked)
    echo "$tool: nchan on port $port (nginx $(nginx -v 2>&1 | sed 's/.*\///'), worker $server_pid, redis-server $broker_pid on $redis_port)" >&2
    return
  fi
  if [ "$kind" = heartbeat-floor ]; then
    port=$(free_port)
    bench/target/heartbeat-floor "$port" "${HEARTBEAT_FLOOR_SECONDS:-15}" >"$log" 2>&1 &
    server_pid=$!
    for _ in $(seq 50); do grep -q listening "$log" 2>/dev/null && return 0; sleep 0.1; done
    echo "$tool: the heartbeat floor did not listen on $port" >&2; return 1
  fi
  local extra=() auth=() gc=-XX:+UseParallelGC base=$kind jar=$gateway_jar label="" java=${GATEWAY_JAVA:-java}
  local defaults
  defaults=$(sed -n 's/^default_java_opts="\(.*\)"$/\1/p' "$launcher" 2>/dev/null)
  read -ra defaults <<<"${defaults:--Xmx1g -XX:+UseParallelGC}"
  if [[ "$base" == *+* ]]; then
    label=${base##*+}
    base=${base%+*}
    [[ "$label" =~ ^[A-Za-z0-9_]+$ ]] || { echo "$tool: bad label in server $kind" >&2; return 1; }
    local java_var=GATEWAY_JAVA_$label
    java=${!java_var:-$java}
  fi
  if [[ "$base" == base-* ]]; then
    jar=$GATEWAY_BASE_JAR
    base=${base#base-}
  fi
  if [[ "$base" == *-hs256 || "$base" == *-rs256 ]]; then
    keys_for "${base##*-}"
    base=${base%-*}
  fi
  if [[ "$base" == *-g1 ]]; then
    gc=-XX:+UseG1GC
    base=${base%-g1}
  elif [[ "$base" == *-jdk ]]; then
    # The JDK's own defaults, as `java -jar` runs it: none of the launcher's options.
    defaults=()
    base=${base%-jdk}
  fi
  case "$base" in
    epoll|io_uring|nio) extra=(--transport "$base") ;;
    auto) extra=() ;;
    redis)
      start_redis "$log.redis"
      extra=(--redis "redis://127.0.0.1:$redis_port") ;;
    *) echo "$tool: unknown server $kind" >&2; return 1 ;;
  esac
  local opts_var=GATEWAY_JAVA_OPTS_$label args_var=GATEWAY_ARGS_$label
  read -ra opts <<<"${GATEWAY_JAVA_OPTS:-} ${label:+${!opts_var:-}}"
  read -ra args <<<"${GATEWAY_ARGS:-} ${label:+${!args_var:-}}"
  "$java" "${defaults[@]/-XX:+UseParallelGC/$gc}" ${opts[@]+"${opts[@]}"} -jar "$jar" --bind 127.0.0.1 --port 0 --admin-port 0 --accept-rate "${GATEWAY_ACCEPT_RATE:-0}" \
    --max-streams 20000 --drain-timeout 2s "${extra[@]}" ${auth[@]+"${auth[@]}"} ${args[@]+"${args[@]}"} >"$log" 2>&1 &
  server_pid=$!
  # 60 s: the JVM's start and the warm-up (--warm-up, 30 s at most) before the start-up line.
  for _ in $(seq 600); do
    local line
    line=$(grep -m1 'pushgate listening on' "$log" || true)
    if [ -n "$line" ]; then
      port=$(sed -E 's/.*pushgate listening on [^ ]*:([0-9]+).*/\1/' <<<"$line")
      echo "$tool: $line ($java ${defaults[*]/-XX:+UseParallelGC/$gc} ${opts[*]:-} -jar $jar ${args[*]:-}${auth[*]:+, ${auth[*]}})" >&2
      return 0
    fi
    kill -0 "$server_pid" 2>/dev/null || break
    sleep 0.1
  done
  echo "$tool: gateway did not start; its log:" >&2; cat "$log" >&2; return 1
}

# Parses [--servers K1,K2] [--rounds N] [--out DIR] [--same-server] -- <load flags>; checks the jars
# and the kinds; sets kinds, rounds, out, same_server, load_args and work (removed at exit, with the
# servers stopped).
compare_setup() {
  servers=$1
  shift
  rounds=1
  out=""
  same_server=""
  while [ $# -gt 0 ]; do
    case "$1" in
      --servers) servers="$2"; shift 2 ;;
      --rounds) rounds="$2"; shift 2 ;;
      --out) out="$2"; shift 2 ;;
      --same-server) same_server=1; shift ;;
      --) shift; break ;;
      *) echo "$tool: unknown flag $1 (load flags go after --)" >&2; exit 2 ;;
    esac
  done
  load_args=("$@")
  for jar in "$gateway_jar" "$load_jar"; do
    [ -f "$jar" ] || { echo "$tool: $jar is missing; run 'mvn -q -DskipTests package' first" >&2; exit 1; }
  done
  IFS=, read -ra kinds <<<"$servers"
  check_kinds "${kinds[@]}"
  work=$(mktemp -d)
  out=${out:-$work}
  mkdir -p "$out"
  trap compare_cleanup EXIT
}

compare_cleanup() {
  stop_server
  for server_pid in ${kept_pids[@]+"${kept_pids[@]}"}; do
    stop_server
  done
  rm -f "$work/secret" "$work/key.json"
  [ "$out" = "$work" ] || rm -rf "$work"
}

# Runs `pushgate-load $1 --json` (killed after LOAD_TIMEOUT, default 300s) against each server of each round, alternating, into
# $out/<kind>-<round>.json with the 1-minute load average as the run ends (how busy the shared
# machine was); sets status (0, or the last failing run's exit status). Each run gets a fresh
# server, or with --same-server each kind's one server serves all its rounds (all of them running
# side by side, idle while another is measured; from round 2 on they are warm).
kept_pids=()
run_rounds() {
  local command=$1 cmd
  local -A pid_of port_of auth_of
  status=0
  for round in $(seq "$rounds"); do
    for kind in "${kinds[@]}"; do
      if [ -n "$same_server" ] && [ -n "${pid_of[$kind]:-}" ]; then
        server_pid=${pid_of[$kind]}
        port=${port_of[$kind]}
        read -ra load_auth <<<"${auth_of[$kind]}"
      else
        start_server "$kind" "$out/$kind-$round.server.log"
        if [ -n "$same_server" ]; then
          [ "$kind" = "${kind%redis*}" ] && [ "$kind" = "${kind%nchan*}" ] \
            || { echo "$tool: --same-server does not take redis or nchan servers" >&2; exit 2; }
          pid_of[$kind]=$server_pid
          port_of[$kind]=$port
          auth_of[$kind]="${load_auth[*]:-}"
          kept_pids+=("$server_pid")
        fi
      fi
      echo "$tool: round $round, $kind (pid $server_pid, port $port)" >&2
      local broker=()
      case "$command" in fanout|idle) [ -z "$broker_pid" ] || broker=(--broker-pid "$broker_pid") ;; esac
      cmd=(java -Xmx1g -jar "$load_jar" "$command" --url "http://127.0.0.1:$port" --server-pid "$server_pid" --json
        ${broker[@]+"${broker[@]}"} ${load_server[@]+"${load_server[@]}"} ${load_auth[@]+"${load_auth[@]}"} "${load_args[@]}")
      echo "$tool: ${cmd[*]}" >&2
      timeout --kill-after=10s "${LOAD_TIMEOUT:-300s}" "${cmd[@]}" >"$out/$kind-$round.json" || status=$?
      jq --arg load "$(cut -d' ' -f1 /proc/loadavg)" '. + {load_average: ($load | tonumber)}' "$out/$kind-$round.json" \
        >"$out/$kind-$round.tmp" 2>/dev/null && mv "$out/$kind-$round.tmp" "$out/$kind-$round.json" || rm -f "$out/$kind-$round.tmp"
      [ -n "$same_server" ] && server_pid="" || stop_server
    done
  done
  for server_pid in ${kept_pids[@]+"${kept_pids[@]}"}; do
    stop_server
  done
  kept_pids=()
}

# Every run's JSON with its server and round, for the caller's summary.
runs_json() {
  for f in "$out"/*.json; do
    b=$(basename "$f" .json); jq --arg s "${b%-*}" --argjson r "${b##*-}" '. + {server: $s, round: $r}' "$f" 2>/dev/null || true
  done
}
