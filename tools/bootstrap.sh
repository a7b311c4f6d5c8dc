#!/bin/bash
# Sourced by tools/quickstart.sh and tools/run-tests.sh: makes sure a
# Python 3 virtualenv exists at $VENV (default: .venv in the checkout) and
# that it holds mcimage (editable) and the extra packages named in
# $EXTRA_REQUIREMENTS. Installs Debian packages only when something is
# missing (run as root on a fresh Debian machine).

TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
VENV=${VENV:-$TOP/.venv}
PYTHON=${PYTHON:-python3}

apt_install() {
    if ! command -v apt-get >/dev/null 2>&1; then
        echo "missing system packages: $*; install them and run again" >&2
        return 1
    fi
    echo "== apt-get install $*"
    DEBIAN_FRONTEND=noninteractive apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >/dev/null
}

ensure_python() {
    local missing=()
    command -v "$PYTHON" >/dev/null 2>&1 || missing+=(python3 python3-dev)
    if ! "$PYTHON" -c 'import venv, ensurepip' >/dev/null 2>&1; then
        missing+=(python3-venv)
    fi
    command -v gcc >/dev/null 2>&1 || missing+=(gcc)
    command -v curl >/dev/null 2>&1 || missing+=(curl)
    if [ ${#missing[@]} -gt 0 ]; then
        apt_install "${missing[@]}"
    fi
}

ensure_venv() {
    ensure_python
    local log="$VENV.pip.log"
    if [ ! -x "$VENV/bin/python" ]; then
        echo "== creating the virtualenv $VENV"
        "$PYTHON" -m venv "$VENV"
        "$VENV/bin/pip" install -q --upgrade pip > "$log" 2>&1 || true
    fi
    echo "== installing mcimage and its requirements into $VENV (log: $log)"
    # shellcheck disable=SC2086
    if ! "$VENV/bin/pip" install -q -e "$TOP" $EXTRA_REQUIREMENTS \
            >> "$log" 2>&1; then
        tail -30 "$log" >&2
        echo "pip could not install mcimage into $VENV" >&2
        return 1
    fi
}
