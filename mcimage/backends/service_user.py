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

"""mcimage's service user of ``[service_user]``: one for the process.

With ``send_service_user_token``, the calls to a VIM in ``auth_mode =
token`` carry mcimage's service token along with the caller's, as nova's
calls to Glance do (nova.service_auth). Every token-mode VIM trusts the
same Keystone, the one its callers' tokens come from: one auth plugin
serves them all, and keystoneauth reuses its token until it is about to
expire. It is loaded with the registry of VIMs, so that a group that
cannot make one stops mcimage at start, not at the first upload.
"""

import threading

from keystoneauth1 import exceptions as ks_exc
from keystoneauth1 import loading as ks_loading
from oslo_config import cfg

from mcimage.common import exception
from mcimage.conf import service_user as service_user_conf

GROUP = service_user_conf.GROUP

_LOCK = threading.Lock()
# (auth plugin, session) once loaded.
_LOADED = None


def enabled(conf):
    return conf[GROUP].send_service_user_token


def _invalid(option, reason):
    return exception.ConfigInvalid(group=GROUP, option=option,
                                   reason=reason)


def _load(conf):
    try:
        auth = ks_loading.load_auth_from_conf_options(conf, GROUP)
    except ks_exc.MissingRequiredOptions as e:
        raise _invalid(', '.join(o.dest for o in e.options),
                       'send_service_user_token = true needs it for '
                       "mcimage's service user")
    except (ks_exc.AuthPluginException, cfg.Error, ValueError) as e:
        raise _invalid('auth_type', e)
    if auth is None:
        raise _invalid('auth_type',
                       'send_service_user_token = true needs mcimage\'s '
                       'service user here (auth_type, auth_url, username, '
                       'password...)')
    try:
        session = ks_loading.load_session_from_conf_options(
            conf, GROUP, auth=auth)
    except (cfg.Error, ValueError) as e:
        raise _invalid('session', e)
    return auth, session


def auth_and_session(conf):
    """The service user's plugin and the session it gets its token with.

    Raises ConfigInvalid naming the option of [service_user] at fault.
    """
    global _LOADED
    with _LOCK:
        if _LOADED is None:
            _LOADED = _load(conf)
        return _LOADED


def reset():
    global _LOADED
    with _LOCK:
        _LOADED = None
