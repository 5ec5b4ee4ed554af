#!/usr/bin/env bash
# Redis memory per kept feed event (README "Feeds in Redis"): MEMORY USAGE (SAMPLES 0: every stream
# node counted) of one feed log holding N events, and the growth of used_memory over F such feeds,
# per event; texts of random base64 of the given size, appended with FCALL pushgate_append from
# redis-cli, on a redis-server of its own (the shared one is left alone) with the library loaded at
# the default feed cap (1000). Recorded in bench/RESULTS.md, "Bytes per kept feed event".
#
# Usage (builds nothing; needs redis-server, redis-cli, python3):
#   bench/feed-bytes.sh [N events per feed, default 1000] [text bytes, default 100] [F feeds, default 20]
set -euo pipefail
cd "$(dirname "$0")/.."
n="${1:-1000}"
size="${2:-100}"
feeds="${3:-20}"

. bench/own-redis.sh

before=$(cli info memory | awk -F: '/^used_memory:/ {print $2+0}')
python3 - "$n" "$size" "$feeds" > "$dir/commands" <<'PY'
import base64, os, sys
n, size, feeds = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3])
for f in range(feeds):
    for _ in range(n):
        text = base64.b64encode(os.urandom(size))[:size].decode()
        print(f"FCALL pushgate_append 1 pushgate:{{feed-{f:04d}}} {text}")
PY
cli < "$dir/commands" >/dev/null
after=$(cli info memory | awk -F: '/^used_memory:/ {print $2+0}')
kept=$(cli xlen 'pushgate:{feed-0000}:log')
one=$(cli memory usage 'pushgate:{feed-0000}:log' SAMPLES 0)
echo "redis $(redis-server --version | awk '{print $3}'): text $size bytes, $n events appended to each of $feeds feeds," \
  "$kept kept in one: MEMORY USAGE $one bytes = $(( one / kept )) bytes per event;" \
  "used_memory grew $(( (after - before) / (feeds * kept) )) bytes per kept event"
