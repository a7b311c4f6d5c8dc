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

GROUP = 'upload'

opts = [
    cfg.StrOpt('mode',
               default='stream',
               choices=[('stream', 'Image data flows straight from the '
                         'client into the VIMs; nothing is written to '
                         'disk.'),
                        ('stage', 'Image data is first written whole to '
                         'the staging store ([staging_store]), checked, '
                         'then sent to the VIMs from there. The staged '
                         'copy is kept (GET /v1/uploads) until it expires, '
                         'so it can be sent again, to other VIMs too.')],
               help='Where uploaded image data goes first.'),
    cfg.IntOpt('image_size_cap',
               default=1024 ** 4,
               min=1,
               help='Largest image accepted, in bytes, counted while the '
                    'data streams (default 1 TiB).'),
    cfg.IntOpt('cleanup_interval',
               default=60,
               min=1,
               help='Seconds between two rounds of upload recovery: the '
                    'images of failed uploads that their VIM could not '
                    'delete at the time (it did not answer), and those of '
                    'uploads a process of this host left when it died, '
                    'are deleted; then the tasks such processes left are '
                    'resumed.'),
    cfg.IntOpt('chunk_size',
               default=256 * 1024,
               min=4096,
               help='Bytes read from the client at a time while streaming '
                    'image data, and the size of the pieces handed to the '
                    'VIMs. Every piece costs the same work whatever its '
                    'size: 256 KiB pieces cost a fifth less CPU than 64 '
                    'KiB ones in an upload to two VIMs. The queues of a '
                    'fan-out and of the hash hold as many bytes whatever '
                    'the size.'),
]


def register_opts(conf):
    conf.register_opts(opts, group=GROUP)
