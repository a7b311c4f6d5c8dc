# Licensed under the Apache License, Version 2.0 (the "License"); you may
# not use this file except in compliance with the License. You may obtain
# a copy of the License at
#
#      http://www.apache.org/licenses/LICENSE-2.0
#
# Unless required by applicable law or agreed to in writing, software
# distributed under the License is distributed on an "AS IS" BASIS, WITHOUT
# WARRANTIES OR CONDITIONS OF ANY KIND, either express or implied. See the
# License for the specific language governing permissions and limitations
# under the License.

"""WSGI entry point: ``mcimage.wsgi.api:application``.

For gunicorn (-k gthread), uWSGI or mod_wsgi. The configuration comes
from the default files (/etc/mcimage/mcimage.conf...) or from the files
named, comma-separated, in $MCIMAGE_CONFIG_FILES, read when the module is
imported. Command-line arguments of the WSGI server are not read
(oslo.config would reject them). auth_strategy = noauth is refused unless
[DEFAULT] allow_insecure_noauth is set: mcimage cannot know the address the
WSGI server listens on.

Importing the module configures mcimage and gives ``application``, which
builds the app on its first request; it starts nothing else. The
background jobs (clean-up after crashes, expiry, resuming tasks) run in
each process that calls ``start_background()`` before it serves: the
gunicorn example (etc/mcimage/mcimage-api-gunicorn.conf.py) does it in
its ``post_worker_init`` hook; under uWSGI, call it from a
``uwsgidecorators.postfork`` function. Of the processes of one host, one
runs each job at a time (mcimage.common.service.BackgroundService).
"""

import os
import sys
import threading

from oslo_log import log as logging

from mcimage.common import exception
from mcimage.common import malloc
from mcimage.common import service
from mcimage import wsgi

LOG = logging.getLogger(__name__)
_LOCK = threading.Lock()
_APPLICATION = None
_BACKGROUND = None


def _configure():
    files = [f for f in os.environ.get('MCIMAGE_CONFIG_FILES', '').split(',')
             if f]
    service.prepare_service([], default_config_files=files or None)
    try:
        wsgi.check_noauth()
    except exception.ConfigInvalid as e:
        LOG.error('%(err)s', {'err': e})
        print('mcimage.wsgi.api: %s' % e, file=sys.stderr)
        raise


def application(environ, start_response):
    global _APPLICATION
    if _APPLICATION is None:
        with _LOCK:
            if _APPLICATION is None:
                app = wsgi.init_application()
                # A WSGI server's own buffers (doc/source/contributor/
                # data-path.rst); mcimage-api keeps glibc's defaults.
                malloc.tune_for_streaming()
                _APPLICATION = app
    return _APPLICATION(environ, start_response)


def start_background():
    """Start this process's background jobs, once; a WSGI server's hook."""
    global _BACKGROUND
    with _LOCK:
        if _BACKGROUND is None:
            _BACKGROUND = service.BackgroundService()
            _BACKGROUND.start()
    return _BACKGROUND


# As the WSGI server loads this module: a configuration refused here (noauth
# without [DEFAULT] allow_insecure_noauth) stops its workers from booting,
# and gunicorn exits, instead of every request failing.
_configure()
