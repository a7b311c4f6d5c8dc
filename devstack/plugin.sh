#!/bin/bash
# plugin.sh - the devstack plugin of mcimage, the multicloud image service
#
# In local.conf:
#
#   [[local|localrc]]
#   enable_plugin mcimage https://opendev.org/x/mcimage
#
# installs mcimage and python-mcimageclient (openstack multicloud ...),
# serves mcimage-api under gunicorn in front of this devstack's Glance (the
# VIM ${MCIMAGE_VIM_OWNER}_${REGION_NAME}) and registers the
# multicloud-image service. The settings are in devstack/settings, the
# choices explained in devstack/README.rst.

# Save trace setting
_XTRACE_MCIMAGE=$(set +o | grep xtrace)
set -o xtrace

MCIMAGE_BIN_DIR=$(get_python_exec_prefix)

# is_service_enabled mcimage: any mcimage-* service.
function is_mcimage_enabled {
    [[ ,${ENABLED_SERVICES} =~ ,"mcimage-" ]] && return 0
    return 1
}

# The root URL clients use (the catalog's endpoint adds /v1).
function mcimage_service_url {
    echo "$MCIMAGE_SERVICE_PROTOCOL://$MCIMAGE_SERVICE_HOST:$MCIMAGE_SERVICE_PORT"
}

# The port gunicorn listens on: behind the TLS proxy, the internal one.
function _mcimage_bind_port {
    if is_service_enabled tls-proxy; then
        echo "$MCIMAGE_SERVICE_PORT_INT"
    else
        echo "$MCIMAGE_SERVICE_PORT"
    fi
}

# Redis for the jobboard, from the distribution's packages.
function _mcimage_install_redis {
    if is_ubuntu; then
        install_package redis-server
        restart_service redis-server
    elif [[ "$DISTRO" =~ rhel10 ]]; then
        install_package valkey
        restart_service valkey
    elif is_fedora; then
        install_package redis
        restart_service redis
    else
        exit_distro_not_supported "redis installation"
    fi
}

# install_mcimage() - mcimage, its client, gunicorn (and Redis)
function install_mcimage {
    if [[ "$MCIMAGE_JOBBOARD" == "redis" ]]; then
        _mcimage_install_redis
    fi
    setup_develop $MCIMAGE_DIR
    setup_develop $MCIMAGE_CLIENT_DIR
    # The API's server: gunicorn's gthread workers stream request bodies,
    # chunked ones included (doc/source/contributor/data-path.rst).
    pip_install_gr gunicorn
}

# The VIM: this devstack's Glance, found in the Keystone catalog.
function _mcimage_configure_vim {
    local group="vim:$MCIMAGE_VIM_ID"

    if [[ ! "$MCIMAGE_VIM_AUTH_MODE" =~ ^(token|service)$ ]]; then
        die $LINENO "MCIMAGE_VIM_AUTH_MODE must be token or service," \
            "not '$MCIMAGE_VIM_AUTH_MODE'"
    fi
    iniset $MCIMAGE_CONF DEFAULT enabled_vims $MCIMAGE_VIM_ID
    iniset $MCIMAGE_CONF $group description \
        "The Glance of this DevStack, region $REGION_NAME"
    iniset $MCIMAGE_CONF $group auth_mode $MCIMAGE_VIM_AUTH_MODE
    iniset $MCIMAGE_CONF $group region_name $REGION_NAME
    # Glance's only endpoint in devstack is its public one.
    iniset $MCIMAGE_CONF $group valid_interfaces public
    # mcimage's service user: how it acts in service mode; in token mode
    # only for its own calls (the clean-up after a crash).
    iniset $MCIMAGE_CONF $group auth_type password
    iniset $MCIMAGE_CONF $group auth_url $KEYSTONE_SERVICE_URI
    iniset $MCIMAGE_CONF $group username mcimage
    iniset $MCIMAGE_CONF $group password $SERVICE_PASSWORD
    iniset $MCIMAGE_CONF $group user_domain_name "$SERVICE_DOMAIN_NAME"
    iniset $MCIMAGE_CONF $group project_name $SERVICE_PROJECT_NAME
    iniset $MCIMAGE_CONF $group project_domain_name "$SERVICE_DOMAIN_NAME"
    if is_service_enabled tls-proxy; then
        iniset $MCIMAGE_CONF $group cafile $SSL_BUNDLE_FILE
    fi

    if [[ "$MCIMAGE_VIM_AUTH_MODE" == "service" ]]; then
        # A caller's project, found by name in the VIM's Keystone, is
        # itself: the tenant it may act in.
        iniset $MCIMAGE_CONF $group project_map_domain_name \
            "$MCIMAGE_PROJECT_DOMAIN_NAME"
    else
        # A service token along with the caller's, as nova sends Glance:
        # an upload may outlive the caller's token.
        iniset $MCIMAGE_CONF service_user send_service_user_token True
        configure_keystoneauth $MCIMAGE_CONF mcimage service_user
        if is_service_enabled tls-proxy; then
            iniset $MCIMAGE_CONF service_user cafile $SSL_BUNDLE_FILE
        fi
    fi
}

# The tasks: run by the API processes, or by mcimage-worker from Redis.
function _mcimage_configure_tasks {
    iniset $MCIMAGE_CONF task persistence_connection \
        $(database_connection_url mcimage_flows)
    case "$MCIMAGE_JOBBOARD" in
        none)
            if is_service_enabled mcimage-worker; then
                die $LINENO "mcimage-worker runs tasks from a jobboard:" \
                    "set MCIMAGE_JOBBOARD=redis"
            fi
            ;;
        redis)
            iniset $MCIMAGE_CONF task jobboard_backend redis
            iniset $MCIMAGE_CONF task jobboard_backend_hosts \
                $MCIMAGE_REDIS_HOST
            iniset $MCIMAGE_CONF task jobboard_backend_port \
                $MCIMAGE_REDIS_PORT
            ;;
        *)
            die $LINENO "MCIMAGE_JOBBOARD must be none or redis," \
                "not '$MCIMAGE_JOBBOARD'"
            ;;
    esac
}

# configure_mcimage() - /etc/mcimage/mcimage.conf and its companions
function configure_mcimage {
    sudo install -d -o $STACK_USER -m 755 $MCIMAGE_CONF_DIR
    install -d -m 750 $MCIMAGE_STATE_PATH
    # An editable install leaves the example files in the tree: the API
    # looks for api-paste.ini next to its configuration file.
    cp $MCIMAGE_DIR/etc/mcimage/api-paste.ini $MCIMAGE_CONF_DIR/
    cp $MCIMAGE_DIR/etc/mcimage/mcimage-api-gunicorn.conf.py \
        $MCIMAGE_GUNICORN_CONF
    rm -f $MCIMAGE_CONF

    iniset $MCIMAGE_CONF DEFAULT debug $ENABLE_DEBUG_LOG_LEVEL
    iniset $MCIMAGE_CONF DEFAULT auth_strategy keystone
    iniset $MCIMAGE_CONF DEFAULT state_path $MCIMAGE_STATE_PATH
    setup_logging $MCIMAGE_CONF

    # gunicorn is told where to listen on its command line (start_mcimage);
    # these say the same, and links name the URL clients use.
    iniset $MCIMAGE_CONF api bind_host $(ipv6_unquote $MCIMAGE_SERVICE_HOST)
    iniset $MCIMAGE_CONF api bind_port $(_mcimage_bind_port)
    iniset $MCIMAGE_CONF api public_endpoint $(mcimage_service_url)

    iniset $MCIMAGE_CONF database connection \
        $(database_connection_url mcimage)
    configure_keystone_authtoken_middleware $MCIMAGE_CONF mcimage

    _mcimage_configure_vim
    _mcimage_configure_tasks
}

# create_mcimage_accounts() - the service user, service and endpoints
function create_mcimage_accounts {
    local project url

    create_service_user "mcimage"
    for project in ${MCIMAGE_SERVICE_USER_PROJECTS//,/ }; do
        get_or_add_user_project_role member mcimage $project \
            "$SERVICE_DOMAIN_NAME" "$MCIMAGE_PROJECT_DOMAIN_NAME"
    done
    get_or_create_service "mcimage" "multicloud-image" \
        "Multicloud Image Service"
    url="$(mcimage_service_url)/v1"
    get_or_create_endpoint "multicloud-image" "$REGION_NAME" \
        "$url" "$url" "$url"
}

# init_mcimage() - the databases, at their latest revision
function init_mcimage {
    local rc=0

    if is_service_enabled $DATABASE_BACKENDS; then
        recreate_database mcimage
        recreate_database mcimage_flows
    fi
    $MCIMAGE_BIN_DIR/mcimage-manage --config-file $MCIMAGE_CONF db sync
    # 1 is a warning, 2 a failure.
    $MCIMAGE_BIN_DIR/mcimage-status --config-file $MCIMAGE_CONF \
        upgrade check || rc=$?
    if [[ $rc -ge 2 ]]; then
        die $LINENO "mcimage-status upgrade check failed"
    fi
}

# start_mcimage() - the API under gunicorn, and the workers
function start_mcimage {
    local bind_port
    bind_port=$(_mcimage_bind_port)

    if is_service_enabled tls-proxy; then
        start_tls_proxy mcimage '*' $MCIMAGE_SERVICE_PORT \
            $MCIMAGE_SERVICE_HOST $MCIMAGE_SERVICE_PORT_INT
    fi
    # The application reads the files of MCIMAGE_CONFIG_FILES, never
    # gunicorn's command line; the command line overrides the bind and
    # workers of the shipped gunicorn configuration.
    run_process mcimage-api "$MCIMAGE_BIN_DIR/gunicorn \
        --config $MCIMAGE_GUNICORN_CONF \
        --bind $MCIMAGE_SERVICE_HOST:$bind_port \
        --workers $MCIMAGE_API_WORKERS \
        --env MCIMAGE_CONFIG_FILES=$MCIMAGE_CONF \
        mcimage.wsgi.api:application"
    if is_service_enabled mcimage-api; then
        echo "Waiting for mcimage-api to start..."
        if ! wait_for_service $SERVICE_TIMEOUT $(mcimage_service_url)/; then
            die $LINENO "mcimage-api did not start"
        fi
    fi
    run_process mcimage-worker \
        "$MCIMAGE_BIN_DIR/mcimage-worker --config-file $MCIMAGE_CONF"
}

# stop_mcimage() - stop the API and the workers
function stop_mcimage {
    local service
    for service in mcimage-api mcimage-worker; do
        stop_process $service
    done
}

# cleanup_mcimage() - what a fresh stack must not find
function cleanup_mcimage {
    sudo rm -rf $MCIMAGE_STATE_PATH $MCIMAGE_CONF_DIR
}

if is_service_enabled mcimage; then
    if [[ "$1" == "stack" && "$2" == "install" ]]; then
        echo_summary "Installing mcimage"
        install_mcimage
    elif [[ "$1" == "stack" && "$2" == "post-config" ]]; then
        echo_summary "Configuring mcimage"
        configure_mcimage
        create_mcimage_accounts
    elif [[ "$1" == "stack" && "$2" == "extra" ]]; then
        echo_summary "Initializing and starting mcimage"
        init_mcimage
        start_mcimage
    fi

    if [[ "$1" == "unstack" ]]; then
        echo_summary "Stopping mcimage"
        stop_mcimage
    fi

    if [[ "$1" == "clean" ]]; then
        echo_summary "Cleaning mcimage"
        cleanup_mcimage
    fi
fi

# Restore xtrace
$_XTRACE_MCIMAGE
