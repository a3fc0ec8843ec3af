#!/usr/bin/env bash
# Installs the PostgreSQL clients the end-to-end tests drive against `hrss serve`, when missing:
# psql (Debian's postgresql-client) and psycopg (PyPI) in a project-local virtual environment.
# Usage: tests/clients/install.sh VENV_DIR    (prints nothing on success but what it installed)
set -euo pipefail
venv="${1:?usage: install.sh VENV_DIR}"

if ! command -v psql >/dev/null 2>&1; then
    echo "installing postgresql-client (psql) from Debian" >&2
    sudo_if_needed=""
    if [ "$(id -u)" != 0 ]; then sudo_if_needed="sudo"; fi
    $sudo_if_needed apt-get update -qq >&2
    DEBIAN_FRONTEND=noninteractive $sudo_if_needed apt-get install -y -qq postgresql-client >&2
fi

if [ ! -x "$venv/bin/python" ] || ! "$venv/bin/python" -c "import psycopg" 2>/dev/null; then
    echo "installing psycopg into $venv" >&2
    python3 -m venv "$venv" >&2
    "$venv/bin/pip" install --quiet --disable-pip-version-check "psycopg[binary]==3.2.*" >&2
fi
