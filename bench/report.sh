#!/usr/bin/env bash
# Report benchmark (issue 5): all five reports (HTML, PDF, and an SVG, PNG and CSV per chart) from the demo
# warehouse, timed over ROUNDS runs after a warm-up. Target: under 3 s in a release build.
#
#   bench/report.sh [ROUNDS]      default 5
#
# Release build; wall time, CPU time and peak RSS from /usr/bin/time; results in bench/results/report.md.
set -euo pipefail
cd "$(dirname "$0")/.."
ROUNDS="${1:-5}"
WORK="${HRSS_BENCH_DIR:-target/bench}/report"
export HRSS_PSEUDONYM_KEY="${HRSS_PSEUDONYM_KEY:-bench-key-0123456789abcdef0123456789abcdef}"
cargo build --release --locked -p hrss-cli
HRSS="$PWD/target/release/hrss"

if [ ! -f "$WORK/.ready" ]; then
    rm -rf "$WORK"
    mkdir -p "$WORK"
    "$HRSS" demo --out "$WORK/demo" > "$WORK/demo.log"
    touch "$WORK/.ready"
fi

times="$WORK/times.tsv"
: > "$times"
for round in $(seq 0 "$ROUNDS"); do
    rm -rf "$WORK/out"
    /usr/bin/time -f "%e\t%U\t%S\t%M" -o "$WORK/time.txt" \
        "$HRSS" --warehouse "$WORK/demo/warehouse" report --out "$WORK/out" > "$WORK/report.log"
    # Round 0 warms the page cache and is not counted.
    if [ "$round" -gt 0 ]; then cat "$WORK/time.txt" >> "$times"; fi
done

python3 - "$times" "$WORK/report.log" <<'PY'
import statistics, sys, os, datetime
rows = [list(map(float, line.split("\t"))) for line in open(sys.argv[1]) if line.strip()]
wall = statistics.median(r[0] for r in rows)
cpu = statistics.median(r[1] + r[2] for r in rows)
rss = max(r[3] for r in rows) / 1024
cores = os.cpu_count()
mem = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
verdict = "met" if wall < 3.0 else "MISSED"
table = f"""# Report benchmark

{datetime.date.today()} · {cores} cores, {mem:.0f} GiB · release build · {len(rows)} rounds after a warm-up

| step | median wall | median CPU | peak RSS | target |
|---|---|---|---|---|
| `hrss report` (all five reports: HTML, PDF, SVG + PNG + CSV per chart) | {wall:.2f} s | {cpu:.2f} s | {rss:.0f} MB | < 3 s: {verdict} |

What was rendered:

```
{open(sys.argv[2]).read().rstrip()}
```
"""
os.makedirs("bench/results", exist_ok=True)
open("bench/results/report.md", "w").write(table)
print(table)
PY
