#!/usr/bin/env bash
# Checks deploy/k8s/*.yaml against the Kubernetes API schemas and the repository's rules
# (check.mjs), offline once the pinned packages are installed (npm ci, package-lock.json).
# Then runs the stream-retry backend's nginx.conf (stream-retry.yaml) in a local nginx on a free
# loopback port and checks its answers: 200 text/event-stream, a retry: within 1-3 s, jittered.
# Run by K8sManifestsIT in `mvn -B verify`. Exit status 77: skipped, with the reason on the last
# line (no Node.js, npm or nginx; .ci/run installs them).
set -euo pipefail
cd "$(dirname "$0")"
export PATH=$PATH:/usr/sbin:/sbin   # nginx lives there
if ! command -v node >/dev/null || ! command -v npm >/dev/null || ! command -v nginx >/dev/null; then
  echo "SKIP: the check of deploy/k8s needs node, npm and nginx (Debian packages nodejs, npm, nginx)"
  exit 77
fi
npm ci --no-audit --no-fund --loglevel=error
node check.mjs

# The stream-retry backend, live: its nginx.conf as the ConfigMap holds it, on a free port.
work=$(mktemp -d)
pid=""
cleanup() {
  [ -z "$pid" ] || kill "$pid" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
node --input-type=module -e '
  import { readFileSync } from "node:fs";
  import { parseAllDocuments } from "yaml";
  const docs = parseAllDocuments(readFileSync("../stream-retry.yaml", "utf8")).map((d) => d.toJS());
  process.stdout.write(docs.find((o) => o?.kind === "ConfigMap").data["nginx.conf"]);
' | sed -e "s#listen 8080;#listen 127.0.0.1:$port;#" -e "s#/tmp/#$work/#g" >"$work/nginx.conf"
nginx -t -q -p "$work/" -c "$work/nginx.conf" -e "$work/error.log"
nginx -p "$work/" -c "$work/nginx.conf" -e "$work/error.log" -g "daemon off;" &
pid=$!
for _ in $(seq 1 100); do
  curl -s -o /dev/null "http://127.0.0.1:$port/" && break
  sleep 0.05
done
retries=()
for _ in $(seq 20); do
  answer=$(curl -s -i --max-time 5 "http://127.0.0.1:$port/" | tr -d '\r')
  { grep -q '^HTTP/1.1 200' <<<"$answer" && grep -qi '^content-type: text/event-stream' <<<"$answer" &&
    grep -qi '^cache-control: no-store' <<<"$answer" && grep -Eq '^retry: [0-9]+$' <<<"$answer"; } ||
    { echo "FAIL the stream-retry backend answered: $answer" >&2; exit 1; }
  retry=$(sed -n 's/^retry: //p' <<<"$answer")
  [ "$retry" -ge 1000 ] && [ "$retry" -le 3000 ] || { echo "FAIL retry: $retry is not within 1000-3000 ms" >&2; exit 1; }
  retries+=("$retry")
done
distinct=$(printf '%s\n' "${retries[@]}" | sort -u | wc -l)
[ "$distinct" -gt 1 ] || { echo "FAIL 20 answers of the stream-retry backend all said retry: ${retries[0]}" >&2; exit 1; }
echo "ok   the stream-retry backend answers 200 text/event-stream, retry: 1-3 s ($distinct values in 20 answers: ${retries[*]})"
