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

"""A VIM's stores: which it has, copies into them, deleting from one.

The VIM's Glance keeps an image's data in one or more of its stores
(info/stores). mcimage writes the first store an import asks for and
leaves the others to the VIM's own copy-image; the copy-image import and
the deletion from one store are the VIM's, relayed under mcimage's
policy.
"""

from mcimage.common import exception
from mcimage.images import access
from mcimage.images import vims as vims_api

COPY_METHOD = 'copy-image'
COPY_RULE = 'mcimage:image:copy_image'
DELETE_RULE = 'mcimage:image:delete_from_store'


def document(context, vim):
    """The VIM's info/stores document, or None where it has no stores."""
    try:
        return vims_api.get_document(context, vim, 'info/stores')
    except exception.NotFound:
        return None


def writable(document):
    """The ids of the stores an import may write, in the VIM's order."""
    # Glance's read-only stores (http) take no import.
    return [store['id'] for store in (document or {}).get('stores') or ()
            if store.get('id') and store.get('read-only') != 'true']


def default_store(document):
    """The VIM's default store (its entry), or None."""
    stores = (document or {}).get('stores') or []
    for store in stores:
        if store.get('default'):
            return store
    return stores[0] if len(stores) == 1 else None


def several(context, vim):
    """Has the VIM more than one store to write (copy-image offered)?"""
    return len(writable(document(context, vim))) > 1


def info_stores(context, vim):
    """info/stores: the VIM's own document (every store, its default)."""
    found = document(context, vim)
    if found is None:
        raise exception.NotFound('VIM %s has no multiple stores.' % vim.id)
    return found


def requested(context, vim, stores, all_stores, all_stores_must_succeed):
    """The stores an import asks for, the first the one to write.

    ``stores`` (ids), ``all_stores`` (every writable store) or neither
    (the default store); [None] for a VIM without stores. A store the VIM
    does not have is a Conflict, as Glance's.
    """
    found = document(context, vim)
    if found is None:
        if all_stores_must_succeed is False:
            raise exception.Invalid(
                reason='all_stores_must_succeed can only be set with '
                       'multiple stores, which VIM %s has not.' % vim.id)
        return [None]
    if stores is not None and all_stores:
        raise exception.Invalid(
            reason="All_stores parameter can't be used with stores "
                   "parameter.")
    known = writable(found)
    if all_stores:
        return known
    if stores is None:
        return [(default_store(found) or {}).get('id')]
    if not stores:
        raise exception.Invalid(reason="'stores' names no store.")
    chosen = []
    for store in stores:
        if store not in known:
            raise exception.Conflict(
                reason='Store for identifier %s not found: VIM %s has the '
                       'stores %s.' % (store, vim.id, ', '.join(known)))
        if store not in chosen:
            chosen.append(store)
    return chosen


def copy_image(context, vim, tenant_id, image_id, request):
    """The copy-image import of an active image: the VIM's, relayed.

    ``request`` is the import call's body (stores or all_stores,
    all_stores_must_succeed). The VIM copies after answering; the image
    shows how it goes (os_glance_importing_to_stores,
    os_glance_failed_import).
    """
    access.authorize_image(context, vim, tenant_id, image_id, COPY_RULE)
    if not several(context, vim):
        raise exception.Invalid(
            reason="Import method '%s' is not offered: VIM %s has one "
                   "store only. Import into another VIM with POST "
                   "/v1/tasks." % (COPY_METHOD, vim.id))
    if request.get('stores') is not None and request.get('all_stores'):
        raise exception.Invalid(
            reason="All_stores parameter can't be used with stores "
                   "parameter.")
    vim_context = access.in_tenant(context, vim, tenant_id)
    vim.backend.copy_image(
        vim_context, tenant_id, image_id, stores=request.get('stores'),
        all_stores=request.get('all_stores', False),
        all_stores_must_succeed=request.get('all_stores_must_succeed',
                                            True))


def delete_from_store(context, vim, tenant_id, store_id, image_id):
    """Delete the image's data from one of the VIM's stores (relayed)."""
    access.authorize_image(context, vim, tenant_id, image_id, DELETE_RULE)
    vim.backend.delete_from_store(access.in_tenant(context, vim, tenant_id),
                                  tenant_id, image_id, store_id)
