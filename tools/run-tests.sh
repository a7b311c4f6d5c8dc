#!/bin/bash
# The whole mcimage test suite, unit and functional, in one stestr run.
# On a fresh Debian machine as root it installs what it needs itself.
# The functional tests start real Glance and Keystone servers (from their
# own virtualenv, $MCIMAGE_GLANCE_VENV), PostgreSQL clusters and Redis
# servers on 127.0.0.1 and stop them (tests/functional/fixtures/); Tempest's
# image tests run from their own virtualenv ($MCIMAGE_TEMPEST_VENV).
# Ends with one line: "N passed, M failed".
set -u -o pipefail

TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$TOP"
# The client (client/, its own distribution) and what the documentation
# builds need, next to mcimage's test requirements.
EXTRA_REQUIREMENTS="-r $TOP/test-requirements.txt -e $TOP/client
    -r $TOP/client/test-requirements.txt -r $TOP/doc/requirements.txt"
. "$TOP/tools/bootstrap.sh"
ensure_venv || exit 1
ensure_glance_venv || exit 1
ensure_tempest_venv || exit 1

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

passed=0
failed=0
rc=0
# stestr in directory $1 (its .stestr.conf), test path $2; adds its totals.
run_stestr() {
    local log run_rc count
    log=$(mktemp)
    (cd "$1" && OS_TEST_PATH=$2 "$VENV/bin/stestr" run \
        --concurrency "${TEST_CONCURRENCY:-2}" "${@:3}") 2>&1 | tee "$log"
    run_rc=${PIPESTATUS[0]}
    count=$(sed -n 's/^ - Passed: \([0-9]*\)$/\1/p' "$log" | tail -1)
    passed=$((passed + ${count:-0}))
    count=$(sed -n 's/^ - Failed: \([0-9]*\)$/\1/p' "$log" | tail -1)
    failed=$((failed + ${count:-0}))
    rm -f "$log"
    if [ "$run_rc" -ne 0 ]; then
        # Again at the end, where a CI log cut short in the middle shows it.
        echo "== failed in $1:"
        (cd "$1" && "$VENV/bin/stestr" failing 2>&1 | tail -n 150)
        echo "stestr in $1 exited with $run_rc" >&2
        rc=$run_rc
    fi
}

# mcimage's unit and functional tests, then the client's unit tests.
run_stestr "$TOP" ./tests "$@"
run_stestr "$TOP/client" ./mcimageclient/tests/unit

# The documentation, the API reference and the release notes build with
# warnings as errors (tox -e docs, api-ref, releasenotes).
for build in "doc/source doc/build/html" \
        "api-ref/source api-ref/build/html" \
        "releasenotes/source releasenotes/build/html"; do
    set -- $build
    echo "== sphinx-build -W $1"
    if ! "$VENV/bin/sphinx-build" -q -W -b html -d "$2/../doctrees" \
            "$1" "$2"; then
        echo "the build of $1 failed" >&2
        rc=1
    fi
done

# The shell scripts pass bashate (tox -e bashate).
echo "== bashate"
if ! "$VENV/bin/bashate" -v -i E006 -e E005,E042 devstack/plugin.sh \
        devstack/settings devstack/files/*.sh tools/*.sh .ci/run; then
    echo "bashate found errors in the shell scripts" >&2
    rc=1
fi

echo "$passed passed, $failed failed"
exit "$rc"
