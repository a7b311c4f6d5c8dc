#!/bin/bash
# Sourced by tools/quickstart.sh and tools/run-tests.sh: makes sure a
# Python 3 virtualenv exists at $VENV (default: .venv in the checkout) and
# that it holds mcimage (editable) and the extra packages named in
# $EXTRA_REQUIREMENTS; ensure_glance_venv makes the virtualenv that the
# clouds' services run from, apart from mcimage's: Glance (the VIM of the
# tests and of the quickstart) and Keystone (the tests that use real
# tokens). $MCIMAGE_GLANCE_VENV, default .glance-venv in the checkout.
# Installs Debian packages only when something is missing (run as root on
# a fresh Debian machine).

TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
VENV=${VENV:-$TOP/.venv}
PYTHON=${PYTHON:-python3}
# Exported: the Glance and Keystone fixtures (tests/functional/fixtures/)
# read it.
export MCIMAGE_GLANCE_VENV=${MCIMAGE_GLANCE_VENV:-$TOP/.glance-venv}
# What the clouds run with: uWSGI as devstack deploys them, gunicorn as
# the other server the Glance fixture offers. One virtualenv for both
# services: pip resolves Glance's and Keystone's oslo libraries together.
GLANCE_REQUIREMENTS=${GLANCE_REQUIREMENTS:-"glance>=30.0.0 keystone uwsgi gunicorn"}
# Exported: the Tempest fixture (tests/functional/fixtures/tempest.py)
# reads it.
export MCIMAGE_TEMPEST_VENV=${MCIMAGE_TEMPEST_VENV:-$TOP/.tempest-venv}
# Pinned: the skip list (tests/functional/tempest_skips.yaml) and the
# expected totals are these releases'.
TEMPEST_REQUIREMENTS=${TEMPEST_REQUIREMENTS:-"tempest==47.0.0 glance-tempest-plugin==0.17.0"}

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
    # uWSGI (Glance's virtualenv) compiles against Python.h.
    if command -v "$PYTHON" >/dev/null 2>&1 && ! "$PYTHON" -c 'import os, \
            sysconfig; assert os.path.exists(os.path.join( \
            sysconfig.get_paths()["include"], "Python.h"))' \
            >/dev/null 2>&1; then
        missing+=(python3-dev)
    fi
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

ensure_glance_venv() {
    ensure_python
    local venv=$MCIMAGE_GLANCE_VENV
    local log="$venv.pip.log"
    # (glance.wsgi.api and keystone.wsgi.api would read a configuration
    # at import.)
    if [ -x "$venv/bin/uwsgi" ] && "$venv/bin/python" -c \
            'import glance.cmd.manage, keystone.cmd.cli, gunicorn' \
            >/dev/null 2>&1; then
        return 0
    fi
    if [ ! -x "$venv/bin/python" ]; then
        echo "== creating Glance's virtualenv $venv"
        "$PYTHON" -m venv "$venv"
        "$venv/bin/pip" install -q --upgrade pip > "$log" 2>&1 || true
    fi
    echo "== installing Glance, Keystone, uWSGI and gunicorn into $venv" \
        "(log: $log)"
    # shellcheck disable=SC2086
    if ! "$venv/bin/pip" install -q $GLANCE_REQUIREMENTS >> "$log" 2>&1; then
        tail -30 "$log" >&2
        echo "pip could not install Glance and Keystone into $venv" >&2
        return 1
    fi
}

ensure_tempest_venv() {
    ensure_python
    local venv=$MCIMAGE_TEMPEST_VENV
    local log="$venv.pip.log"
    if [ -x "$venv/bin/tempest" ] && "$venv/bin/python" -c \
            'import tempest, glance_tempest_plugin' >/dev/null 2>&1; then
        return 0
    fi
    if [ ! -x "$venv/bin/python" ]; then
        echo "== creating Tempest's virtualenv $venv"
        "$PYTHON" -m venv "$venv"
        "$venv/bin/pip" install -q --upgrade pip > "$log" 2>&1 || true
    fi
    echo "== installing Tempest and glance-tempest-plugin into $venv" \
        "(log: $log)"
    # shellcheck disable=SC2086
    if ! "$venv/bin/pip" install -q $TEMPEST_REQUIREMENTS >> "$log" 2>&1; then
        tail -30 "$log" >&2
        echo "pip could not install Tempest into $venv" >&2
        return 1
    fi
}
