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
the VIM's account may see more than the caller may. In a VIM with a
Keystone of its own, the caller first needs a project there to act as
(in_tenant): every service function that takes a VIM and a tenant starts
with it. See doc/source/contributor/architecture.rst.
"""

from oslo_log import log as logging

from mcimage.common import exception
from mcimage.common import policy

LOG = logging.getLogger(__name__)

ANY_TENANT = 'mcimage:vim:act_in_any_tenant'


def counterpart(context, vim):
    """The project of ``vim``'s Keystone the caller's project is, or None.

    [vim:ID] project_map first, then the project of the same name in the
    domain project_map_domain_name (asked of the VIM's Keystone).
    """
    mapped = vim.project_map.get(context.project_id)
    if mapped:
        return mapped
    if vim.project_map_domain_name and context.project_name:
        return vim.backend.project_by_name(
            context, context.project_name, vim.project_map_domain_name)
    return None


def _refuse_elsewhere(context, vim, tenant_id):
    """403 unless ``tenant_id`` is the caller's project's counterpart."""
    own = counterpart(context, vim)
    if own == tenant_id:
        return
    if own is None:
        why = 'your project %s has no counterpart there' % context.project_id
    else:
        why = 'your project %s acts there as project %s only' % (
            context.project_id, own)
    LOG.info('Tenant %(tenant)s of VIM %(vim)s refused to user %(user)s of '
             'project %(project)s (counterpart %(own)s)',
             {'tenant': tenant_id, 'vim': vim.id, 'user': context.user_id,
              'project': context.project_id, 'own': own})
    raise exception.Forbidden(
        'Policy %s does not allow you to act in tenant %s of VIM %s, and %s.'
        % (ANY_TENANT, tenant_id, vim.id, why))


def own_tenant(context, vim, image_id=None):
    """The tenant of ``vim`` that is the caller's own project; or 403.

    What a Glance client means when it names no tenant: in a VIM of the
    caller's own Keystone, its project; in one with a Keystone of its own
    (auth_mode service), its project's counterpart there. A token scoped
    to no project (system or domain scope) owns no image and sees none:
    an image it names is not found (404), as Glance answers it.
    """
    if not context.project_id and image_id is not None:
        raise exception.ImageNotFound(vim_id=vim.id, image_id=image_id)
    if vim.auth_mode != 'service':
        tenant_id = context.project_id
    else:
        tenant_id = counterpart(context, vim)
    if not tenant_id:
        raise exception.Forbidden(
            'Your project %s has no tenant in VIM %s: ask the operator to '
            'map it ([vim:%s] project_map).' % (context.project_id, vim.id,
                                                vim.id))
    return tenant_id


def in_tenant(context, vim, tenant_id):
    """The caller as policy sees it in ``tenant_id`` of ``vim``; or 403.

    A VIM of the caller's own Keystone (auth_mode token, trusted): the
    caller as it is, nothing asked. A VIM with a Keystone of its own
    (service), whose project ids are never the caller's: the caller acts
    as the tenant if mcimage:vim:act_in_any_tenant allows it (the
    orchestrator, admin) or if the tenant is its own project's counterpart
    there (counterpart()), and is refused anywhere else, before the VIM is
    asked for anything. Every rule is then checked with the tenant as the
    caller's project (RequestContext.acting_as); the caller's roles stay
    its own.
    """
    scope = (vim.id, tenant_id)
    if context.policy_scope == scope:
        return context
    caller = context.caller()
    if vim.auth_mode != 'service':
        return caller
    acting = caller.tenant_scopes.get(scope)
    if acting is None:
        if not policy.check(caller, ANY_TENANT,
                            {'vim_id': vim.id, 'tenant_id': tenant_id}):
            _refuse_elsewhere(caller, vim, tenant_id)
        acting = caller.acting_as(tenant_id, scope)
        caller.tenant_scopes[scope] = acting
    return acting


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


def authorize_tenant(context, vim, tenant_id, rule):
    """``rule`` in the tenant at all, before the VIM is asked anything."""
    context = in_tenant(context, vim, tenant_id)
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
    context = in_tenant(context, vim, tenant_id)
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
    context = in_tenant(context, vim, tenant_id)
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


def authorize_owner(context, target, owner):
    """Giving an image to another project takes a rule of its own."""
    if owner is not None and owner != target['owner']:
        policy.authorize(context, 'mcimage:image:set_owner', target)


def authorize_create(context, vim, tenant_id, visibility):
    """The caller may write a new image of ``visibility`` in the tenant."""
    context = in_tenant(context, vim, tenant_id)
    target = image_target(tenant_id)
    policy.authorize(context, 'mcimage:image:upload', target)
    authorize_visibility(context, target, visibility)
