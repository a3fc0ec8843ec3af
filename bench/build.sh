#!/usr/bin/env bash
# Build benchmark: the full `hrss build` over a warehouse holding ROWS contribution records (the other sources at
# the demo's city scale: a larger survey would not fit an Excel sheet), then the rebuild after each of ROUNDS new
# months of contributions is loaded.
# Target (issue 4): a rebuild after one new month costs at most 10% of the full build.
#
#   bench/build.sh [ROWS] [ROUNDS]      defaults: 10000000 rows, 3 rounds (3 full builds, then 3 new months)
#
# Release build; wall time and peak RSS from /usr/bin/time; results in target/bench/build-ROWS/results.md.
set -euo pipefail
cd "$(dirname "$0")/.."
ROWS="${1:-10000000}"
ROUNDS="${2:-3}"
WORK="${HRSS_BENCH_DIR:-target/bench}/build-$ROWS"
export HRSS_PSEUDONYM_KEY="${HRSS_PSEUDONYM_KEY:-bench-key-0123456789abcdef0123456789abcdef}"
cargo build --release --locked -p hrss-cli
HRSS="$PWD/target/release/hrss"
WAREHOUSE="$WORK/warehouse"

if [ ! -f "$WORK/.ready" ]; then
    rm -rf "$WORK"
    "$HRSS" generate --out "$WORK/input"
    "$HRSS" generate --out "$WORK/input" --rows "$ROWS" --only contributions
    "$HRSS" --warehouse "$WAREHOUSE" ingest --input "$WORK/input" > "$WORK/ingest.log"
    # New months: December's contributions again, as 2026-01, 2026-02, ... (same people, same employers).
    python3 - "$WORK/input/社保缴费明细_2025.csv" "$WORK/months" "$ROUNDS" <<'PY'
import os, sys
source, out, rounds = sys.argv[1], sys.argv[2], int(sys.argv[3])
os.makedirs(out, exist_ok=True)
with open(source, encoding="gb18030", newline="") as f:
    header = f.readline()
    december = [line for line in f if line.startswith("202512,")]
for month in range(1, rounds + 1):
    period = f"2026{month:02d}"
    with open(os.path.join(out, f"社保缴费明细_{period}.csv"), "w", encoding="gb18030", newline="") as f:
        f.write(header)
        f.writelines(period + line[6:] for line in december)
PY
    touch "$WORK/.ready"
fi

timed() {  # label, then the command; prints "label seconds peak_mb"
    local label="$1"; shift
    /usr/bin/time -f "%e %M" -o "$WORK/.time" "$@" > "$WORK/$label.log"
    read -r seconds kb < "$WORK/.time"
    echo "$label $seconds $((kb / 1024))"
}

{
    echo "| run | wall s | peak MB |"
    echo "|---|---|---|"
    for round in $(seq 1 "$ROUNDS"); do
        read -r label seconds mb < <(timed "full-$round" "$HRSS" --warehouse "$WAREHOUSE" build --full-refresh)
        echo "| full build $round | $seconds | $mb |"
    done
    for round in $(seq 1 "$ROUNDS"); do
        month="2026$(printf %02d "$round")"
        "$HRSS" --warehouse "$WAREHOUSE" ingest contributions --input "$WORK/months/社保缴费明细_$month.csv" > "$WORK/ingest-$month.log"
        read -r label seconds mb < <(timed "month-$round" "$HRSS" --warehouse "$WAREHOUSE" build)
        echo "| rebuild after loading $month | $seconds | $mb |"
    done
} | tee "$WORK/results.md"

python3 - "$WORK/results.md" <<'PY'
import re, statistics, sys
rows = [l for l in open(sys.argv[1]) if l.startswith("| full") or l.startswith("| rebuild")]
full = statistics.median(float(l.split("|")[2]) for l in rows if l.startswith("| full"))
month = statistics.median(float(l.split("|")[2]) for l in rows if l.startswith("| rebuild"))
print(f"median full build {full:.1f} s, median rebuild after a new month {month:.1f} s: {100 * month / full:.1f}% of the full build (target <= 10%)")
PY
echo "per-model summaries: $WORK/full-1.log and $WORK/month-1.log"
