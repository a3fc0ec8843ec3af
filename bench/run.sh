#!/usr/bin/env bash
# The benchmark: hrss beside DuckDB on the same generated data, interleaved (bench/README.md says what it measures).
#
#   bench/run.sh [--rows N] [--rounds R] [--steps ingest,queries,build,report] [--memory-limit 2g]
#
# defaults: 10000000 contribution rows, 3 rounds after a warm-up, every step, no memory limit.
# Installs DuckDB from PyPI into bench/.venv (project-local), builds hrss in release mode (unless HRSS_BIN names
# a binary to use instead), generates the data once per row count into target/bench/data-N (HRSS_BENCH_DIR
# moves target/bench), then runs bench/bench.py. Results: bench/results/bench-N.md and .json.
# HRSS_PROJECT names another project folder (pipelines/, sql/, dashboards/) for the hrss commands.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT="$PWD"

ROWS=10000000
ROUNDS=3
STEPS=ingest,queries,build,report
MEMORY_LIMIT=
usage() { sed -n '2,11s/^# \{0,1\}//p' "$0"; }
while [ $# -gt 0 ]; do
    case "$1" in
        --rows) ROWS="${2:?--rows needs a number}"; shift 2 ;;
        --rounds) ROUNDS="${2:?--rounds needs a number}"; shift 2 ;;
        --steps) STEPS="${2:?--steps needs a list}"; shift 2 ;;
        --memory-limit) MEMORY_LIMIT="${2:?--memory-limit needs a size, e.g. 2g}"; shift 2 ;;
        -h|--help) usage; exit 0 ;;
        *) echo "bench/run.sh: unknown argument $1" >&2; usage >&2; exit 2 ;;
    esac
done
case "$ROWS" in ''|*[!0-9]*) echo "bench/run.sh: --rows must be a whole number, not $ROWS" >&2; exit 2 ;; esac
case "$ROUNDS" in ''|*[!0-9]*) echo "bench/run.sh: --rounds must be a whole number, not $ROUNDS" >&2; exit 2 ;; esac
WORK="${HRSS_BENCH_DIR:-$ROOT/target/bench}"
PROJECT="${HRSS_PROJECT:-$ROOT}"
export HRSS_PSEUDONYM_KEY="${HRSS_PSEUDONYM_KEY:-bench-key-0123456789abcdef0123456789abcdef}"

# DuckDB, from PyPI, in a project-local virtual environment.
if [ ! -x bench/.venv/bin/python ]; then
    python3 -m venv bench/.venv
fi
if ! bench/.venv/bin/python -c "import duckdb" 2>/dev/null; then
    bench/.venv/bin/pip install --quiet "duckdb==1.*"
fi

# hrss: a release build of this tree, or the binary HRSS_BIN names.
if [ -n "${HRSS_BIN:-}" ]; then
    [ -f "$HRSS_BIN" ] && [ -x "$HRSS_BIN" ] || { echo "bench/run.sh: HRSS_BIN=$HRSS_BIN is not an executable file" >&2; exit 1; }
    HRSS="$(realpath "$HRSS_BIN")"
else
    cargo build --release --locked -p hrss-cli
    HRSS="$ROOT/target/release/hrss"
fi

# The data, generated once per row count: every source at city scale, then contributions at ROWS.
generate() {  # folder, then hrss generate's arguments; skipped when the folder is complete
    local folder="$1"; shift
    if [ ! -f "$folder/.complete" ]; then
        rm -rf "$folder"
        echo "generating $folder ..."
        "$HRSS" --project "$PROJECT" generate --out "$folder/input" > /dev/null
        if [ $# -gt 0 ]; then
            "$HRSS" --project "$PROJECT" generate --out "$folder/input" "$@" > /dev/null
        fi
        touch "$folder/.complete"
    fi
}
DATA="$WORK/data-$ROWS"
case ",$STEPS," in *,ingest,*|*,queries,*|*,build,*) generate "$DATA" --rows "$ROWS" --only contributions ;; esac
case ",$STEPS," in *,report,*) generate "$WORK/demo-data" ;; esac   # the demo's scale: 50000 contribution rows

exec bench/.venv/bin/python bench/bench.py --hrss "$HRSS" --project "$PROJECT" --data "$DATA" --demo-input "$WORK/demo-data/input" \
    --work "$WORK" --rows "$ROWS" --rounds "$ROUNDS" --steps "$STEPS" ${MEMORY_LIMIT:+--memory-limit "$MEMORY_LIMIT"}
