# gunicorn configuration for mcimage-api in production:
#
#   MCIMAGE_CONFIG_FILES=/etc/mcimage/mcimage.conf \
#       gunicorn -c /etc/mcimage/mcimage-api-gunicorn.conf.py \
#       mcimage.wsgi.api:application
#
# gthread workers stream request bodies to the application as they arrive
# and de-chunk chunked ones; sync workers would be
# killed mid-upload after "timeout" seconds. The application reads its own
# configuration files (MCIMAGE_CONFIG_FILES, else /etc/mcimage/), never
# gunicorn's command line.

bind = ['127.0.0.1:9494']
worker_class = 'gthread'
workers = 2
# Each thread serves one request at a time: uploads and downloads included.
threads = 16
# The worker heartbeat, not a limit on how long a transfer may take.
timeout = 120
graceful_timeout = 30
keepalive = 5
# One control socket per machine is shared by every gunicorn otherwise.
control_socket_disable = True


def post_worker_init(worker):
    # Each worker runs the background jobs (clean-up after crashes, expiry,
    # resuming tasks); a lock file in state_path lets one process of the
    # host run each job at a time.
    from mcimage.wsgi import api
    api.start_background()
