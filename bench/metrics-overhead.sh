#!/usr/bin/env bash
# The metrics overhead of the fan-out on a noisy machine: N pairs of alternating forks of
# FanOutBenchmark.update (metrics off, then on, each -wi 3 -i 5 -w 1s -r 1s), so both sides of a
# pair see the same load; prints each pair's ratio and the median ratio. Recorded in
# bench/RESULTS.md, "Metrics overhead (JMH)".
# Usage (after `mvn -q -DskipTests package`): bench/metrics-overhead.sh [pairs, default 10]
set -euo pipefail
cd "$(dirname "$0")/.."
pairs=${1:-10}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
for k in $(seq 1 "$pairs"); do
  for m in off on; do
    java -jar bench/target/benchmarks.jar 'FanOutBenchmark.update$' -p subscribers=10000 -p metrics="$m" \
      -f 1 -wi 3 -i 5 -w 1s -r 1s -rf csv -rff "$tmp/$k-$m.csv" > /dev/null 2>&1
  done
  off=$(awk -F, 'NR == 2 { print $5 }' "$tmp/$k-off.csv")
  on=$(awk -F, 'NR == 2 { print $5 }' "$tmp/$k-on.csv")
  awk -v k="$k" -v off="$off" -v on="$on" \
    'BEGIN { printf "pair %2d: off %8.0f ns/update, on %8.0f ns/update, on/off %.3f\n", k, off, on, on / off }'
  echo "$off $on" >> "$tmp/pairs"
done
awk '{ off[NR] = $1; on[NR] = $2; r[NR] = $2 / $1 }
  function median(a, n,   i, j, t) {
    for (i = 1; i <= n; i++) for (j = i + 1; j <= n; j++) if (a[j] < a[i]) { t = a[i]; a[i] = a[j]; a[j] = t }
    return n % 2 ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2
  }
  END { printf "median: off %.0f ns/update, on %.0f ns/update; median on/off ratio %.3f (%d pairs)\n",
          median(off, NR), median(on, NR), median(r, NR), NR }' "$tmp/pairs"
