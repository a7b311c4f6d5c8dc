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

"""/v1/vims: the clouds (VIMs) mcimage serves."""

from mcimageclient.common import http


class VimManager(object):

    def __init__(self, http_client):
        self._http = http_client

    def list(self):
        """Every VIM: ``id``, ``description``, ``links``."""
        return self._http.get('/vims')['vims']

    def get(self, vim_id):
        """One VIM, probed: also ``reachable``, ``api_versions``..."""
        return self._http.get('/vims/%s' % http.quote(vim_id))
