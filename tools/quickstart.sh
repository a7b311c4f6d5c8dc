#!/bin/bash
# mcimage on its embedded default, in front of a real local Glance.
#
# Sets everything up (virtualenv, mcimage, Glance), starts Glance on
# 127.0.0.1:9292 as the VIM "local_RegionOne" (Glance's trusted flavor, no
# Keystone), writes $STATE/mcimage.conf (noauth on 127.0.0.1:9494, sqlite
# under $STATE), syncs the database, prints curl and openstack examples
# and serves mcimage-api in the foreground. Ctrl-C stops mcimage and
# Glance.
set -eu -o pipefail

TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
STATE=${MCIMAGE_STATE:-$HOME/.local/share/mcimage}
GLANCE_PORT=${GLANCE_PORT:-9292}
PORT=${MCIMAGE_PORT:-9494}
# The Glance launcher (tests/functional/fixtures/glance.py) is a fixture;
# the client and the openstack command for the examples printed below.
EXTRA_REQUIREMENTS="fixtures -e $TOP/client python-openstackclient"
. "$TOP/tools/bootstrap.sh"
ensure_venv
ensure_glance_venv

mkdir -p "$STATE"
CONF=$STATE/mcimage.conf
if [ ! -f "$CONF" ]; then
    cat > "$CONF" <<CONF
[DEFAULT]
# The embedded default: no Keystone. Any local caller may claim any
# identity with X-Project-Id / X-User-Id / X-Roles (policy still applies).
auth_strategy = noauth
state_path = $STATE
enabled_vims = local_RegionOne
log_file = $STATE/mcimage-api.log

[api]
bind_host = 127.0.0.1
bind_port = $PORT

[vim:local_RegionOne]
description = Local Glance started by tools/quickstart.sh
auth_mode = trusted
endpoint_override = http://127.0.0.1:$GLANCE_PORT
CONF
    echo "== wrote $CONF"
fi

echo "== starting Glance on 127.0.0.1:$GLANCE_PORT (work dir $STATE/glance)"
(cd "$TOP" && exec "$VENV/bin/python" -u -m tests.functional.fixtures.glance \
    --workdir "$STATE/glance" --port "$GLANCE_PORT") \
    > "$STATE/glance-server.out" 2>&1 &
GLANCE_PID=$!
stop_glance() {
    kill -TERM "$GLANCE_PID" 2>/dev/null && wait "$GLANCE_PID" 2>/dev/null
    true
}
trap stop_glance EXIT
for _ in $(seq 120); do
    grep -q '^Glance endpoint:' "$STATE/glance-server.out" 2>/dev/null && break
    kill -0 "$GLANCE_PID" 2>/dev/null || {
        cat "$STATE/glance-server.out" >&2; exit 1; }
    sleep 0.5
done
grep -q '^Glance endpoint:' "$STATE/glance-server.out" || {
    echo "Glance did not start; see $STATE/glance" >&2; exit 1; }

"$VENV/bin/mcimage-manage" --config-file "$CONF" db sync
"$VENV/bin/mcimage-status" --config-file "$CONF" upgrade check || true

U=http://127.0.0.1:$PORT/v1/local_RegionOne/admin
cat <<EOT

mcimage is starting on http://127.0.0.1:$PORT (log: $STATE/mcimage-api.log)
in front of Glance at http://127.0.0.1:$GLANCE_PORT as VIM local_RegionOne.

    # the VIMs
    curl -s http://127.0.0.1:$PORT/v1/vims

    # ONAP upload (multipart form: fields first, then the file)
    head -c 100M /dev/urandom > /tmp/disk.img
    curl -s -X POST $U/images/file \\
         -F imageType=raw -F containerFormat=bare -F visibility=private \\
         -F 'properties=[{"keyName": "os_distro", "value": "cirros"}]' \\
         -F file=@/tmp/disk.img

    # download it back (ID from the answer above) and compare
    curl -s -o /tmp/disk.back $U/images/file/ID
    sha256sum /tmp/disk.img /tmp/disk.back

The same with the openstack command (python-mcimageclient, in $VENV):

    . $VENV/bin/activate
    export OS_AUTH_TYPE=none OS_ENDPOINT=http://127.0.0.1:$PORT
    openstack multicloud vim list
    openstack multicloud image create --vim local_RegionOne --tenant admin \\
        --disk-format raw --container-format bare --private \\
        --property os_distro=cirros --file /tmp/disk.img --progress disk
    openstack multicloud image list --vim local_RegionOne --tenant admin
    openstack multicloud image download --vim local_RegionOne --tenant admin \\
        --file /tmp/disk.back disk
    sha256sum /tmp/disk.img /tmp/disk.back

Any Glance client, through mcimage's Glance endpoint for that VIM:

    export OS_IMAGE_ENDPOINT_OVERRIDE=http://127.0.0.1:$PORT/glance/local_RegionOne
    openstack image create --disk-format raw --container-format bare \\
        --file /tmp/disk.img glance-way
    openstack image list

Ctrl-C stops mcimage and Glance.
EOT
"$VENV/bin/mcimage-api" --config-file "$CONF"
