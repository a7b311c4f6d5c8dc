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

"""/v1/{vim_id}/{tenant_id}/images/{image_id}/members[/{member_id}]"""

import pecan

from mcimage.api.controllers import base
from mcimage.api.schemas import images as schemas
from mcimage.api import utils
from mcimage.api import validation
from mcimage.api import views
from mcimage.images import members as members_api


class MemberController(base.ImageResource):
    """/images/{image_id}/members/{member_id}"""

    def __init__(self, vim, tenant_id, image_id, member_id):
        super().__init__(vim, tenant_id, image_id)
        self.member_id = member_id

    def _format(self, member):
        return views.format_member(member, utils.link_root(self.vim,
                                                           self.tenant_id))

    index = base.methods(template='json')

    @index.when(method='GET', template='json')
    def index_get(self):
        return self._format(members_api.get_member(
            utils.context(), self.vim, self.tenant_id, self.image_id,
            self.member_id))

    @index.when(method='PUT', template='json')
    def index_put(self):
        body = validation.json_body(pecan.request,
                                    schema=schemas.member_status_body)
        return self._format(members_api.update_member(
            utils.context(), self.vim, self.tenant_id, self.image_id,
            self.member_id, body['status']))

    @index.when(method='DELETE')
    def index_delete(self):
        members_api.delete_member(utils.context(), self.vim, self.tenant_id,
                                  self.image_id, self.member_id)
        pecan.response.status = 204


class MembersController(base.ImageResource):
    """/images/{image_id}/members"""

    index = base.methods(template='json')

    @index.when(method='GET', template='json')
    def index_get(self):
        members = members_api.list_members(utils.context(), self.vim,
                                           self.tenant_id, self.image_id)
        return views.format_members(members, utils.link_root(
            self.vim, self.tenant_id))

    @index.when(method='POST', template='json')
    def index_post(self):
        body = validation.json_body(pecan.request,
                                    schema=schemas.member_create_body)
        # Glance answers 200 with the new (pending) membership.
        return views.format_member(
            members_api.add_member(utils.context(), self.vim, self.tenant_id,
                                   self.image_id, body['member']),
            utils.link_root(self.vim, self.tenant_id))

    @pecan.expose()
    def _lookup(self, member_id, *remainder):
        if remainder:
            pecan.abort(404)
        validation.check_member_id(member_id)
        return MemberController(self.vim, self.tenant_id, self.image_id,
                                member_id), remainder
