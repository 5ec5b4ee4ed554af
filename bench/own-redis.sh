# Sourced (from the repository's root) by the bench scripts that measure Redis: starts a
# redis-server of the script's own on a free loopback port, without persistence (the shared one
# is left alone), stops it when the script exits, loads pushgate's function library (publish.lua
# as it is: a standalone server, the default feed cap) and defines `cli` for redis-cli on it.
# Sets port and dir (a temporary folder, removed on exit).
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
dir=$(mktemp -d)
redis-server --port "$port" --bind 127.0.0.1 --save '' --appendonly no --dir "$dir" --daemonize yes \
  --pidfile "$dir/redis.pid" --logfile "$dir/redis.log"
trap 'kill "$(cat "$dir/redis.pid")" 2>/dev/null; rm -rf "$dir"' EXIT
cli() { redis-cli -p "$port" "$@"; }
for _ in $(seq 50); do cli ping >/dev/null 2>&1 && break; sleep 0.1; done
cli -x FUNCTION LOAD REPLACE < gateway/src/main/resources/pushgate/publish.lua >/dev/null
