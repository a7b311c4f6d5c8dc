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
named, comma-separated, in $MCIMAGE_CONFIG_FILES. Command-line arguments
of the WSGI server are not read (oslo.config would reject them).
"""

import os
import threading

from mcimage.common import service
from mcimage import wsgi

_LOCK = threading.Lock()
_APPLICATION = None


def _build():
    files = [f for f in os.environ.get('MCIMAGE_CONFIG_FILES', '').split(',')
             if f]
    service.prepare_service([], default_config_files=files or None)
    return wsgi.init_application()


def application(environ, start_response):
    global _APPLICATION
    if _APPLICATION is None:
        with _LOCK:
            if _APPLICATION is None:
                _APPLICATION = _build()
    return _APPLICATION(environ, start_response)
