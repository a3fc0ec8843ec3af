#!/usr/bin/env bash
# Ingest benchmark: `hrss ingest` (validation + pseudonymization + Delta commit) against DuckDB's
# CSV -> Parquet COPY on the same generated contributions file, interleaved, with wall time and peak RSS.
#
#   bench/ingest.sh [ROWS] [ROUNDS]      defaults: 10000000 rows, 3 rounds after a warm-up
#
# Installs DuckDB from PyPI into bench/.venv (project-local) and builds hrss in release mode.
set -euo pipefail
cd "$(dirname "$0")/.."
ROWS="${1:-10000000}"
ROUNDS="${2:-3}"
WORK="${HRSS_BENCH_DIR:-target/bench}"

if [ ! -x bench/.venv/bin/python ]; then
    python3 -m venv bench/.venv
fi
bench/.venv/bin/python -c "import duckdb" 2>/dev/null || bench/.venv/bin/pip install --quiet "duckdb==1.*"
cargo build --release --locked -p hrss-cli

mkdir -p "$WORK"
CSV="$WORK/input/社保缴费明细_2025.csv"
if [ ! -f "$CSV" ] || [ "$(cat "$WORK/input/.rows" 2>/dev/null)" != "$ROWS" ]; then
    rm -rf "$WORK/input"
    target/release/hrss generate --out "$WORK/input" --rows "$ROWS" --only contributions
    echo "$ROWS" > "$WORK/input/.rows"
fi
# DuckDB reads GB18030 only through its `encodings` extension, downloaded from duckdb.org at run time (not
# reachable from every machine), so both tools get the same data as UTF-8; hrss's GB18030 run is reported too.
UTF8="$WORK/input-utf8/社保缴费明细_2025_utf8.csv"
if [ ! -f "$UTF8" ] || [ "$UTF8" -ot "$CSV" ]; then
    mkdir -p "$(dirname "$UTF8")"
    bench/.venv/bin/python -c "
import sys, shutil
with open(sys.argv[1], encoding='gb18030', newline='') as src, open(sys.argv[2], 'w', encoding='utf-8', newline='') as dst:
    shutil.copyfileobj(src, dst, 1 << 20)" "$CSV" "$UTF8"
fi
exec bench/.venv/bin/python bench/ingest_vs_duckdb.py --csv "$UTF8" --gb18030-csv "$CSV" --rows "$ROWS" --rounds "$ROUNDS" --work "$WORK"
