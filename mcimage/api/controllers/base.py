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

"""What every resource controller shares."""

import pecan


def methods(template=None):
    """A resource's ``index``: 405 for every method it has no handler for.

    A controller registers its handlers on it, as pecan's generic
    controllers do::

        index = base.methods(template='json')

        @index.when(method='GET', template='json')
        def index_get(self): ...

    Pecan keeps the handlers on the function object, so every controller
    needs one of its own: this makes a new one per call.
    """
    @pecan.expose(generic=True, template=template)
    def index(self):
        pecan.abort(405)
    return index


class ImageResource(object):
    """A controller of something below one image of a VIM's tenant."""

    def __init__(self, vim, tenant_id, image_id):
        self.vim = vim
        self.tenant_id = tenant_id
        self.image_id = image_id
