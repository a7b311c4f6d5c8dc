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

import os

from oslo_config import cfg

opts = [
    cfg.StrOpt('auth_strategy',
               default='keystone',
               choices=[('keystone', 'Validate tokens with '
                         'keystonemiddleware (production).'),
                        ('noauth', 'No token validation: the caller may '
                         'assert X-Project-Id, X-User-Id and X-Roles, '
                         'which default to an admin identity. Policy is '
                         'still enforced on that identity. Only for a '
                         'Keystone-less lab on 127.0.0.1.')],
               help='How API callers are authenticated.'),
    cfg.BoolOpt('allow_insecure_noauth',
                default=False,
                help='Serve auth_strategy = noauth where mcimage cannot '
                     'make sure only this host reaches it: mcimage-api '
                     'bound to an address that is not loopback, or '
                     'mcimage.wsgi.api under a WSGI server (gunicorn, '
                     'uWSGI, mod_wsgi), whose listening address mcimage '
                     'does not know. Without it, both refuse to start with '
                     'noauth. RISK: with noauth, anyone who can reach the '
                     'API acts as any project, admin included, with the '
                     'credentials mcimage holds for every VIM. Set it only '
                     'for a WSGI server bound to 127.0.0.1, or a lab on a '
                     'network you trust entirely. Requests from web pages '
                     '(an Origin not in [cors] allowed_origin, '
                     'Sec-Fetch-Site cross-site or same-site) and requests '
                     'whose Host is not a loopback name, [api] bind_host or '
                     'the host of [api] public_endpoint are refused either '
                     'way.'),
    cfg.StrOpt('state_path',
               default=os.path.expanduser('~/.local/share/mcimage'),
               sample_default='~/.local/share/mcimage',
               help='Directory for mcimage state: the default sqlite '
                    'database and the local staging store.'),
    cfg.HostAddressOpt('host',
                       default=os.uname().nodename,
                       sample_default='localhost',
                       help='Name of this node, used in logs and to tell '
                            'API nodes apart.'),
]


def register_opts(conf):
    conf.register_opts(opts)
