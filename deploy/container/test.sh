#!/usr/bin/env bash
# Test of the container image (deploy/container/Containerfile), run by ContainerImageIT in
# `mvn -B verify`. It builds the image on a JRE base, starts a Redis and two node containers
# (--network host, distinct ports on 127.0.0.1) and proves:
#  - the image runs java as PID 1 under a non-root user, reads JAVA_OPTS (Parallel GC) and sizes
#    its heap from the container's memory limit; its admin port binds beyond loopback by default;
#  - a version published on node a reaches a stream on node b (Redis pub/sub between containers);
#  - `podman stop -t N` on node a (SIGTERM): /readyz turns 503, a's open stream gets a last
#    `retry:` and the terminating chunk (a clean end, not a broken connection), the container
#    exits 0 within the drain timeout (not killed), and node b still delivers.
#
# The base image: BASE_IMAGE if given (e.g. eclipse-temurin:17-jre where a registry is reachable,
# then also REDIS_IMAGE=redis:7); otherwise one made with debootstrap from the Debian mirror of
# /etc/apt/sources.list* (openjdk-17-jre-headless and redis-server, ~40 s to a few minutes), kept
# as localhost/pushgate-test-base:<hash of its recipe>, so later runs skip that step.
# Exit status 77: skipped (no working container engine, or no way to make the base image); the
# reason is the last line of the output. Bounded by CONTAINER_TEST_TIMEOUT (default 220 s); every
# container, the image it built and every process it started are removed on any exit.
# Needs: root (or a rootless podman that works), podman (runc is used when installed), curl,
# python3, the built gateway/target/pushgate.jar and its launcher gateway/target/pushgate.
set -euo pipefail
export PATH=$PATH:/usr/sbin:/sbin   # debootstrap and runc live there
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
. "$ROOT/deploy/smoke/lib.sh"

SKIP=77
skip() {
  log "SKIP: $*"
  exit "$SKIP"
}

command -v podman >/dev/null || skip "no container engine: podman is not installed (.ci/run installs podman, runc, debootstrap)"
for tool in curl python3; do
  command -v "$tool" >/dev/null || fail "$tool is missing (.ci/run installs it)"
done
[ -f "$JAR" ] || fail "$JAR is missing: mvn -q -DskipTests package"

# The settings podman needs on the CI machines (see the file); a caller's own config wins.
export CONTAINERS_CONF=${CONTAINERS_CONF:-$ROOT/deploy/container/containers.conf}
# crun, podman's default runtime on Debian, fails on these machines; runc works.
PODMAN=(podman)
command -v runc >/dev/null && PODMAN+=(--runtime "$(command -v runc)")
info=$("${PODMAN[@]}" info 2>&1) || skip "no working container engine: podman info failed: $(tail -n 1 <<<"$info")"

begin container
TAG=$$-$RANDOM
IMAGE=localhost/pushgate-test:$TAG
CONTAINERS=()
BUILT_IMAGE=

# Containers and the image of this run go first, then lib.sh's cleanup (processes, $WORK; it reads
# the exit status from $?, hence set +e and the subshell); after a
# failure each container's log is kept in $WORK, whose *.log files the cleanup shows.
remove_containers() {
  local status=$1 name
  for name in "${CONTAINERS[@]}"; do
    [ "$status" = 0 ] || "${PODMAN[@]}" logs "$name" >"$WORK/container-$name.log" 2>&1 || true
    "${PODMAN[@]}" rm -f -t 0 "$name" >/dev/null 2>&1 || true
  done
  [ -z "$BUILT_IMAGE" ] || "${PODMAN[@]}" rmi -f "$BUILT_IMAGE" >/dev/null 2>&1 || true
}
trap 'status=$?; set +e; remove_containers "$status"; (exit $status); cleanup' EXIT
watchdog "${CONTAINER_TEST_TIMEOUT:-220}"
started=$(date +%s)

# bounded CMD...: runs CMD in the background and waits for it, so that the watchdog's SIGTERM
# interrupts a long step (bash runs a trap only after a foreground command has ended).
bounded() {
  "$@" &
  local pid=$!
  PIDS+=("$pid")
  wait "$pid"
}

# --- The base image ---------------------------------------------------------------------------
debian_mirror() {
  local url
  url=$(cat /etc/apt/sources.list /etc/apt/sources.list.d/*.list /etc/apt/sources.list.d/*.sources 2>/dev/null |
    awk '/^deb / && $0 !~ /security/ { for (i = 2; i <= NF; i++) if ($i ~ /^https?:/) { print $i; exit } }
         /^URIs:/ && $2 !~ /security/ { print $2; exit }' | head -n 1)
  echo "${url:-http://deb.debian.org/debian}"
}

SUITE=${DEBIAN_SUITE:-bookworm}
PACKAGES=openjdk-17-jre-headless,redis-server
if [ -z "${BASE_IMAGE:-}" ]; then
  recipe=$(printf '%s\n' "$SUITE" "$PACKAGES" minbase | sha256sum | cut -c1-12)
  BASE_IMAGE=localhost/pushgate-test-base:$recipe
  REDIS_IMAGE=${REDIS_IMAGE:-$BASE_IMAGE}
  if "${PODMAN[@]}" image exists "$BASE_IMAGE"; then
    log "base image $BASE_IMAGE: cached"
  else
    command -v debootstrap >/dev/null ||
      skip "no base image: $BASE_IMAGE is not cached and debootstrap is not installed (or set BASE_IMAGE and REDIS_IMAGE)"
    [ "$(id -u)" = 0 ] || skip "no base image: debootstrap needs root (or set BASE_IMAGE and REDIS_IMAGE)"
    mirror=$(debian_mirror)
    log "base image: debootstrap $SUITE ($PACKAGES) from $mirror"
    t0=$(date +%s)
    bounded debootstrap --variant=minbase --include="$PACKAGES" "$SUITE" "$WORK/rootfs" "$mirror" \
      >"$WORK/debootstrap.log" 2>&1 || { tail -n 20 "$WORK/debootstrap.log" >&2; fail "debootstrap failed"; }
    rm -rf "$WORK/rootfs/var/cache/apt/archives/"*.deb "$WORK/rootfs/var/lib/apt/lists/"*
    tar -C "$WORK/rootfs" -c . | "${PODMAN[@]}" import - "$BASE_IMAGE" >"$WORK/import.log" 2>&1 ||
      { cat "$WORK/import.log" >&2; fail "podman import of the base failed"; }
    rm -rf "$WORK/rootfs"
    log "base image $BASE_IMAGE made in $(($(date +%s) - t0)) s"
  fi
fi
[ -n "${REDIS_IMAGE:-}" ] || fail "BASE_IMAGE is set: set REDIS_IMAGE too (an image with redis-server, e.g. redis:7)"

# --- The pushgate image -----------------------------------------------------------------------
mkdir -p "$WORK/context"
cp "$JAR" "$WORK/context/pushgate.jar"
cp "$(dirname "$JAR")/pushgate" "$WORK/context/pushgate"   # the launcher, built beside the jar
t0=$(date +%s)
BUILT_IMAGE=$IMAGE
bounded "${PODMAN[@]}" build -q --build-arg "BASE=$BASE_IMAGE" -f "$ROOT/deploy/container/Containerfile" \
  -t "$IMAGE" "$WORK/context" >"$WORK/build.log" 2>&1 || { tail -n 30 "$WORK/build.log" >&2; fail "the image did not build"; }
size=$("${PODMAN[@]}" image inspect --format '{{.Size}}' "$IMAGE")
log "image built in $(($(date +%s) - t0)) s: $IMAGE on $BASE_IMAGE, $((size / 1000000)) MB"
image_env=$("${PODMAN[@]}" image inspect --format '{{range .Config.Env}}{{println .}}{{end}}' "$IMAGE")
grep -qx 'PUSHGATE_ADMIN_BIND=0.0.0.0' <<<"$image_env" ||
  fail "the image does not bind the admin port beyond loopback (PUSHGATE_ADMIN_BIND=0.0.0.0): $image_env"

# --- Redis and two nodes ----------------------------------------------------------------------
REDIS_PORT=$(free_port)
run_container() {
  local name=pushgate-test-$1-$TAG
  shift
  CONTAINERS+=("$name")
  "${PODMAN[@]}" run -d --name "$name" --network host "$@" >/dev/null
}
run_container redis "$REDIS_IMAGE" redis-server --bind 127.0.0.1 --port "$REDIS_PORT" --save "" --appendonly no
deadline=$(($(date +%s) + 20))
until redis-cli -h 127.0.0.1 -p "$REDIS_PORT" ping >/dev/null 2>&1 ||
  "${PODMAN[@]}" exec "pushgate-test-redis-$TAG" redis-cli -p "$REDIS_PORT" ping >/dev/null 2>&1; do
  [ "$(date +%s)" -lt "$deadline" ] || fail "Redis did not answer on $REDIS_PORT"
  sleep 0.1
done

# The nodes run with the image's own JAVA_OPTS under a memory limit, whose 40 % must become the
# heap. The drain is shortened (grace 1 s, window 6 s) and the warm-up bounded at 5 s (readiness
# still waits for it) to keep the test short.
MEMORY_MB=512
DRAIN_TIMEOUT=6
start_node_container() {
  local name=$1 port admin
  port=$(free_port) admin=$(free_port)
  NODE_PORT[$name]=$port
  NODE_ADMIN[$name]=$admin
  run_container "$name" --memory "${MEMORY_MB}m" \
    -e PUSHGATE_BIND=127.0.0.1 -e PUSHGATE_PORT="$port" \
    -e PUSHGATE_ADMIN_BIND=127.0.0.1 -e PUSHGATE_ADMIN_PORT="$admin" \
    -e PUSHGATE_REDIS="redis://127.0.0.1:$REDIS_PORT" -e PUSHGATE_NODE_NAME="$name" \
    -e PUSHGATE_DRAIN_GRACE=1s -e PUSHGATE_DRAIN_TIMEOUT="${DRAIN_TIMEOUT}s" \
    -e PUSHGATE_RETRY=1s -e PUSHGATE_RETRY_JITTER=500ms -e PUSHGATE_WARM_UP=5s \
    "$IMAGE"
}
await_ready() {
  local name=$1 deadline=$(($(date +%s) + 60))
  until [ "$(http_status "http://127.0.0.1:${NODE_ADMIN[$name]}/readyz")" = 200 ]; do
    if [ "$("${PODMAN[@]}" inspect --format '{{.State.Running}}' "pushgate-test-$name-$TAG")" != true ]; then
      "${PODMAN[@]}" logs "pushgate-test-$name-$TAG" >&2 || true
      fail "node $name exited during start"
    fi
    [ "$(date +%s)" -lt "$deadline" ] || { "${PODMAN[@]}" logs "pushgate-test-$name-$TAG" >&2; fail "node $name not ready"; }
    sleep 0.1
  done
}
start_node_container a
start_node_container b
await_ready a
await_ready b
log "redis on $REDIS_PORT; node a on ${NODE_PORT[a]} (admin ${NODE_ADMIN[a]}), b on ${NODE_PORT[b]} (admin ${NODE_ADMIN[b]}); ready $(($(date +%s) - started)) s after the start"

# --- What the image runs ----------------------------------------------------------------------
node_a=pushgate-test-a-$TAG
[ "$("${PODMAN[@]}" exec "$node_a" cat /proc/1/comm)" = java ] || fail "PID 1 of the node is not java"
uid=$("${PODMAN[@]}" exec "$node_a" awk '/^Uid:/ { print $2 }' /proc/1/status)
[ "$uid" != 0 ] || fail "the node runs as root"
# Heap maximum (the sum of the heap pools' maxima) against the limit; Parallel GC's pools are "PS …".
metrics=$(curl -sf --max-time 5 "http://127.0.0.1:${NODE_ADMIN[a]}/metrics") || fail "no /metrics on node a"
grep -q 'jvm_memory_max_bytes{.*id="PS Old Gen"' <<<"$metrics" || fail "node a does not run the Parallel GC of JAVA_OPTS"
heap=$(awk '/^jvm_memory_max_bytes\{/ && /area="heap"/ { sum += $NF } END { printf "%d", sum }' <<<"$metrics")
limit=$((MEMORY_MB * 1024 * 1024))
log "node a: PID 1 java, uid $uid, Parallel GC, heap max $((heap / 1048576)) MiB under a ${MEMORY_MB} MiB limit"
awk -v h="$heap" -v l="$limit" 'BEGIN { exit !(h > 0.30 * l && h <= 0.41 * l) }' ||
  fail "heap max $heap B is not ~40 % of the container's limit $limit B: the JVM did not size from the limit"

# --- Publish on a, receive on b ---------------------------------------------------------------
TOPIC=container-$TAG
# publish_id NODE TEXT: the event id (<version>-<epoch>) of a PUT on NODE.
publish_id() {
  publish "http://127.0.0.1:${NODE_PORT[$1]}" "$TOPIC" "$2"
}
# open_stream NODE: curl holds the stream in the background, raw bytes to $WORK/stream-NODE; its
# exit status goes to $WORK/stream-NODE.rc (0 = the body ended with its last chunk).
open_stream() {
  local out=$WORK/stream-$1
  ( status=0
    curl -sN --raw --max-time 60 "http://127.0.0.1:${NODE_PORT[$1]}/topics/$TOPIC/events" >"$out" || status=$?
    echo "$status" >"$out.rc" ) &
  PIDS+=("$!")
}
# await_in FILE PATTERN SECONDS: until a line of FILE matches the extended regex PATTERN.
await_in() {
  local deadline
  deadline=$(awk -v n="$(now)" -v s="$3" 'BEGIN { printf "%.3f", n + s }')
  until grep -Eq "$2" "$1" 2>/dev/null; do
    less "$(now)" "$deadline" || return 1
    sleep 0.05
  done
}

first=$(publish_id a "first, from node a")
[ -n "$first" ] || fail "no version from PUT on node a"
open_stream b
open_stream a
await_in "$WORK/stream-b" "^id: $first\$" 5 || fail "the stream on node b did not get the latest version $first: $(head -c 300 "$WORK/stream-b")"
await_in "$WORK/stream-a" "^id: $first\$" 5 || fail "the stream on node a did not get the latest version $first"
t0=$(now)
second=$(publish_id a "second, from node a")
await_in "$WORK/stream-b" "^id: $second\$" 2 || fail "version $second published on node a did not reach node b's stream within 2 s"
log "published $second on node a; on node b's stream after $(elapsed "$t0" "$(now)") s"

# --- SIGTERM to node a: the drain ---------------------------------------------------------------
retries_before=$(grep -c '^retry: ' "$WORK/stream-a" || true)
t0=$(now)
"${PODMAN[@]}" stop -t $((DRAIN_TIMEOUT + 10)) "$node_a" >"$WORK/stop.log" 2>&1 &
stopper=$!
PIDS+=("$stopper")
deadline=$(($(date +%s) + 5))
until [ "$(http_status "http://127.0.0.1:${NODE_ADMIN[a]}/readyz")" = 503 ]; do
  [ "$(date +%s)" -lt "$deadline" ] || fail "node a's /readyz did not turn 503 after SIGTERM"
  sleep 0.05
done
log "SIGTERM to node a: /readyz 503 after $(elapsed "$t0" "$(now)") s"
await_exit "$stopper" $((DRAIN_TIMEOUT + 15)) || fail "podman stop did not return"
[ "$EXIT_STATUS" = 0 ] || fail "podman stop failed: $(cat "$WORK/stop.log")"
stopped=$(now)
exit_code=$("${PODMAN[@]}" inspect --format '{{.State.ExitCode}}' "$node_a")
logs_a=$("${PODMAN[@]}" logs "$node_a" 2>&1)
[ "$exit_code" = 0 ] || fail "node a exited $exit_code after SIGTERM, not 0 (137: killed after the stop timeout):
$(tail -n 20 <<<"$logs_a")"
grep -q 'drained, exiting' <<<"$logs_a" || fail "node a did not log its drain: $(tail -n 20 <<<"$logs_a")"
less "$(elapsed "$t0" "$stopped")" $((DRAIN_TIMEOUT + 2)) || fail "node a took $(elapsed "$t0" "$stopped") s to stop (drain timeout $DRAIN_TIMEOUT s)"
log "node a drained and exited 0, $(elapsed "$t0" "$stopped") s after SIGTERM"

[ -f "$WORK/stream-a.rc" ] || await_in "$WORK/stream-a.rc" '.' 5 || fail "the stream on node a is still open after its node stopped"
retries_after=$(grep -c '^retry: ' "$WORK/stream-a" || true)
[ "$retries_after" -gt "$retries_before" ] || fail "the drained stream got no retry: (stream: $(tail -c 300 "$WORK/stream-a"))"
# --raw keeps the chunk framing: the body must end with the terminating chunk, "0" and an empty line.
tail -c 5 "$WORK/stream-a" | od -An -c | tr -s ' ' | grep -q '0 \\r \\n \\r \\n' ||
  fail "the drained stream did not end with the last chunk: $(tail -c 100 "$WORK/stream-a" | od -c | tail -n 3)"
[ "$(cat "$WORK/stream-a.rc")" = 0 ] || fail "curl on node a's stream ended with status $(cat "$WORK/stream-a.rc"), not a clean end"
log "node a's stream: a last $(grep '^retry: ' "$WORK/stream-a" | tail -n 1 | tr -d '\r'), then the last chunk"

# --- Node b still serves ----------------------------------------------------------------------
third=$(publish_id b "third, from node b after a stopped")
await_in "$WORK/stream-b" "^id: $third\$" 2 || fail "node b's stream did not get $third after node a stopped"
[ -f "$WORK/stream-b.rc" ] && fail "node b's stream ended when node a stopped"
log "node b's stream got $third; the test took $(($(date +%s) - started)) s"
log "PASS"
