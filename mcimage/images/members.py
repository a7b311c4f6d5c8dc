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

"""Image members: Glance's sharing workflow, with mcimage's policy.

The owner adds a project (status pending); that project accepts or rejects;
the owner removes it. The owner sees every member, a member only itself.
"""

from mcimage.common import exception
from mcimage.common import policy
from mcimage.images import access


def _target(tenant_id, image, member_id=None, member_status=None):
    return access.image_target(tenant_id, image,
                               member_status=member_status,
                               member_id=member_id)


def _image(context, vim, tenant_id, image_id, write=False):
    """The image, looked up the way a shared member may see it.

    A project may see the members of an image shared with it whatever its
    membership status (it must be able to accept it), under the members'
    own rules rather than mcimage:image:get. A refused
    ``write`` on an image the caller may see (public, community) is a 403,
    not a concealing 404.
    """
    policy.authorize(context, 'mcimage:member:get_all',
                     access.image_target(tenant_id))
    image = vim.backend.get_image(context, tenant_id, image_id)
    member_id = None
    if (image.get('owner') != tenant_id
            and image.get('visibility') == 'shared'
            and vim.backend.member_status(context, tenant_id, image_id,
                                          tenant_id) is not None):
        member_id = tenant_id
    conceal = exception.ImageNotFound(vim_id=vim.id, image_id=image_id)
    if write and policy.check(context, 'mcimage:image:get',
                              access.image_target(tenant_id, image)):
        conceal = False
    policy.authorize(context, 'mcimage:member:get_all',
                     _target(tenant_id, image, member_id), conceal=conceal)
    return image


def list_members(context, vim, tenant_id, image_id):
    """The members of the image the caller may see."""
    context = access.in_tenant(context, vim, tenant_id)
    image = _image(context, vim, tenant_id, image_id)
    members = vim.backend.list_members(context, tenant_id, image_id)
    return [m for m in members.get('members', [])
            if policy.check(context, 'mcimage:member:get',
                            _target(tenant_id, image, m.get('member_id')))]


def get_member(context, vim, tenant_id, image_id, member_id):
    context = access.in_tenant(context, vim, tenant_id)
    image = _image(context, vim, tenant_id, image_id)
    policy.authorize(context, 'mcimage:member:get',
                     _target(tenant_id, image, member_id),
                     conceal=exception.NotFound(
                         'Project %s is not a member of image %s.' %
                         (member_id, image_id)))
    return vim.backend.get_member(context, tenant_id, image_id, member_id)


def add_member(context, vim, tenant_id, image_id, member_id):
    context = access.in_tenant(context, vim, tenant_id)
    image = _image(context, vim, tenant_id, image_id, write=True)
    policy.authorize(context, 'mcimage:member:create',
                     _target(tenant_id, image, member_id))
    if image.get('visibility') != 'shared':
        # Glance's answer too.
        raise exception.Forbidden(
            'Only an image with visibility "shared" can have members; '
            'image %s is %s.' % (image_id, image.get('visibility')))
    return vim.backend.add_member(context, tenant_id, image_id, member_id)


def update_member(context, vim, tenant_id, image_id, member_id, status):
    context = access.in_tenant(context, vim, tenant_id)
    image = _image(context, vim, tenant_id, image_id, write=True)
    policy.authorize(context, 'mcimage:member:update',
                     _target(tenant_id, image, member_id))
    return vim.backend.update_member(context, tenant_id, image_id, member_id,
                                     status)


def delete_member(context, vim, tenant_id, image_id, member_id):
    context = access.in_tenant(context, vim, tenant_id)
    image = _image(context, vim, tenant_id, image_id, write=True)
    policy.authorize(context, 'mcimage:member:delete',
                     _target(tenant_id, image, member_id))
    vim.backend.delete_member(context, tenant_id, image_id, member_id)
