#!/usr/bin/env bash
# Set up tinygrad_edu on this machine; safe to run again.
#   bash setup.sh        the library, the command line and plots (for the demo)
#   bash setup.sh dev    also what the tests, lint and docs need (PyTorch CPU as an oracle)
set -euo pipefail
cd "$(dirname "$0")"

# The `dot` binary renders graphs; without it the library writes .dot source instead.
if ! command -v dot >/dev/null 2>&1; then
    if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
        echo "setup: installing Graphviz (dot) with apt-get"
        apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq graphviz >/dev/null \
            || echo "setup: could not install graphviz; graphs will be written as .dot source"
    else
        echo "setup: no 'dot' and no root: graphs will be written as .dot source (apt-get install graphviz)"
    fi
fi

extras="plot"
if [ "${1:-}" = "dev" ]; then
    extras="plot,dev,torch"
    # The browser tests drive Debian's Chromium headless (never a downloaded browser).
    if ! command -v chromium >/dev/null 2>&1 && [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
        echo "setup: installing Chromium with apt-get (for the browser tests)"
        apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null \
            || echo "setup: could not install chromium; the browser tests will be skipped"
    fi
fi
python -m pip install -q --disable-pip-version-check -e ".[${extras}]"
