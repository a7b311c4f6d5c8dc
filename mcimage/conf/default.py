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
