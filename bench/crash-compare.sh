#!/usr/bin/env bash
# The crash of a node behind nginx (deploy/smoke/crash.sh with pushgate-load's EventSource-like
# client and Chromium pages) at several sizes and accept rates, alternating within each round, with
# the medians per configuration. Figures in bench/RESULTS.md, "Crash of a node behind nginx (issue 13)".
#
#   bench/crash-compare.sh [--rounds 3] [--streams "5000 10000"] [--accept-rates "default 0"]
#                          [--survivor-streams 2000] [--pages 2] [--topics 10] [--ticker-rate 2]
#
# "default" runs the nodes without --accept-rate (Defaults.ACCEPT_RATE). The nodes run with
# -Xmx1g -XX:+UseParallelGC (as deploy/systemd/pushgate.env, without the pre-touched heap). Each run
# takes 1-2 minutes; every run's JSON is kept in the printed directory.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
rounds=3 sizes="5000 10000" rates="default 0" survivors=2000 pages=2 topics=10 ticker=2
while [ $# -gt 0 ]; do
  case $1 in
    --rounds) rounds=$2; shift 2 ;;
    --streams) sizes=$2; shift 2 ;;
    --accept-rates) rates=$2; shift 2 ;;
    --survivor-streams) survivors=$2; shift 2 ;;
    --pages) pages=$2; shift 2 ;;
    --topics) topics=$2; shift 2 ;;
    --ticker-rate) ticker=$2; shift 2 ;;
    *) echo "usage: $0 [--rounds K] [--streams \"N ...\"] [--accept-rates \"default R ...\"] [--survivor-streams S]" \
         "[--pages P] [--topics T] [--ticker-rate R]" >&2; exit 2 ;;
  esac
done
OUT=$(mktemp -d "${TMPDIR:-/tmp}/pushgate-crash-compare.XXXXXX")
export NODE_JAVA_OPTS=${NODE_JAVA_OPTS:--Xmx1g -XX:+UseParallelGC}
export CRASH_TIMEOUT=${CRASH_TIMEOUT:-240}
echo "runs in $OUT"
printf 'round\tN\taccept_rate\tall_connected_s\tall_current_s\trefusals\tp99_before_ms\tp99_worst_after_ms\tsurvivor_cpu_s\tpublished_in_s\tclosed\tstale\tload\tlb_retries\tput_s\n' >"$OUT/runs.tsv"
for ((round = 1; round <= rounds; round++)); do
  for n in $sizes; do
    for rate in $rates; do
      flags=()
      [ "$rate" = default ] || flags=(--node-flags "--accept-rate $rate")
      json=$OUT/r$round-n$n-$rate.json
      status=0
      "$ROOT/deploy/smoke/crash.sh" --client java --streams "$n" --survivor-streams "$survivors" --topics "$topics" \
        --pages "$pages" --ticker-rate "$ticker" --json "$json" "${flags[@]}" >"$OUT/r$round-n$n-$rate.log" 2>&1 || status=$?
      if [ ! -s "$json" ]; then
        echo "round $round, N=$n, accept rate $rate: no result (exit $status), see $OUT/r$round-n$n-$rate.log"
        continue
      fi
      python3 - "$json" "$round" "$n" "$rate" >>"$OUT/runs.tsv" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
print("\t".join([sys.argv[2], sys.argv[3], sys.argv[4]] + [str(r.get(k, "")) for k in (
    "all_connected_s", "all_current_s", "refusals", "p99_before_ms", "p99_worst_after_ms", "survivor_cpu_s",
    "published_in_s", "closed", "stale_at_end", "load", "lb_retries", "put_s")]))
PY
      tail -1 "$OUT/runs.tsv"
    done
  done
done
echo
echo "medians per N and accept rate:"
python3 - "$OUT/runs.tsv" <<'PY'
import collections, csv, statistics, sys
rows = list(csv.DictReader(open(sys.argv[1]), delimiter="\t"))
groups = collections.defaultdict(list)
for r in rows:
    groups[(int(r["N"]), r["accept_rate"])].append(r)
def med(rs, k):
    return statistics.median(float(r[k]) for r in rs if r[k] not in ("", "None"))
for (n, rate), rs in sorted(groups.items()):
    refused = [sum(int(p.split("=")[1]) for p in r["refusals"].split()) for r in rs]
    print("N=%d accept rate %s (%d runs): all connected %.2f s, all current %.2f s, node refusals %s (median %d), "
          "nginx retry answers %s, a PUT through nginx %.2f s, existing p99 %.0f -> worst %.0f ms, survivor CPU %.2f s, closed %s, stale %s"
          % (n, rate, len(rs), med(rs, "all_connected_s"), med(rs, "all_current_s"), refused,
             statistics.median(refused), [int(r["lb_retries"]) for r in rs], med(rs, "put_s"), med(rs, "p99_before_ms"),
             med(rs, "p99_worst_after_ms"), med(rs, "survivor_cpu_s"), sum(int(r["closed"]) for r in rs),
             sum(int(r["stale"]) for r in rs)))
PY
