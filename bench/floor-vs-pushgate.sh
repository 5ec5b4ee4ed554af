#!/usr/bin/env bash
# The fan-out workload against the floor (../shared/floor/floor.c) and against pushgate (epoll),
# one after the other in one command, and the ratio of server CPU per delivery (target ≤ 1.2).
# Usage: bench/floor-vs-pushgate.sh [--rounds 3] -- <pushgate-load fanout flags>
# Default workload (fan-out A): --streams 2000 --topics 10 --rate 100 --duration 15s.
set -euo pipefail
cd "$(dirname "$0")"
rounds=(--rounds 3)
if [ "${1:-}" = --rounds ]; then rounds=(--rounds "$2"); shift 2; fi
[ "${1:-}" = -- ] && shift
[ $# -gt 0 ] || set -- --streams 2000 --topics 10 --rate 100 --duration 15s
exec ./fanout-compare.sh --servers floor,epoll "${rounds[@]}" -- "$@"
