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

"""The mcimage v1 client.

With Keystone::

    from keystoneauth1 import loading, session
    auth = loading.get_plugin_loader('password').load_from_options(...)
    mc = Client(session=session.Session(auth=auth), region_name='RegionOne')

Without (``auth_strategy = noauth``)::

    mc = Client(endpoint_override='http://127.0.0.1:9494')

    for image in mc.images.list('local_RegionOne', 'admin'):
        ...
"""

from mcimageclient.common import http
from mcimageclient.v1 import image_members
from mcimageclient.v1 import images
from mcimageclient.v1 import tasks
from mcimageclient.v1 import uploads
from mcimageclient.v1 import vims


class Client(object):
    """vims, images, image_members, uploads and tasks of mcimage v1.

    ``session`` is a keystoneauth session (None: one without auth, for an
    ``endpoint_override`` of a noauth mcimage); the endpoint is the
    catalog's ``multicloud-image`` one for ``region_name`` and
    ``interface``, unless ``endpoint_override`` names it. ``api_version``
    is the microversion sent with every request (default 1.0). More
    keyword arguments go to keystoneauth's Adapter.
    """

    def __init__(self, session=None, endpoint_override=None,
                 api_version=None, region_name=None, interface=None,
                 **kwargs):
        self.http_client = http.HTTPClient(
            session=session, endpoint_override=endpoint_override,
            api_version=api_version, region_name=region_name,
            interface=interface, **kwargs)
        self.vims = vims.VimManager(self.http_client)
        self.images = images.ImageManager(self.http_client)
        self.image_members = image_members.ImageMemberManager(
            self.http_client)
        self.uploads = uploads.UploadManager(self.http_client)
        self.tasks = tasks.TaskManager(self.http_client)

    @property
    def api_version(self):
        return self.http_client.api_version
