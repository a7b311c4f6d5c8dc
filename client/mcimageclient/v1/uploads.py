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

"""/v1/uploads: the staged uploads of the caller's project.

With ``[upload] mode = stage`` mcimage keeps a copy of every upload for a
while; a task imports one again with ``import_from: upload:<id>``.
"""

from mcimageclient.common import http


class UploadManager(object):

    def __init__(self, http_client):
        self._http = http_client

    def list(self, status=None, limit=None, page_size=None, marker=None):
        """Staged uploads, page after page (a generator).

        ``status``: ``saving`` or ``active``; ``limit`` caps the number
        yielded, ``page_size`` (default: ``limit``) the number asked for
        at a time.
        """
        params = [('status', status), ('limit', page_size or limit),
                  ('marker', marker)]
        return self._http.paginate('/uploads', 'uploads', params,
                                   limit=limit)

    def get(self, upload_id):
        return self._http.get('/uploads/%s' % http.quote(upload_id))

    def delete(self, upload_id):
        self._http.delete('/uploads/%s' % http.quote(upload_id))
