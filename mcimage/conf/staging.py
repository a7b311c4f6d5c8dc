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
from oslo_utils import units

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
    cfg.IntOpt('project_quota',
               default=units.Ti,
               min=0,
               help='Bytes of staged data a project may hold at a time, '
                    'in bytes (default 1 TiB; 0: no quota). Counted: every '
                    'staged upload of the project still receiving its data '
                    '(by its declared size, or as it grows) or kept and '
                    'not yet expired. An upload that would go over it is '
                    'refused with 413, before any data is stored when its '
                    'size is declared, else while it streams. Deleting a '
                    'staged upload (DELETE /v1/uploads/{id}) gives its '
                    'room back.'),
    cfg.IntOpt('min_free_space',
               default=units.Gi,
               min=0,
               help='Free bytes the "local" store leaves on the file '
                    'system of local_path (default 1 GiB; 0: none). New '
                    'staged data that would bring the free space below it '
                    'is refused with 507 Insufficient Storage, checked '
                    'before an upload of declared size starts and while '
                    'data is written. It does not apply to the '
                    '"glance_store" driver, whose free space mcimage '
                    'cannot measure: size that store and use its own '
                    'limits, and project_quota.'),
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
