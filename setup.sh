#!/usr/bin/env bash
# Set up tinygrad_edu on this machine; safe to run again.
#   bash setup.sh        the package, its command line and plots, in the environment .venv/
#   bash setup.sh dev    also what the tests, lint and docs need (and PyTorch's CPU build)
#
# The environment: with a virtual environment active ($VIRTUAL_ENV) the package goes into it
# and .venv becomes a link to it; otherwise into .venv/, made with `python3 -m venv`. Either
# way .venv/bin/ holds the python and the tinygrad-edu command the README runs.
set -euo pipefail
cd "$(dirname "$0")"

dev=no
case "${1:-}" in
    "") ;;
    dev) dev=yes ;;
    *) echo "setup.sh: unknown argument '$1' (use: bash setup.sh [dev])" >&2; exit 2 ;;
esac

# can_apt: we are root and apt-get is at hand
can_apt() { [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; }
apt_updated=no
apt_install() {  # apt_install PACKAGE...: quietly, once per run for the index
    if [ "$apt_updated" = no ]; then apt-get update -qq && apt_updated=yes; fi
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >/dev/null
}

# --- the Python environment ------------------------------------------------------------
if [ -n "${VIRTUAL_ENV:-}" ] && [ "$(cd "$VIRTUAL_ENV" && pwd -P)" != "$(pwd -P)/.venv" ]; then
    if [ -e .venv ] && [ ! -L .venv ]; then
        echo "setup.sh: .venv/ exists and is not your active environment $VIRTUAL_ENV;" \
            "remove .venv or deactivate, then run again" >&2
        exit 1
    fi
    ln -sfn "$VIRTUAL_ENV" .venv
    echo "setup: using your active environment $VIRTUAL_ENV (.venv links to it)"
elif [ ! -x .venv/bin/python ]; then
    python=$(command -v python3 || command -v python || true)
    if [ -z "$python" ]; then
        echo "setup.sh: no python3 on PATH; install Python 3.10 or newer" >&2
        exit 1
    fi
    if ! "$python" -c "import ensurepip, venv" >/dev/null 2>&1; then
        if can_apt; then
            echo "setup: installing python3-venv with apt-get"
            apt_install python3-venv
        else
            echo "setup.sh: $python cannot make a virtual environment;" \
                "install python3-venv (sudo apt-get install python3-venv)" >&2
            exit 1
        fi
    fi
    echo "setup: making the environment .venv/ with $python"
    rm -rf .venv
    "$python" -m venv .venv
fi
py=.venv/bin/python
pip() { "$py" -m pip --disable-pip-version-check "$@"; }

# --- system programs ----------------------------------------------------------------------
# The `dot` binary renders graphs; without it the library writes .dot source instead.
if ! command -v dot >/dev/null 2>&1; then
    if can_apt; then
        echo "setup: installing Graphviz (dot) with apt-get"
        apt_install graphviz || echo "setup: could not install graphviz; graphs will be written as .dot source"
    else
        echo "setup: no 'dot' and no root: graphs will be written as .dot source (apt-get install graphviz)"
    fi
fi
# The browser tests drive Debian's Chromium headless (never a downloaded browser).
if [ "$dev" = yes ] && ! command -v chromium >/dev/null 2>&1; then
    if can_apt; then
        echo "setup: installing Chromium with apt-get (for the browser tests)"
        apt_install chromium || echo "setup: could not install chromium; the browser tests will be skipped"
    else
        echo "setup: no chromium and no root: the browser tests will be skipped"
    fi
fi

# --- the package --------------------------------------------------------------------------
extras=plot
[ "$dev" = yes ] && extras=plot,dev
pip install -q -e ".[${extras}]"

# PyTorch is the tests' oracle, and only its CPU build: the default index serves the
# multi-gigabyte CUDA build, so torch is never asked from it. First what is already here
# (installed, or a wheel in pip's local find-links), then PyTorch's CPU index (failing
# fast where it is unreachable), else the torch-marked tests skip.
if [ "$dev" = yes ]; then
    torch_pin="torch==2.13.0"
    cpu_index=https://download.pytorch.org/whl/cpu
    if "$py" -c "import torch" >/dev/null 2>&1; then
        :
    elif pip install -q --no-index --no-deps "$torch_pin" >/dev/null 2>&1 \
        || pip install -q --no-deps \
            --index-url "$cpu_index" --timeout 5 --retries 0 "$torch_pin" >/dev/null 2>&1; then
        # torch's own small dependencies (sympy, networkx, ...): torch itself is in place.
        pip install -q "$torch_pin" || echo "setup: torch's dependencies did not install"
    else
        echo "setup: no CPU build of PyTorch reachable ($cpu_index); the PyTorch-oracle tests will be skipped"
    fi
fi
