#!/usr/bin/env bash
# Bytes per stored topic: node heap per topic of the embedded broker (bench/stored-topic/StoredTopicHeap.java,
# run against the built jar), and Redis' memory per topic hash (MEMORY USAGE of one hash, and the
# growth of used_memory over N topics, on a redis-server of its own: the shared one is left alone).
# Recorded in bench/RESULTS.md, "Bytes per stored topic".
#
# Usage (after `mvn -q -DskipTests package`; builds nothing):
#   bench/stored-topic-bytes.sh [N topics, default 100000] [text bytes, default 32]
set -euo pipefail
cd "$(dirname "$0")/.."
n="${1:-100000}"
size="${2:-32}"
jar=gateway/target/pushgate.jar
[ -f "$jar" ] || { echo "build first: mvn -q -DskipTests package" >&2; exit 1; }

java -XX:+UseSerialGC -Xmx2g -cp "$jar" bench/stored-topic/StoredTopicHeap.java "$n" "$size"

. bench/own-redis.sh
text=$(head -c "$size" /dev/zero | tr '\0' x)
before=$(cli info memory | awk -F: '/^used_memory:/ {print $2+0}')
awk -v n="$n" -v text="$text" 'BEGIN { for (i = 0; i < n; i++) printf "FCALL pushgate_publish 1 pushgate:{topic-%08d} %s\n", i, text }' \
  | cli >/dev/null
after=$(cli info memory | awk -F: '/^used_memory:/ {print $2+0}')
one=$(cli memory usage 'pushgate:{topic-00000000}')
echo "redis $(redis-server --version | awk '{print $3}'): $(cli dbsize) topics (text $size bytes): MEMORY USAGE of one hash $one bytes;" \
  "used_memory grew $(( (after - before) / n )) bytes per topic"
with_ttl=$(cli fcall pushgate_publish 1 'pushgate:{ttl-topic}' "$text" TTL 3600000 >/dev/null; cli memory usage 'pushgate:{ttl-topic}')
echo "redis: a hash with a TTL (field ttl, and an entry in the expires table): MEMORY USAGE $with_ttl bytes"
