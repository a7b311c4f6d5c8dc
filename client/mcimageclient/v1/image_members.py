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

"""/v1/{vim_id}/{tenant_id}/images/{image_id}/members: Glance's sharing."""

from mcimageclient.common import http
from mcimageclient.v1 import images

MEMBER_STATUSES = ('accepted', 'rejected', 'pending')


class ImageMemberManager(object):

    def __init__(self, http_client):
        self._http = http_client

    def _path(self, vim_id, tenant_id, image_id, member_id=None):
        path = '%s/members' % images.image_path(vim_id, tenant_id, image_id)
        if member_id is not None:
            path += '/%s' % http.quote(member_id)
        return path

    def list(self, vim_id, tenant_id, image_id):
        return self._http.get(self._path(vim_id, tenant_id,
                                         image_id))['members']

    def get(self, vim_id, tenant_id, image_id, member_id):
        return self._http.get(self._path(vim_id, tenant_id, image_id,
                                         member_id))

    def create(self, vim_id, tenant_id, image_id, member_id):
        """Share the image with project ``member_id`` (pending)."""
        return self._http.post(self._path(vim_id, tenant_id, image_id),
                               {'member': member_id})

    def update(self, vim_id, tenant_id, image_id, member_id, status):
        """The membership's ``status``: accepted, rejected or pending."""
        return self._http.put(self._path(vim_id, tenant_id, image_id,
                                         member_id), {'status': status})

    def delete(self, vim_id, tenant_id, image_id, member_id):
        self._http.delete(self._path(vim_id, tenant_id, image_id,
                                     member_id))
