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

GROUP = 'staging_store'

opts = [
    cfg.StrOpt('driver',
               default='local',
               help='The staging store, by its name in the '
                    '"mcimage.staging_store" entry point namespace: '
                    '"local" (a directory of this node, local_path) or '
                    '"glance_store" (any glance_store driver, configured '
                    'in [glance_store]; shared by several API nodes).'),
    cfg.StrOpt('local_path',
               default='$state_path/staging',
               help='Directory of the "local" staging store. It holds '
                    'whole images: size it for the largest uploads in '
                    'flight plus those kept until they expire.'),
    cfg.IntOpt('upload_time_to_live',
               default=24,
               min=1,
               help='Hours a staged upload is kept after it was staged; '
                    'then it is deleted, data and record.'),
    cfg.IntOpt('cleanup_interval',
               default=600,
               min=1,
               help='Seconds between two sweeps of the staging store: '
                    'expired uploads, uploads a stop of mcimage broke off '
                    'and files no record knows of are deleted.'),
]


def register_opts(conf):
    conf.register_opts(opts, group=GROUP)
