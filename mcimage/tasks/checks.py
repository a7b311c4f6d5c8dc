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

"""What an import task is checked against, when it is accepted and again
when its flow starts: the fields of its images, and the caller's right to
write them into every target."""

from mcimage import backends
from mcimage.images import access


def image_fields(task_input, source):
    """The fields of the images to create: the task's, then the source's."""
    fields = dict(task_input.get('image_properties') or {})
    fmt = task_input.get('import_from_format') or source.disk_format
    fields.setdefault('disk_format', fmt)
    fields.setdefault('container_format',
                      source.container_format or 'bare')
    return fields


def authorize_targets(context, targets, fields):
    """The caller may write an image to every target (403 otherwise).

    A target that names its ``image_id`` (a Glance import) is that
    existing image, which the caller must be allowed to upload to.
    """
    for target in targets:
        vim = backends.get(target['vim_id'])
        if target.get('image_id'):
            access.authorize_image(context, vim, target['tenant_id'],
                                   target['image_id'], 'mcimage:image:upload')
        else:
            access.authorize_create(context, vim, target['tenant_id'],
                                    fields.get('visibility'))
