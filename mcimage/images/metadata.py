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

"""Image records: list, show, create, update, delete, actions, tags.

Plain values in (fields and patch operations already checked by the API),
the VIM's records out; mcimage's policy around every backend call
(mcimage.images.access).
"""

from oslo_config import cfg
from oslo_log import log as logging

from mcimage.common import exception
from mcimage.common import policy
from mcimage.images import access

LOG = logging.getLogger(__name__)
CONF = cfg.CONF


# -- list ------------------------------------------------------------------

def _unknown_marker(marker):
    # One answer for a marker that is not there and one the caller may
    # not see: no existence oracle.
    return exception.InvalidParameterValue(
        name='marker', value=marker,
        reason='no image with this id is listed here')


def _check_marker(context, vim, tenant_id, marker):
    """The marker must name an image the caller may see.

    Else the VIM, whose account may see more, would page from an image
    the caller cannot see, and answer differently than for an unknown one.
    """
    try:
        access.get_image(context, vim, tenant_id, marker)
    except (exception.NotFound, exception.Forbidden):
        raise _unknown_marker(marker)


def _vim_page(context, vim, tenant_id, params):
    try:
        return vim.backend.list_images(context, tenant_id, params)
    except (exception.Invalid, exception.Forbidden) as e:
        marker = params.get('marker')
        if marker and marker in str(e):
            # Glance: 400 for an unknown marker, 403 for an image the
            # caller may not see.
            raise _unknown_marker(marker)
        raise


class _Visibility(object):
    """Which listed images the caller may see.

    A page's images have few distinct (owner, visibility, membership)
    triples, and oslo.policy is most of a list's cost: each is checked
    once.
    """

    def __init__(self, context, vim, tenant_id, member_status='accepted'):
        self._context = context
        self._vim = vim
        self._tenant_id = tenant_id
        # Glance's list filter on the caller's own memberships.
        self._member_status = member_status
        self._checked = {}

    def _listed(self, member_status):
        """Glance lists a share to a member asking for its status."""
        if member_status is None:
            return False
        return self._member_status in ('all', member_status)

    def _may_see(self, image, member_status=None):
        target = access.image_target(self._tenant_id, image, member_status)
        key = (target['owner'], target['visibility'], member_status)
        if key not in self._checked:
            self._checked[key] = policy.check(
                self._context, 'mcimage:image:get', target)
        return self._checked[key]

    def __call__(self, image):
        member_status = None
        if (image.get('visibility') == 'shared'
                and image.get('owner') != self._tenant_id
                and not self._may_see(image)):
            # Only the caller's own membership can let it see this share.
            # Ask for it: the VIM's account may list shares the caller is
            # no member of (an admin service user sees them all).
            # A member may read the share whatever its status, but its
            # lists show those of the status asked for (accepted unless
            # it asks), as Glance's do.
            member_status = access.member_status(
                self._context, self._vim, self._tenant_id, image)
            if not self._listed(member_status):
                return False
        if self._may_see(image, member_status):
            return True
        LOG.info('Image %(img)s of VIM %(vim)s filtered out of a list by '
                 'policy', {'img': image.get('id'), 'vim': self._vim.id})
        return False


def _scan(context, vim, tenant_id, vim_params, wanted):
    """(images the caller may see, whether there are more)."""
    visible = _Visibility(context, vim, tenant_id,
                          vim_params.get('member_status', 'accepted'))
    budget = CONF.api.max_list_scan
    images = []
    scanned = 0
    while True:
        page = _vim_page(context, vim, tenant_id, vim_params)
        batch = page.get('images', [])
        if wanted is None:
            wanted = len(batch)
        for i, image in enumerate(batch):
            if len(images) == wanted:
                break
            scanned += 1
            if visible(image):
                images.append(image)
        else:
            i = len(batch)
        # More after this page: images of this VIM page not looked at, or
        # a next VIM page.
        more = i < len(batch) or bool(page.get('next'))
        if len(images) >= wanted or not more or not batch:
            return images, more
        if scanned >= budget:
            LOG.warning('Image list of VIM %(vim)s for tenant %(tenant)s '
                        'stopped after %(n)d images read ([api] '
                        'max_list_scan) with %(shown)d of %(wanted)d shown',
                        {'vim': vim.id, 'tenant': tenant_id, 'n': scanned,
                         'shown': len(images), 'wanted': wanted})
            return images, more
        # Read on after the last image read (never shown to anyone), in
        # larger pages: what is left out now is likely left out again.
        vim_params['marker'] = batch[-1]['id']
        vim_params['limit'] = str(max(1, min(
            2 * int(vim_params.get('limit') or len(batch)),
            CONF.api.max_limit, budget - scanned)))


def list_images(context, vim, tenant_id, params):
    """One page of images the caller may see: (images, more, params).

    ``params`` are Glance v2's list parameters, checked; the ones
    returned are those the page answers (its limit within [api]
    max_limit), for the links to further pages. The VIM's account may list
    images the caller may not see (service mode, an admin account): they
    are left out, and a page left short is filled from further VIM pages.
    Bounded by [api] max_list_scan images read in all: when it is reached
    the page holds what was found and ``more`` is true if the VIM has
    more. When nothing is left out, this is one VIM call.
    """
    context = access.in_tenant(context, vim, tenant_id)
    policy.authorize(context, 'mcimage:image:get_all',
                     access.image_target(tenant_id))
    params = dict(params)
    if params.get('marker'):
        _check_marker(context, vim, tenant_id, params['marker'])
    # The page size: the caller's limit, else the VIM's own default, read
    # from its first page.
    wanted = None
    if params.get('limit') is not None:
        wanted = min(int(params['limit']), CONF.api.max_limit)
        params['limit'] = str(wanted)
    vim_params = dict(params)
    if wanted is not None:
        vim_params['limit'] = str(min(wanted, CONF.api.max_list_scan))
    images, more = _scan(context, vim, tenant_id, vim_params, wanted)
    return images, more, params


# -- create, update, delete --------------------------------------------------

def create_image(context, vim, tenant_id, fields):
    """A record, no data yet (Glance: 201, queued); ``fields`` checked."""
    context = access.in_tenant(context, vim, tenant_id)
    target = access.image_target(tenant_id)
    policy.authorize(context, 'mcimage:image:create', target)
    access.authorize_visibility(context, target, fields.get('visibility'))
    access.authorize_owner(context, target, fields.get('owner'))
    return vim.backend.create_image(context, tenant_id, fields)


def update_image(context, vim, tenant_id, image_id, ops):
    """Glance's JSON patch (2.1 form), its operations already checked."""
    context = access.in_tenant(context, vim, tenant_id)
    image = access.authorize_image(context, vim, tenant_id, image_id,
                                   'mcimage:image:update')
    target = access.image_target(tenant_id, image)
    for op in ops:
        if op['op'] == 'remove':
            continue
        if op['path'] == '/visibility':
            access.authorize_visibility(context, target, op['value'])
        elif op['path'] == '/owner':
            access.authorize_owner(context, target, op['value'])
    return vim.backend.update_image(context, tenant_id, image_id, ops)


def delete_image(context, vim, tenant_id, image_id):
    context = access.in_tenant(context, vim, tenant_id)
    image = access.authorize_image(context, vim, tenant_id, image_id,
                                   'mcimage:image:delete')
    if image.get('protected'):
        raise exception.Forbidden(
            'Image %s is protected and cannot be deleted; set protected '
            'to false first.' % image_id)
    vim.backend.delete_image(context, tenant_id, image_id)


def image_action(context, vim, tenant_id, image_id, action):
    """deactivate | reactivate (admin)."""
    context = access.in_tenant(context, vim, tenant_id)
    access.authorize_image(context, vim, tenant_id, image_id,
                           'mcimage:image:%s' % action)
    vim.backend.image_action(context, tenant_id, image_id, action)


def add_tag(context, vim, tenant_id, image_id, tag):
    context = access.in_tenant(context, vim, tenant_id)
    access.authorize_image(context, vim, tenant_id, image_id,
                           'mcimage:image:update')
    vim.backend.add_tag(context, tenant_id, image_id, tag)


def delete_tag(context, vim, tenant_id, image_id, tag):
    context = access.in_tenant(context, vim, tenant_id)
    image = access.authorize_image(context, vim, tenant_id, image_id,
                                   'mcimage:image:update')
    if tag not in (image.get('tags') or []):
        raise exception.NotFound('Image %s has no tag %r.' % (image_id, tag))
    vim.backend.delete_tag(context, tenant_id, image_id, tag)


def get_schema(context, vim, tenant_id, name):
    """The VIM's own schema ``name`` (its formats)."""
    context = access.in_tenant(context, vim, tenant_id)
    policy.authorize(context, 'mcimage:image:get_all',
                     access.image_target(tenant_id))
    return vim.backend.get_schema(context, tenant_id, name)


# -- data out ---------------------------------------------------------------

def _unsatisfiable(byte_range, image):
    return exception.RangeNotSatisfiable(
        reason='Range %s is outside image %s (%s bytes).' % (
            byte_range, image['id'], image.get('size')),
        headers={'Content-Range': 'bytes */%s' % image.get('size')})


def download(context, vim, tenant_id, image_id, byte_range=None):
    """(status, VIM response headers, data iterator or None).

    ``byte_range`` is (first, last) of one range (first None: the last
    ``last`` bytes; last None: from first to the end), passed on to the
    VIM (206); None for the whole image. A suffix of zero bytes can never
    be satisfied (RFC 9110, 14.1.1), though Glance answers it with 206.
    The body the backend returns is returned as it is.
    """
    context = access.in_tenant(context, vim, tenant_id)
    # An image the caller cannot see is a 404; one it sees but may not
    # download (a reader) a 403.
    image = access.authorize_image(context, vim, tenant_id, image_id,
                                   'mcimage:image:download')
    # As Glance: only an admin reads a deactivated image's data. The VIM's
    # own check does not suffice: mcimage's account there may be an admin.
    if (image.get('status') == 'deactivated' and not policy.check(
            context, 'admin_api', access.image_target(tenant_id, image))):
        raise exception.ImageDeactivated(image_id=image_id)
    spec = None
    if byte_range is not None:
        first, last = byte_range
        spec = 'bytes=%s-%s' % ('' if first is None else first,
                                '' if last is None else last)
        if first is None and last == 0:
            raise _unsatisfiable(spec, image)
    try:
        return vim.backend.download(context, tenant_id, image_id,
                                    byte_range=spec)
    except exception.RangeNotSatisfiable:
        raise _unsatisfiable(spec, image)
