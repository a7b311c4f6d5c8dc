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

from mcimage.api.controllers import base
from mcimage.api import utils
from mcimage.api import versions


class RootController(object):
    """GET /: every API version this service offers (no auth)."""

    index = base.methods(template='json')

    @index.when(method='GET', template='json')
    def index_get(self):
        return {'versions': [versions.version_document(utils.public_url())]}
