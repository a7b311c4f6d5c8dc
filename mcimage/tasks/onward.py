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

"""Copies onward: an image that names more VIMs is copied into them.

A Glance client can only ask for what Glance knows; an image property can
carry the rest. ``os_mcimage_targets`` lists VIM ids (comma-separated):
when data lands in such an image through the Glance endpoint, a copy task
(mcimage.tasks.api) takes it into the caller's own tenant of each of
those VIMs, and the task's id is set on the image as
``os_mcimage_task_id`` (see doc/source/user/glance-endpoint.rst).
"""

from oslo_log import log as logging

from mcimage import backends
from mcimage.common import exception
from mcimage.images import access
from mcimage.images import metadata
from mcimage.tasks import api as tasks_api
from mcimage.tasks import sources

LOG = logging.getLogger(__name__)

TARGETS_PROPERTY = 'os_mcimage_targets'
TASK_PROPERTY = 'os_mcimage_task_id'
PROPERTIES = (TARGETS_PROPERTY, TASK_PROPERTY)


def _refused(value, reason):
    return exception.InvalidParameterValue(name=TARGETS_PROPERTY,
                                           value=value, reason=reason)


def targets(context, vim, value):
    """The [(vim, tenant_id)] that ``value`` names; 400 naming why not.

    Each is a known VIM other than ``vim``, that a task can write to, in
    the caller's own tenant there; ``vim`` must be one a task can read.
    """
    if not isinstance(value, str):
        raise _refused(value, 'a comma-separated list of VIM ids')
    if vim.auth_mode == 'token':
        raise _refused(value, sources.TOKEN_VIM_REASON % vim.id)
    found = []
    for vim_id in (v.strip() for v in value.split(',')):
        if not vim_id or not backends.exists(vim_id):
            raise _refused(value, 'no VIM %r is known to this service'
                           % vim_id)
        target = backends.get(vim_id)
        if target.id == vim.id or target in [t for t, _ in found]:
            raise _refused(value, 'VIM %s is named twice, or is this VIM'
                           % vim_id)
        if target.auth_mode == 'token':
            raise _refused(value, sources.TOKEN_VIM_REASON % vim_id)
        found.append((target, access.own_tenant(context, target)))
    return found


def copy_onward(context, vim, tenant_id, image, image_properties):
    """Copy ``image`` into the VIMs it names; the task's row, or None.

    ``image_properties``: the fields of the copies (the image's own,
    without what only Glance sets).
    """
    value = image.get(TARGETS_PROPERTY)
    if not value:
        return None
    found = targets(context, vim, value)
    properties = {k: v for k, v in image_properties.items()
                  if k not in PROPERTIES}
    task = tasks_api.create_task(context, 'import', {
        'import_from': 'vim:%s/%s/%s' % (vim.id, tenant_id, image['id']),
        'import_from_format': image['disk_format'],
        'image_properties': properties,
        'targets': [{'vim_id': target.id, 'tenant_id': tenant}
                    for target, tenant in found],
        'all_targets_must_succeed': False})
    metadata.update_image(context, vim, tenant_id, image['id'], [
        {'op': 'add', 'path': '/' + TASK_PROPERTY, 'value': task['id']}])
    LOG.info('Image %(img)s of VIM %(vim)s: copy task %(task)s into '
             '%(targets)s', {'img': image['id'], 'vim': vim.id,
                             'task': task['id'], 'targets': value})
    return task
