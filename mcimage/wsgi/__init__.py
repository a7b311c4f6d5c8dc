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

"""Building the WSGI application, for mcimage-api and WSGI servers."""

import sys

from oslo_config import cfg
from oslo_log import log as logging

from mcimage.api import app as api_app
from mcimage.api import middleware
from mcimage import backends
from mcimage.common import exception
from mcimage.common import policy
from mcimage.common import service
from mcimage.images import staging
from mcimage import store as staging_store

CONF = cfg.CONF
LOG = logging.getLogger(__name__)


def check_noauth(bind_host=None):
    """Refuse noauth where others may reach it, unless the operator opts in.

    ``bind_host`` is the address mcimage-api listens on; None under a WSGI
    server, whose listening address mcimage cannot know. Raises
    ConfigInvalid; otherwise, with noauth, warns loudly.
    """
    if CONF.auth_strategy != 'noauth':
        return
    if not CONF.allow_insecure_noauth:
        if bind_host is None:
            raise exception.ConfigInvalid(
                group='DEFAULT', option='auth_strategy',
                reason='noauth lets any caller claim any identity, admin '
                       'included, and under a WSGI server (gunicorn, '
                       'uWSGI, mod_wsgi) mcimage cannot check that it '
                       'listens on loopback only. Use auth_strategy = '
                       'keystone, or mcimage-api on 127.0.0.1, or set '
                       '[DEFAULT] allow_insecure_noauth = true if the WSGI '
                       'server listens on 127.0.0.1 only')
        if not middleware.is_loopback(bind_host):
            raise exception.ConfigInvalid(
                group='DEFAULT', option='auth_strategy',
                reason='noauth lets any caller claim any identity, so it '
                       'is served on loopback only, and [api] bind_host is '
                       '%s (set [DEFAULT] allow_insecure_noauth = true to '
                       'serve it there anyway, on a network you trust)' %
                       bind_host)
    banner = '*' * 72
    msg = ('auth_strategy = noauth: NO AUTHENTICATION. Any local caller may '
           'act as any project, admin included (X-Project-Id, X-Roles). '
           'For a lab on 127.0.0.1 only; use auth_strategy = keystone for '
           'anything else.')
    LOG.warning('%(b)s %(msg)s %(b)s', {'b': banner, 'msg': msg})
    print('%s\n%s\n%s' % (banner, msg, banner), file=sys.stderr)


def init_application():
    """Check the configuration and state, then load the Paste pipeline.

    Builds the application and starts nothing: the background jobs are
    the server's to start (mcimage.common.service.BackgroundService).
    Raises ConfigInvalid naming the group and option at fault.
    """
    backends.init()
    policy.init()
    service.check_database()
    app = api_app.load_app()
    if staging.enabled():
        # A staging store that cannot work stops the start, naming why.
        staging_store.get_store()
    return app
