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

GROUP = 'api'

opts = [
    cfg.HostAddressOpt('bind_host',
                       default='127.0.0.1',
                       help='Address mcimage-api listens on.'),
    cfg.PortOpt('bind_port',
                default=9494,
                help='Port mcimage-api listens on.'),
    cfg.StrOpt('paste_config',
               default='api-paste.ini',
               help='The Paste Deploy file of the API pipeline. A relative '
                    'path is looked up next to the configuration files, '
                    'then in the installed etc/mcimage directory.'),
    cfg.URIOpt('public_endpoint',
               help='Public URL of this API, used in links and version '
                    'discovery instead of the URL of each request (set it '
                    'behind a proxy that does not send X-Forwarded-* '
                    'headers).'),
    cfg.IntOpt('max_limit',
               default=1000,
               min=1,
               help='The most items one page of a list holds, whatever '
                    'limit the request asks for.'),
    cfg.IntOpt('max_list_scan',
               default=5000,
               min=1,
               help='The most images one image list request reads from a '
                    'VIM. A VIM\'s account may list images the caller may '
                    'not see, which mcimage leaves out; a page short of its '
                    'limit is then filled from further VIM pages, each '
                    'larger than the last (up to max_limit), until it is '
                    'full, the VIM has no more, or this many images were '
                    'read. Then the page holds what was found and its '
                    '"next" link starts after the last image shown; if no '
                    'image was shown at all, the page is empty and has no '
                    '"next" link (the list ends there: narrow it with '
                    'filters, or raise this bound). A hidden image is '
                    'never named.'),
    cfg.IntOpt('max_json_body_size',
               default=1024 * 1024,
               min=1024,
               help='Largest request body accepted, in bytes, whatever its '
                    'Content-Type, chunked or not: every body but the image '
                    'data of an upload (application/octet-stream on PUT '
                    '.../file, multipart/form-data on the upload routes), '
                    'which [upload] image_size_cap limits.'),
    cfg.IntOpt('server_threads',
               default=32,
               min=2,
               help='Threads of the embedded mcimage-api server: the most '
                    'requests (uploads and downloads included) served at '
                    'once.'),
]


def register_opts(conf):
    conf.register_opts(opts, group=GROUP)
