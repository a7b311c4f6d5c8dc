#!/bin/bash
# The whole mcimage test suite, unit and functional, in one stestr run.
# On a fresh Debian machine as root it installs what it needs itself.
# The functional tests start real Glance and Keystone servers (from their
# own virtualenv, $MCIMAGE_GLANCE_VENV), PostgreSQL clusters and Redis
# servers on 127.0.0.1 and stop them (tests/functional/fixtures/).
# Ends with one line: "N passed, M failed".
set -u -o pipefail

TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$TOP"
EXTRA_REQUIREMENTS="-r $TOP/test-requirements.txt"
. "$TOP/tools/bootstrap.sh"
ensure_venv || exit 1
ensure_glance_venv || exit 1

# Debian packages the suite needs (bindep.txt, profile "test"): the missing
# ones in one apt-get run.
missing=()
if ! command -v qemu-img >/dev/null 2>&1; then
    missing+=(qemu-utils)
fi
# The database tests run on a throwaway cluster.
if ! compgen -G '/usr/lib/postgresql/*/bin/initdb' >/dev/null; then
    missing+=(postgresql)
fi
# The jobboard tests run on a throwaway Redis.
if ! command -v redis-server >/dev/null 2>&1; then
    missing+=(redis-server)
fi
if [ ${#missing[@]} -gt 0 ]; then
    apt_install "${missing[@]}" || exit 1
fi

export OS_TEST_PATH=./tests
log=$(mktemp)
"$VENV/bin/stestr" run --concurrency "${TEST_CONCURRENCY:-2}" "$@" \
    2>&1 | tee "$log"
rc=${PIPESTATUS[0]}
passed=$(sed -n 's/^ - Passed: \([0-9]*\)$/\1/p' "$log" | tail -1)
failed=$(sed -n 's/^ - Failed: \([0-9]*\)$/\1/p' "$log" | tail -1)
rm -f "$log"
echo "${passed:-0} passed, ${failed:-0} failed"
if [ "$rc" -ne 0 ] && [ "${failed:-0}" = 0 ]; then
    echo "stestr exited with $rc" >&2
fi
exit "$rc"
