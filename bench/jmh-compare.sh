#!/usr/bin/env bash
# One JMH benchmark from two benchmarks jars, before vs after, side by side in one command: each
# round runs one fork (-f 1) from each jar, the order alternating from round to round (base, new;
# then new, base; …) so that the machine's noise and any drift fall on both sides alike. Collects
# JMH's JSON results (-rf json) and prints, per benchmark, mode and params: the median score of each
# side, the median of the per-round new/base ratios and those ratios themselves. For an avgt/sample
# mode (time per op) a ratio above 1 means the new jar is slower; for thrpt, faster. Secondary
# metrics (e.g. gc.alloc.rate.norm with -prof gc) whose name matches --secondary get rows of their
# own. Rows are matched on Class.method (not the package), mode and params; a row only one side
# has is still printed, with "-" for the other.
#
# Usage (after `mvn -q -DskipTests package`):
#   bench/jmh-compare.sh --base BASE.jar --new NEW.jar [--rounds 5] [--timeout 900] [--out DIR]
#                        [--secondary REGEX] -- <JMH args: benchmark regexp and options>
#   e.g. bench/jmh-compare.sh --base /path/to/baseline/bench/target/benchmarks.jar \
#          --new bench/target/benchmarks.jar --rounds 5 -- 'FanOutBenchmark.delivery' -wi 3 -w 2s -i 5 -r 2s
# The script adds -f 1 -rf json -rff <file>; do not pass -f, -rf or -rff. --new defaults to
# bench/target/benchmarks.jar, --secondary to 'gc\.alloc\.rate\.norm$'. JMH_JAVA names the java
# binary (default: java on the PATH). --out keeps each run's JSON and log (default: a temporary
# directory, deleted at the end). Medians of an even count are the mean of the middle two.
# Bounded: each JMH run (one fork) is killed after --timeout seconds (with its forked JVM), so the
# whole command takes at most 2 × rounds × timeout; a run that fails or times out is reported and
# its round is left out of the ratios.
set -euo pipefail

base=""
new=""
rounds=5
timeout_s=900
out=""
secondary='gc\.alloc\.rate\.norm$'
while [ $# -gt 0 ]; do
  case "$1" in
    --base) base="$2"; shift 2 ;;
    --new) new="$2"; shift 2 ;;
    --rounds) rounds="$2"; shift 2 ;;
    --timeout) timeout_s="$2"; shift 2 ;;
    --out) out="$2"; shift 2 ;;
    --secondary) secondary="$2"; shift 2 ;;
    --) shift; break ;;
    *) echo "jmh-compare: unknown flag $1 (JMH args go after --)" >&2; exit 2 ;;
  esac
done
jmh_args=("$@")
# Paths given on the command line are relative to where it was typed; the rest to the repository.
[ -z "$base" ] || base=$(realpath -m -- "$base")
[ -z "$new" ] || new=$(realpath -m -- "$new")
[ -z "$out" ] || out=$(realpath -m -- "$out")
cd "$(dirname "$0")/.."
new=${new:-bench/target/benchmarks.jar}

[ -n "$base" ] || { echo "jmh-compare: --base BASE.jar is required" >&2; exit 2; }
for jar in "$base" "$new"; do
  [ -f "$jar" ] || { echo "jmh-compare: $jar is missing (run 'mvn -q -DskipTests package' first)" >&2; exit 1; }
done
[[ "$rounds" =~ ^[1-9][0-9]*$ ]] || { echo "jmh-compare: --rounds must be a positive integer" >&2; exit 2; }
[[ "$timeout_s" =~ ^[1-9][0-9]*$ ]] || { echo "jmh-compare: --timeout must be a positive number of seconds" >&2; exit 2; }
[ ${#jmh_args[@]} -gt 0 ] || { echo "jmh-compare: name the benchmark after --, e.g. -- 'FanOutBenchmark.delivery'" >&2; exit 2; }
for a in "${jmh_args[@]}"; do
  case "$a" in
    -f|-f=*|-f[0-9]*|-rf|-rf=*|-rff|-rff=*)
      echo "jmh-compare: $a: the script sets the forks (-f 1) and the result file itself" >&2; exit 2 ;;
  esac
done

work=$(mktemp -d)
out=${out:-$work}
mkdir -p "$out"
cleanup() { [ "$out" = "$work" ] || rm -rf "$work"; }
trap cleanup EXIT

java_bin=${JMH_JAVA:-java}
echo "jmh-compare: base $base ($(sha256sum "$base" | cut -c1-12)), new $new ($(sha256sum "$new" | cut -c1-12))" >&2
echo "jmh-compare: $rounds rounds, each run killed after ${timeout_s}s; results in $out" >&2

status=0
start=$(date +%s)
for round in $(seq "$rounds"); do
  if [ $((round % 2)) -eq 1 ]; then sides=(base new); else sides=(new base); fi
  for side in "${sides[@]}"; do
    if [ "$side" = base ]; then jar=$base; else jar=$new; fi
    json="$out/$round-$side.json"
    log="$out/$round-$side.log"
    rm -f "$json"
    cmd=("$java_bin" -jar "$jar" "${jmh_args[@]}" -f 1 -rf json -rff "$json")
    echo "jmh-compare: round $round/$rounds, $side: ${cmd[*]}" >&2
    rc=0
    timeout --kill-after=10s "${timeout_s}s" "${cmd[@]}" >"$log" 2>&1 || rc=$?
    if [ "$rc" -ne 0 ] || [ ! -s "$json" ] || [ "$(jq length "$json" 2>/dev/null || echo 0)" = 0 ]; then
      [ "$rc" -eq 124 ] && why="timed out after ${timeout_s}s" || why="exit $rc"
      echo "jmh-compare: round $round, $side FAILED ($why, no results); the last lines of $log:" >&2
      tail -n 15 "$log" >&2 || true
      rm -f "$json"
      status=1
      continue
    fi
    # JMH's benchmark exceptions do not fail the run; its log says so.
    if grep -q '<failure' "$log"; then
      echo "jmh-compare: round $round, $side: a benchmark failed, see $log" >&2
      status=1
    fi
    jq -r --arg side "$side" '.[] | "jmh-compare:   \($side) \(.benchmark | split(".")[-2:] | join(".")) \(.params // {} | to_entries | map("\(.key)=\(.value)") | join(","))  \(.primaryMetric.score * 1000 | round / 1000) \(.primaryMetric.scoreUnit)"' "$json" >&2
  done
done
echo "jmh-compare: $(( $(date +%s) - start ))s" >&2

python3 - "$out" "$rounds" "$secondary" <<'EOF'
import json, os, re, sys

out, rounds, secondary = sys.argv[1], int(sys.argv[2]), re.compile(sys.argv[3])

def median(xs):
    xs = sorted(xs)
    n = len(xs)
    if n == 0:
        return None
    return xs[n // 2] if n % 2 else (xs[n // 2 - 1] + xs[n // 2]) / 2

# (benchmark, mode, params, metric) -> {"unit": u, "base": {round: score}, "new": {round: score}}
rows = {}
order = []
for r in range(1, rounds + 1):
    for side in ("base", "new"):
        path = os.path.join(out, f"{r}-{side}.json")
        if not os.path.exists(path):
            continue
        with open(path) as f:
            results = json.load(f)
        for res in results:
            name = ".".join(res["benchmark"].split(".")[-2:])
            params = ",".join(f"{k}={v}" for k, v in (res.get("params") or {}).items())
            metrics = [("", res["primaryMetric"])]
            metrics += [(m, v) for m, v in (res.get("secondaryMetrics") or {}).items() if secondary.search(m)]
            for metric, v in metrics:
                key = (name, res["mode"], params, metric)
                if key not in rows:
                    rows[key] = {"unit": v["scoreUnit"], "base": {}, "new": {}}
                    order.append(key)
                rows[key][side][r] = v["score"]

def fmt(x):
    if x is None:
        return "-"
    a = abs(x)
    return f"{x:,.0f}" if a >= 1000 else f"{x:.1f}" if a >= 100 else f"{x:.2f}" if a >= 10 else f"{x:.3f}"

table = [["benchmark", "mode", "params", "unit", "rounds", "median base", "median new",
          "median new/base", "per-round new/base"]]
for key in order:
    name, mode, params, metric = key
    row = rows[key]
    paired = sorted(set(row["base"]) & set(row["new"]))
    ratios = [row["new"][r] / row["base"][r] for r in paired if row["base"][r] != 0]
    table.append([name + ("·" + metric.lstrip("·") if metric else ""), mode, params or "-", row["unit"],
                  f"{len(row['base'])}/{len(row['new'])}",
                  fmt(median(row["base"].values())), fmt(median(row["new"].values())),
                  "-" if not ratios else f"{median(ratios):.3f}",
                  ", ".join(f"{x:.3f}" for x in ratios) or "-"])
if len(table) == 1:
    print("jmh-compare: no results", file=sys.stderr)
    sys.exit(1)
widths = [max(len(r[i]) for r in table) for i in range(len(table[0]))]
for r in table:
    print("  ".join(c.ljust(w) if i < 4 else c.rjust(w) if i < 8 else c for i, (c, w) in enumerate(zip(r, widths))).rstrip())
EOF
exit "$status"
