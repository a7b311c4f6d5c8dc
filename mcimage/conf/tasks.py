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

from oslo_config import cfg

GROUP = 'task'

# Glance's import filtering options, by the same names: operators and
# scripts know them from Glance.
url_opts = [
    cfg.ListOpt('allowed_schemes',
                default=['http', 'https'],
                help='URL schemes an import may read from.'),
    cfg.ListOpt('allowed_hosts',
                default=[],
                help='If set, the only hosts an import URL may name, as '
                     'written in the URL (a name, a dotted-quad IPv4 '
                     'address or an IPv6 address). Empty: any host that '
                     'resolves to public addresses only.'),
    cfg.ListOpt('disallowed_hosts',
                default=[],
                help='Hosts an import URL may never name.'),
    cfg.ListOpt('allowed_ports',
                item_type=cfg.types.Port(),
                default=[80, 443],
                help='Ports an import URL may use (the scheme\'s default '
                     'port when the URL names none).'),
    cfg.ListOpt('allowed_networks',
                default=[],
                help='Networks (CIDR) an import may connect to even though '
                     'they are not public: by default loopback, '
                     'link-local (the metadata address among them), '
                     'private, shared, multicast and reserved addresses '
                     'are refused, after DNS resolution and at every '
                     'redirect. Name only networks whose web servers '
                     'every user may read.'),
    cfg.IntOpt('max_redirects',
               default=5,
               min=0,
               help='Redirects an import URL may take; each target is '
                    'checked like the first URL.'),
    cfg.FloatOpt('url_connect_timeout',
                 default=10.0,
                 min=0.1,
                 help='Seconds to connect to an import URL\'s server.'),
    cfg.FloatOpt('url_read_timeout',
                 default=60.0,
                 min=0.1,
                 help='Seconds an import URL\'s server may stay silent '
                      'while sending (per read, not the whole transfer).'),
]

engine_opts = [
    cfg.IntOpt('task_time_to_live',
               default=48,
               min=1,
               help='Hours a finished task is kept, then purged.'),
    cfg.IntOpt('max_workers',
               default=4,
               min=1,
               help='Tasks one mcimage-api runs at once with the embedded '
                    'engine (jobboard_backend = none); more wait pending.'),
    cfg.StrOpt('persistence_connection',
               secret=True,
               default='sqlite:///$state_path/taskflow.sqlite',
               help='SQLAlchemy URL of the database holding the state of '
                    'the tasks\' flows (taskflow logbooks), migrated by '
                    '"mcimage-manage db sync". A database of its own, not '
                    '[database] connection: taskflow keeps its own schema '
                    'version. Every mcimage-api and mcimage-worker of a '
                    'jobboard must share it.'),
    cfg.StrOpt('jobboard_backend',
               default='none',
               choices=[('none', 'Each mcimage-api runs the tasks it '
                         'accepted itself, on a thread pool; after a '
                         'restart it resumes or fails them.'),
                        ('redis', 'mcimage-api posts tasks to a taskflow '
                         'jobboard in Redis; mcimage-worker processes '
                         'claim and run them, and a job whose worker died '
                         'is claimed by another.')],
               help='Where accepted tasks go to be run.'),
    cfg.ListOpt('jobboard_backend_hosts',
                default=['127.0.0.1'],
                help='Redis host of the jobboard (the first is used).'),
    cfg.PortOpt('jobboard_backend_port',
                default=6379,
                help='Redis port of the jobboard.'),
    cfg.StrOpt('jobboard_backend_password',
               secret=True,
               default='',
               help='Redis password of the jobboard.'),
    cfg.IntOpt('jobboard_backend_db',
               default=0,
               min=0,
               help='Redis database number of the jobboard.'),
    cfg.StrOpt('jobboard_name',
               default='mcimage_jobboard',
               help='Name of the jobboard (the Redis key namespace).'),
    cfg.IntOpt('jobboard_expiration_time',
               default=30,
               min=1,
               help='Seconds after which the claim of a worker that '
                    'stopped answering expires and another worker may '
                    'claim its job.'),
]

opts = url_opts + engine_opts


def register_opts(conf):
    conf.register_opts(opts, group=GROUP)
