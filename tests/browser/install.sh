#!/usr/bin/env bash
# Installs what the browser check (tests/browser/check.mjs) needs, when missing:
# Chromium (Debian's chromium, at /usr/bin/chromium) and playwright-core (npm, pinned in
# package.json / package-lock.json) into tests/browser/node_modules.
# playwright-core downloads no browser of its own; the check launches /usr/bin/chromium.
# Usage: tests/browser/install.sh    (prints nothing on stdout; progress goes to stderr)
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"

if ! command -v chromium >/dev/null 2>&1 && [ ! -x /usr/bin/chromium ]; then
    echo "installing chromium from Debian" >&2
    sudo_if_needed=""
    if [ "$(id -u)" != 0 ]; then sudo_if_needed="sudo"; fi
    $sudo_if_needed apt-get update -qq >&2
    DEBIAN_FRONTEND=noninteractive $sudo_if_needed apt-get install -y -qq chromium >&2
fi

if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
    echo "install.sh: node and npm are needed for the browser check" >&2
    exit 1
fi

# npm ci when node_modules is missing, incomplete or older than the lock file.
if [ ! -d "$here/node_modules/playwright-core" ] || [ "$here/package-lock.json" -nt "$here/node_modules" ]; then
    echo "installing playwright-core into $here/node_modules" >&2
    (cd "$here" && PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm ci --silent --no-audit --no-fund >&2)
    touch "$here/node_modules"
fi
