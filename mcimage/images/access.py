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

"""Who may do what to an image: policy targets and checks.

Policy is enforced before every backend call (may this caller act in this
tenant at all?) and after it (may the caller see this very image?), since
the VIM's account may see more than the caller may. See
doc/source/contributor/architecture.rst.
"""

from mcimage.common import exception
from mcimage.common import policy


def image_target(tenant_id, image=None, member_status=None,
                 member_id=None):
    """The policy target of an image in the tenant named by the path."""
    if image is None:
        # Before the VIM is asked: the best case, an image the path's
        # tenant owns. Only the tenant scope can refuse it.
        image = {'owner': tenant_id, 'visibility': 'private'}
    return {'tenant_id': tenant_id,
            'owner': image.get('owner'),
            'visibility': image.get('visibility'),
            'member_status': member_status,
            # The project a membership rule is about (members API only).
            'member_id': member_id,
            'protected': image.get('protected')}


def authorize_tenant(context, rule, tenant_id):
    """``rule`` in the tenant at all, before the VIM is asked anything."""
    policy.authorize(context, rule, image_target(tenant_id))


def member_status(context, vim, tenant_id, image):
    """The tenant's membership of a share it does not own, else None."""
    if (image.get('visibility') != 'shared'
            or image.get('owner') == tenant_id):
        return None
    return vim.backend.member_status(context, tenant_id, image['id'],
                                     tenant_id)


def get_image(context, vim, tenant_id, image_id, rule='mcimage:image:get'):
    """The image, if the caller may see it; else 404 as if absent."""
    policy.authorize(context, rule, image_target(tenant_id))
    image = vim.backend.get_image(context, tenant_id, image_id)
    target = image_target(tenant_id, image,
                          member_status(context, vim, tenant_id, image))
    policy.authorize(context, rule, target,
                     conceal=exception.ImageNotFound(vim_id=vim.id,
                                                     image_id=image_id))
    return image


def authorize_image(context, vim, tenant_id, image_id, rule):
    """The image, if the caller may see it (404) and apply ``rule`` (403).

    A write on an image the caller cannot see stays a 404.
    """
    image = get_image(context, vim, tenant_id, image_id)
    policy.authorize(context, rule, image_target(
        tenant_id, image, member_status(context, vim, tenant_id, image)))
    return image


def authorize_visibility(context, target, visibility):
    """Publishing (public, community) takes a rule of its own."""
    if visibility == 'public':
        policy.authorize(context, 'mcimage:image:publicize', target)
    elif visibility == 'community':
        policy.authorize(context, 'mcimage:image:communitize', target)


def authorize_create(context, tenant_id, visibility):
    """The caller may write a new image of ``visibility`` in the tenant."""
    target = image_target(tenant_id)
    policy.authorize(context, 'mcimage:image:upload', target)
    authorize_visibility(context, target, visibility)
