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

"""An in-memory Glance for unit tests (the functional suite uses a real one).

It answers like a VIM's Glance: it shows every image it holds to whoever
asks, so mcimage's own policy is what keeps callers apart.
"""

import hashlib
import uuid

from mcimage.common import exception


class FakeGlance(object):

    def __init__(self, vim):
        self.vim = vim
        self.images = {}
        self.data = {}
        self.members = {}
        self.calls = []
        self.fail_upload = None
        self.reachable = True

    def _get(self, image_id):
        if image_id not in self.images:
            raise exception.ImageNotFound(vim_id=self.vim.id,
                                          image_id=image_id)
        return self.images[image_id]

    def add_image(self, owner, data=None, **fields):
        image = self.create_image(None, owner, fields)
        if data is not None:
            self.upload(None, owner, image['id'], _Once(data))
        return self.images[image['id']]

    def create_image(self, context, tenant_id, fields):
        self.calls.append(('create_image', tenant_id, dict(fields)))
        image_id = str(uuid.uuid4())
        image = {'id': image_id, 'status': 'queued', 'owner': tenant_id,
                 'visibility': 'shared', 'protected': False, 'tags': [],
                 'size': None, 'checksum': None, 'os_hash_algo': None,
                 'os_hash_value': None, 'disk_format': None,
                 'container_format': None, 'min_disk': 0, 'min_ram': 0,
                 'created_at': '2026-11-25T00:00:00Z',
                 'updated_at': '2026-11-25T00:00:00Z',
                 'self': '/v2/images/%s' % image_id,
                 'file': '/v2/images/%s/file' % image_id,
                 'schema': '/v2/schemas/image',
                 'direct_url': 'file:///secret/%s' % image_id,
                 'locations': [{'url': 'file:///secret', 'metadata': {}}]}
        image.update(fields)
        self.images[image_id] = image
        return dict(image)

    def get_image(self, context, tenant_id, image_id, as_service=False):
        return dict(self._get(image_id))

    def delete_image(self, context, tenant_id, image_id, as_service=False):
        self.calls.append(('delete_image', image_id, as_service))
        self._get(image_id)
        del self.images[image_id]
        self.data.pop(image_id, None)

    def upload(self, context, tenant_id, image_id, reader):
        image = self._get(image_id)
        image['status'] = 'saving'
        pieces = []
        while True:
            piece = reader.read(65536)
            if not piece:
                break
            pieces.append(piece)
            if self.fail_upload is not None:
                raise self.fail_upload
        blob = b''.join(pieces)
        self.data[image_id] = blob
        image.update(status='active', size=len(blob),
                     checksum=hashlib.md5(blob).hexdigest(),
                     os_hash_algo='sha512',
                     os_hash_value=hashlib.sha512(blob).hexdigest())

    def download(self, context, tenant_id, image_id):
        image = self._get(image_id)
        if image_id not in self.data:
            return {}, None
        blob = self.data[image_id]
        headers = {'Content-Length': str(len(blob)),
                   'Content-MD5': image['checksum']}
        return headers, iter([blob[i:i + 65536]
                              for i in range(0, len(blob), 65536)])

    def member_status(self, context, tenant_id, image_id, member_id):
        return self.members.get((image_id, member_id))

    def probe(self, context, tenant_id):
        if not self.reachable:
            return None
        return {'versions': ['v2.17'], 'import_methods': ['glance-direct']}


class _Once(object):

    def __init__(self, data):
        self._data = data

    def read(self, size=None):
        data, self._data = self._data, b''
        return data
