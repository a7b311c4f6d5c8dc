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

"""``[service_user]``: mcimage's service token for ``auth_mode = token``.

As nova's group of the same name: the switch, and the keystoneauth1
session and auth options of mcimage's service user in the Keystone the
token-mode VIMs trust.
"""

from keystoneauth1 import loading as ks_loading
from oslo_config import cfg

from mcimage.conf import vims as vims_conf

GROUP = 'service_user'

group = cfg.OptGroup(
    GROUP,
    title="mcimage's service token",
    help='mcimage\'s own service user, whose token goes along with the '
         'caller\'s (X-Service-Token) on every call to a VIM in '
         'auth_mode = token, when send_service_user_token is set.')

opts = [
    cfg.BoolOpt('send_service_user_token',
                default=False,
                help='Send a service token of mcimage\'s service user (the '
                     'auth options of this group) along with the caller\'s '
                     'token on every call to a VIM in auth_mode = token. A '
                     'caller\'s token is checked by the VIM at each call '
                     'mcimage makes, and a long upload can outlive it: the '
                     'VIM\'s last calls (reading back, checking or cleaning '
                     'up the image) would then be refused. A VIM whose '
                     'keystonemiddleware finds a valid service token with '
                     'one of its [keystone_authtoken] service_token_roles '
                     '(default: service) accepts the caller\'s token even '
                     'after it expired. The service user needs that role, '
                     'usually on project service, in the Keystone the '
                     'token-mode VIMs trust.'),
]


def register_opts(conf):
    conf.register_group(group)
    conf.register_opts(opts, group=group)
    # The timeout's default on the options themselves: a default set on
    # the conf object would not outlive a reset().
    conf.register_opts(_session_opts(), group=group)
    ks_loading.register_auth_conf_options(conf, GROUP)


def _session_opts():
    """keystoneauth's session options, with mcimage's timeout default."""
    opts = ks_loading.get_session_conf_options()
    cfg.set_defaults(opts, timeout=vims_conf.DEFAULT_TIMEOUT)
    for opt in opts:
        if opt.dest == 'timeout':
            # A fresh copy made for the sample configuration.
            opt.help = ('Seconds mcimage waits on each connect to its '
                        'Keystone and each read of its answer when it '
                        'asks for the service token (default %d).' %
                        vims_conf.DEFAULT_TIMEOUT)
    return opts


def list_opts():
    """The options of [service_user], for the sample configuration."""
    return (opts
            + _session_opts()
            + ks_loading.get_auth_common_conf_options()
            + ks_loading.get_auth_plugin_conf_options('password'))
