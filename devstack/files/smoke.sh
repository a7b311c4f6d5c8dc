#!/bin/bash
# Smoke test of mcimage in a devstack, run by the devstack jobs of
# .zuul.yaml after stack.sh. It acts through "openstack multicloud ..." as
# the user of the OS_* variables (source devstack's openrc first, e.g.
# "source openrc demo demo") and looks at this devstack's Glance directly
# with "openstack image ...".
#
# It uploads random data through mcimage into the VIM $MCIMAGE_VIM_ID
# (default devstack_$OS_REGION_NAME), checks that Glance holds that data
# (status, size, md5), downloads it back through mcimage and compares,
# then deletes it and checks that Glance has it no more. With
# MCIMAGE_SMOKE_TASK=True it also imports the data as a task from a URL on
# 127.0.0.1:$MCIMAGE_SMOKE_HTTP_PORT (the VIM must be in auth_mode service
# and [task] must allow 127.0.0.0/8 and that port), then checks and deletes
# that image too. The first failure ends it non-zero; what it made is
# deleted in any case.
set -o errexit -o nounset -o pipefail

VIM=${MCIMAGE_VIM_ID:-devstack_${OS_REGION_NAME:-RegionOne}}
SIZE_MIB=${MCIMAGE_SMOKE_SIZE_MIB:-16}
TASK=${MCIMAGE_SMOKE_TASK:-False}
HTTP_PORT=${MCIMAGE_SMOKE_HTTP_PORT:-8999}

WORK=$(mktemp -d)
# Images not deleted yet, and the local web server of the task.
IMAGES=""
HTTP_PID=""

function cleanup {
    local image
    if [[ -n "$HTTP_PID" ]]; then
        kill "$HTTP_PID" 2>/dev/null || true
    fi
    for image in $IMAGES; do
        openstack multicloud image delete --vim "$VIM" "$image" \
            >/dev/null 2>&1 || true
    done
    rm -rf "$WORK"
}
trap cleanup EXIT

function fail {
    echo "FAIL: $*" >&2
    exit 1
}

function step {
    echo "== $*"
}

# check_in_glance IMAGE_ID: Glance holds the data of $WORK/disk.img.
function check_in_glance {
    local image=$1
    local status size checksum

    status=$(openstack image show "$image" -f value -c status)
    size=$(openstack image show "$image" -f value -c size)
    checksum=$(openstack image show "$image" -f value -c checksum)
    [[ "$status" == "active" ]] || fail "image $image is $status in Glance"
    [[ "$size" == "$SIZE" ]] || \
        fail "image $image has $size bytes in Glance, not $SIZE"
    [[ "$checksum" == "$MD5" ]] || \
        fail "image $image has md5 $checksum in Glance, not $MD5"
    echo "Glance holds $image: active, $size bytes, md5 $checksum"
}

# delete_image IMAGE_ID: through mcimage; Glance has it no more.
function delete_image {
    local image=$1
    local answer

    openstack multicloud image delete --vim "$VIM" "$image"
    IMAGES=${IMAGES/$image/}
    if answer=$(openstack image show "$image" -f value -c status 2>&1); then
        fail "image $image is still in Glance ($answer)"
    fi
    echo "Glance has $image no more: $answer"
}

function check_vim {
    step "openstack multicloud vim list"
    openstack multicloud vim list
    openstack multicloud vim list -f value -c ID | grep -qxF "$VIM" || \
        fail "VIM $VIM is not listed"
    [[ "$(openstack multicloud vim show "$VIM" -f value -c reachable)" == \
        "True" ]] || fail "VIM $VIM does not answer"
}

function upload_download_delete {
    local image

    step "openstack multicloud image create ($SIZE_MIB MiB)"
    image=$(openstack multicloud image create --vim "$VIM" \
        --disk-format raw --file "$WORK/disk.img" -f value -c id \
        mcimage-smoke)
    IMAGES="$IMAGES $image"
    check_in_glance "$image"

    step "openstack multicloud image download"
    openstack multicloud image download --vim "$VIM" \
        --file "$WORK/disk.back" "$image"
    sha256sum "$WORK/disk.img" "$WORK/disk.back"
    [[ "$(sha256sum < "$WORK/disk.back")" == \
        "$(sha256sum < "$WORK/disk.img")" ]] || \
        fail "the data downloaded is not the data uploaded"

    step "openstack multicloud image delete"
    delete_image "$image"
}

# The web server the task reads from, until it answers.
function start_http_server {
    local i

    python3 -m http.server --bind 127.0.0.1 --directory "$WORK" \
        "$HTTP_PORT" > "$WORK/http.log" 2>&1 &
    HTTP_PID=$!
    for i in $(seq 30); do
        if curl -sf -o /dev/null "http://127.0.0.1:$HTTP_PORT/disk.img"; then
            return 0
        fi
        sleep 1
    done
    cat "$WORK/http.log" >&2
    fail "no web server on 127.0.0.1:$HTTP_PORT"
}

function import_task {
    local url="http://127.0.0.1:$HTTP_PORT/disk.img"
    local task answer status image

    step "openstack multicloud task create --import-from $url"
    start_http_server
    # Fails (exit 1, the task's message on stderr) unless it succeeds.
    answer=$(openstack multicloud task create --import-from "$url" \
        --disk-format raw --name mcimage-smoke-task --target "$VIM" \
        --wait --timeout 600 --no-progress -f json)
    echo "$answer"
    # The task's id, its status and the image it made in its one target.
    read -r task status image < <(python3 -c 'import json, sys
task = json.load(sys.stdin)
images = [t["image_id"] for t in task["result"] if t["image_id"]]
print(task["id"], task["status"], images[0] if images else "none")' \
        <<< "$answer")
    if [[ "$image" != "none" ]]; then
        IMAGES="$IMAGES $image"
    fi
    [[ "$status" == "success" && "$image" != "none" ]] || \
        fail "task $task: $status, image $image"
    check_in_glance "$image"
    delete_image "$image"
    openstack multicloud task delete "$task"
}

head -c $((SIZE_MIB * 1024 * 1024)) /dev/urandom > "$WORK/disk.img"
SIZE=$(stat -c %s "$WORK/disk.img")
MD5=$(md5sum < "$WORK/disk.img" | cut -d' ' -f1)

check_vim
upload_download_delete
if [[ "$TASK" == "True" ]]; then
    import_task
fi
echo "mcimage smoke test passed"
