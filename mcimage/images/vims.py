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

"""The VIMs this service knows, and what each says of itself."""

from mcimage import backends
from mcimage.common import policy
from mcimage.images import access


def list_vims(context):
    policy.authorize(context, 'mcimage:vim:get_all', {})
    return backends.list_vims()


def probe_vim(context, vim):
    """What the VIM says of itself (versions...), or None if it is down."""
    policy.authorize(context, 'mcimage:vim:get', {})
    return vim.backend.probe(context, context.project_id)


def get_document(context, vim, name):
    """A document the VIM publishes (backends.base.DOCUMENTS).

    Read as the caller's own tenant there.
    """
    policy.authorize(context, 'mcimage:vim:get', {})
    tenant_id = access.own_tenant(context, vim)
    return vim.backend.get_document(access.in_tenant(context, vim, tenant_id),
                                    tenant_id, name)
