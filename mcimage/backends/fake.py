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

"""The ``fake`` driver: an in-memory Glance, for tests only.

Selected by ``[vim:ID] driver = fake``. Nothing persists: each process
(each registry, in tests) starts empty, and nothing reaches a network, so
it is never for a deployment. The unit tests run mcimage's whole API on it,
as the functional tests run it on a real Glance.

It answers like a VIM's Glance seen through an account that may see more
than the caller (an admin service user): it shows every image it holds to
whoever asks, so mcimage's own policy is what keeps callers apart. What it
does keep from Glance is the rest of its semantics: list filters, sorting
and paging, JSON patch, status changes, tags, the members workflow (only
``shared`` images have members) and its error answers, raised as the
mcimage exceptions the glance driver translates them into.
"""

import copy
import datetime
import hashlib
import itertools
import urllib.parse
import uuid

from mcimage.backends import base
from mcimage.common import exception

# Glance's [DEFAULT] limit_param_default and api_limit_max.
DEFAULT_LIMIT = 25
API_LIMIT_MAX = 1000
_EPOCH = datetime.datetime(2026, 11, 25, tzinfo=datetime.timezone.utc)
# Image fields that are not custom properties (a filter on any other key
# is a filter on a property, as in Glance).
_CORE = frozenset([
    'id', 'name', 'status', 'owner', 'visibility', 'checksum', 'size',
    'virtual_size', 'disk_format', 'container_format', 'min_disk',
    'min_ram', 'protected', 'tags', 'created_at', 'updated_at',
    'os_hash_algo', 'os_hash_value', 'os_hidden', 'self', 'file', 'schema',
    'direct_url', 'locations'])
# What a JSON patch may not remove (Glance: 403 on these).
_BASE = frozenset(['name', 'visibility', 'disk_format', 'container_format',
                   'min_disk', 'min_ram', 'protected', 'os_hidden', 'tags'])
# The resource types the fake's metadata definitions know.
_RESOURCE_TYPES = ('OS::Cinder::Volume', 'OS::Glance::Image',
                   'OS::Nova::Flavor')
_NOT_A_FILTER = frozenset(['limit', 'marker', 'sort', 'sort_key',
                           'sort_dir', 'member_status', 'visibility'])


class FakeGlance(base.Backend):
    """Glance's semantics over dicts; ``calls`` records what was asked.

    ``fail_upload`` (an exception) makes the next uploads fail after their
    first piece; ``reachable = False`` makes probe() find no VIM;
    ``projects`` ({(domain name, project name): project id}) is what
    project_by_name() finds.
    """

    def __init__(self, vim):
        super().__init__(vim)
        self.images = {}
        self.data = {}
        # (image_id, member_id) -> status; None (or absent) is no member.
        self.members = {}
        self.calls = []
        self.fail_upload = None
        self.reachable = True
        # (domain name, project name) -> project id: its Keystone's
        # projects mcimage may act in (project_by_name).
        self.projects = {}
        # Metadata definitions: namespace name -> {'namespace': fields,
        # 'objects': {name: fields}, 'properties', 'tags',
        # 'resource_types' (its associations)}.
        self.namespaces = {}
        # The VIM's stores (info/stores), the first its default one; with
        # one only, images show none (a Glance of one store).
        self.stores = ['local']
        # Stores that a copy into fails (copy_image).
        self.fail_copy = set()
        self._clock = itertools.count()

    def _now(self):
        """A new, later timestamp each time: sorting by date is stable."""
        moment = _EPOCH + datetime.timedelta(seconds=next(self._clock))
        return moment.strftime('%Y-%m-%dT%H:%M:%SZ')

    def _get(self, image_id):
        if image_id not in self.images:
            raise exception.ImageNotFound(vim_id=self.vim.id,
                                          image_id=image_id)
        return self.images[image_id]

    def add_image(self, owner, data=None, **fields):
        image = self.create_image(None, owner, fields)
        if data is not None:
            self.upload(None, owner, image['id'], OneRead(data))
        return self.images[image['id']]

    def create_image(self, context, tenant_id, fields):
        self.calls.append(('create_image', tenant_id, dict(fields)))
        image_id = fields.get('id') or str(uuid.uuid4())
        if image_id in self.images:
            raise exception.Conflict(
                'VIM %s refused the request: Image with identifier %s '
                'already exists!' % (self.vim.id, image_id))
        now = self._now()
        image = {'id': image_id, 'status': 'queued', 'owner': tenant_id,
                 'visibility': 'shared', 'protected': False, 'tags': [],
                 'size': None, 'checksum': None, 'os_hash_algo': None,
                 'os_hash_value': None, 'disk_format': None,
                 'container_format': None, 'min_disk': 0, 'min_ram': 0,
                 'os_hidden': False, 'virtual_size': None,
                 'created_at': now, 'updated_at': now,
                 'self': '/v2/images/%s' % image_id,
                 'file': '/v2/images/%s/file' % image_id,
                 'schema': '/v2/schemas/image',
                 'direct_url': 'file:///secret/%s' % image_id,
                 'locations': [{'url': 'file:///secret', 'metadata': {}}]}
        image.update(fields)
        image['tags'] = list(image.get('tags') or [])
        self.images[image_id] = image
        return dict(image)

    def get_image(self, context, tenant_id, image_id, as_service=False):
        return dict(self._get(image_id))

    def delete_image(self, context, tenant_id, image_id, as_service=False):
        self.calls.append(('delete_image', image_id, as_service))
        image = self._get(image_id)
        # As Glance: not even an admin deletes a protected image.
        if image.get('protected'):
            raise exception.Forbidden(
                'VIM %s refused the request: Image %s is protected and '
                'cannot be deleted.' % (self.vim.id, image_id))
        del self.images[image_id]
        self.data.pop(image_id, None)
        for key in [k for k in self.members if k[0] == image_id]:
            del self.members[key]

    # -- list: Glance's filters, sort and paging ------------------------

    def _listed(self, image, tenant_id, params):
        """Glance's visibility rules for a list, as an admin account.

        Without a visibility filter, community images are listed only to
        their owner; member_status drops the shares of another status. A
        share the tenant is not a member of at all is listed anyway: the
        VIM's account sees more than the caller, which mcimage must
        filter out itself.
        """
        visibility = image.get('visibility')
        wanted = params.get('visibility')
        if wanted is None:
            if visibility == 'community' and image['owner'] != tenant_id:
                return False
        elif wanted != 'all' and visibility != wanted:
            return False
        member_status = params.get('member_status', 'accepted')
        if (visibility == 'shared' and image['owner'] != tenant_id
                and member_status != 'all'):
            status = self.members.get((image['id'], tenant_id))
            if status is not None and status != member_status:
                return False
        if 'os_hidden' not in params and image.get('os_hidden'):
            return False
        return True

    @staticmethod
    def _one_of(value, wanted):
        if wanted.startswith('in:'):
            return value in wanted[3:].split(',')
        return value == wanted

    def _matches(self, image, params):
        for key, wanted in params.items():
            if key in _NOT_A_FILTER:
                continue
            value = image.get(key)
            if key == 'tag':
                if not set(wanted) <= set(image.get('tags') or []):
                    return False
            elif key in ('size_min', 'size_max'):
                size = image.get('size')
                if size is None:
                    return False
                if key == 'size_min' and size < int(wanted):
                    return False
                if key == 'size_max' and size > int(wanted):
                    return False
            elif key in ('protected', 'os_hidden'):
                if bool(value) != (wanted.lower() == 'true'):
                    return False
            elif key in ('created_at', 'updated_at'):
                if not _compare_time(value, wanted):
                    return False
            elif key in ('name', 'id', 'status', 'disk_format',
                         'container_format'):
                if not self._one_of(value, wanted):
                    return False
            elif key not in image or str(value) != wanted:
                # owner, or a custom property.
                return False
        return True

    @staticmethod
    def _sort_key(params):
        """(key, direction) of the first sort key asked for."""
        if params.get('sort'):
            key, _sep, direction = params['sort'].split(',')[0].partition(
                ':')
            return key.strip(), (direction or 'desc').strip()
        keys = params.get('sort_key') or ['created_at']
        dirs = params.get('sort_dir') or ['desc']
        return keys[0], dirs[0]

    def list_images(self, context, tenant_id, params, as_service=False):
        self.calls.append(('list_images', tenant_id, dict(params)))
        images = [image for image in self.images.values()
                  if self._listed(image, tenant_id, params)
                  and self._matches(image, params)]
        key, direction = self._sort_key(params)
        images.sort(key=lambda i: (_sortable(i.get(key)), i['created_at'],
                                   i['id']),
                    reverse=direction == 'desc')
        marker = params.get('marker')
        if marker is not None:
            ids = [i['id'] for i in images]
            if marker not in ids:
                raise exception.Invalid(
                    'VIM %s refused the request: Marker %s not found.'
                    % (self.vim.id, marker))
            images = images[ids.index(marker) + 1:]
        limit = min(int(params.get('limit', DEFAULT_LIMIT)), API_LIMIT_MAX)
        page = images[:limit]
        query = {k: v for k, v in params.items() if k != 'marker'}
        body = {'images': [dict(i) for i in page],
                'first': '/v2/images',
                'schema': '/v2/schemas/images'}
        if query:
            body['first'] += '?' + urllib.parse.urlencode(query, doseq=True)
        if page and len(page) == limit:
            query['marker'] = page[-1]['id']
            body['next'] = '/v2/images?' + urllib.parse.urlencode(
                query, doseq=True)
        return body

    # -- update, status, tags -----------------------------------------------

    def update_image(self, context, tenant_id, image_id, patch,
                     as_service=False):
        """Glance's 2.1 JSON patch: add, replace, remove."""
        self.calls.append(('update_image', tenant_id, image_id,
                           [dict(op) for op in patch]))
        image = self._get(image_id)
        new = dict(image)
        for op in patch:
            name = op['path'].lstrip('/')
            if op['op'] == 'remove':
                if name in _BASE:
                    raise exception.Forbidden(
                        'VIM %s refused the request: Property %s may not '
                        'be removed.' % (self.vim.id, name))
                if name not in new:
                    raise exception.Conflict(
                        'VIM %s refused the request: Property %s does not '
                        'exist.' % (self.vim.id, name))
                del new[name]
            elif op['op'] == 'replace' and name not in new and (
                    name not in _CORE):
                raise exception.Conflict(
                    'VIM %s refused the request: Property %s does not '
                    'exist.' % (self.vim.id, name))
            else:
                new[name] = op['value']
        new['updated_at'] = self._now()
        image.clear()
        image.update(new)
        return dict(image)

    def image_action(self, context, tenant_id, image_id, action,
                     as_service=False):
        self.calls.append(('image_action', image_id, action, as_service))
        image = self._get(image_id)
        before, after = (('active', 'deactivated') if action == 'deactivate'
                         else ('deactivated', 'active'))
        if image['status'] == before:
            image['status'] = after
        elif image['status'] != after:
            raise exception.Forbidden(
                "VIM %s refused the request: Not allowed to %s image in "
                "status '%s'" % (self.vim.id, action, image['status']))

    def add_tag(self, context, tenant_id, image_id, tag):
        self.calls.append(('add_tag', image_id, tag))
        image = self._get(image_id)
        if tag not in image['tags']:
            image['tags'].append(tag)

    def delete_tag(self, context, tenant_id, image_id, tag):
        self.calls.append(('delete_tag', image_id, tag))
        image = self._get(image_id)
        if tag not in image['tags']:
            # What the real backend makes of Glance's 404 on an image call.
            raise exception.ImageNotFound(vim_id=self.vim.id,
                                          image_id=image_id)
        image['tags'].remove(tag)

    # -- members: only shared images have them ----------------------------

    def _shared(self, image_id, not_shared=exception.Forbidden):
        image = self._get(image_id)
        if image.get('visibility') != 'shared':
            if not_shared is exception.ImageNotFound:
                # Glance's show of a member hides the refusal as a 404.
                raise exception.ImageNotFound(vim_id=self.vim.id,
                                              image_id=image_id)
            raise exception.Forbidden(
                'VIM %s refused the request: Only shared images have '
                'members.' % self.vim.id)
        return image

    def _member(self, image_id, member_id):
        status = self.members.get((image_id, member_id))
        if status is None:
            # The real backend turns Glance's 404 on any call about an
            # image into ImageNotFound, a missing member's too.
            raise exception.ImageNotFound(vim_id=self.vim.id,
                                          image_id=image_id)
        return {'member_id': member_id, 'image_id': image_id,
                'status': status, 'created_at': '2026-11-25T00:00:00Z',
                'updated_at': '2026-11-25T00:00:00Z',
                'schema': '/v2/schemas/member'}

    def list_members(self, context, tenant_id, image_id):
        """Every member (the VIM's account sees them all)."""
        self._shared(image_id)
        members = [self._member(i, m) for (i, m), status
                   in sorted(self.members.items())
                   if i == image_id and status is not None]
        return {'members': members, 'schema': '/v2/schemas/members'}

    def get_member(self, context, tenant_id, image_id, member_id):
        self._shared(image_id, not_shared=exception.ImageNotFound)
        return self._member(image_id, member_id)

    def add_member(self, context, tenant_id, image_id, member_id):
        self.calls.append(('add_member', image_id, member_id))
        self._shared(image_id)
        if self.members.get((image_id, member_id)) is not None:
            raise exception.Conflict(
                'VIM %s refused the request: Member %s is duplicated for '
                'image %s' % (self.vim.id, member_id, image_id))
        self.members[(image_id, member_id)] = 'pending'
        return self._member(image_id, member_id)

    def update_member(self, context, tenant_id, image_id, member_id,
                      status):
        self.calls.append(('update_member', image_id, member_id, status))
        self._shared(image_id)
        self._member(image_id, member_id)
        self.members[(image_id, member_id)] = status
        return self._member(image_id, member_id)

    def delete_member(self, context, tenant_id, image_id, member_id):
        self.calls.append(('delete_member', image_id, member_id))
        self._shared(image_id)
        self._member(image_id, member_id)
        del self.members[(image_id, member_id)]

    def member_status(self, context, tenant_id, image_id, member_id):
        return self.members.get((image_id, member_id))

    def get_schema(self, context, tenant_id, name):
        """A small schema in Glance's shape (a new dict each time).

        The list schemas hold the item schema under properties.<name>.items
        as Glance's do. Glance's own links are templates ('{schema}');
        here the top-level describedby is a /v2 path, which mcimage must
        turn into its own.
        """
        image = {'name': 'image',
                 'properties': {
                     'id': {'type': 'string'},
                     'name': {'type': ['null', 'string']},
                     'disk_format': {'enum': [None, 'raw', 'qcow2']},
                     'direct_url': {'type': 'string', 'readOnly': True},
                     'locations': {'type': 'array'}},
                 'links': [{'rel': 'self', 'href': '{self}'},
                           {'rel': 'enclosure', 'href': '{file}'},
                           {'rel': 'describedby', 'href': '{schema}'}]}
        member = {'name': 'member',
                  'properties': {'member_id': {'type': 'string'},
                                 'status': {'enum': ['pending', 'accepted',
                                                     'rejected']}}}
        schema = {
            'image': image,
            'images': {'name': 'images',
                       'properties': {'images': {'type': 'array',
                                                 'items': image},
                                      'first': {'type': 'string'},
                                      'next': {'type': 'string'},
                                      'schema': {'type': 'string'}},
                       'links': [{'rel': 'first', 'href': '{first}'},
                                 {'rel': 'next', 'href': '{next}'}]},
            'member': member,
            'members': {'name': 'members',
                        'properties': {'members': {'type': 'array',
                                                   'items': member},
                                       'schema': {'type': 'string'}},
                        'links': []},
        }[name]
        schema = copy.deepcopy(schema)
        links = [link for link in schema.setdefault('links', [])
                 if link['rel'] != 'describedby']
        schema['links'] = links + [{'rel': 'describedby',
                                    'href': '/v2/schemas/%s' % name}]
        return schema

    # -- data ---------------------------------------------------------------

    def upload(self, context, tenant_id, image_id, reader, size=None,
               store=None):
        self.calls.append(('upload', tenant_id, image_id))
        if store is not None:
            self.calls[-1] += (store,)
            if store not in self.stores:
                raise exception.Invalid(
                    'VIM %s refused the request: Store for identifier %s '
                    'not found' % (self.vim.id, store))
        image = self._get(image_id)
        image['status'] = 'saving'
        pieces = []
        try:
            while True:
                piece = reader.read(65536)
                if not piece:
                    break
                pieces.append(piece)
                if self.fail_upload is not None:
                    raise self.fail_upload
        except Exception:
            # Glance puts an image whose upload failed back to queued.
            image['status'] = 'queued'
            raise
        blob = b''.join(pieces)
        self.data[image_id] = blob
        md5 = hashlib.md5(blob, usedforsecurity=False)
        image.update(status='active', size=len(blob),
                     checksum=md5.hexdigest(),
                     os_hash_algo='sha512',
                     os_hash_value=hashlib.sha512(blob).hexdigest())
        if len(self.stores) > 1:
            image['stores'] = store or self.stores[0]

    def _image_stores(self, image):
        return [s for s in (image.get('stores') or '').split(',') if s]

    def copy_image(self, context, tenant_id, image_id, stores=None,
                   all_stores=False, all_stores_must_succeed=True,
                   as_service=False):
        """Glance's copy-image, done at once (fail_copy: stores failing)."""
        self.calls.append(('copy_image', tenant_id, image_id,
                           None if all_stores else list(stores or ()),
                           all_stores_must_succeed, as_service))
        if len(self.stores) < 2:
            raise exception.NotFound('VIM %s answered 404: Multi backend '
                                     'is not supported' % self.vim.id)
        image = self._get(image_id)
        if image['status'] != 'active':
            raise exception.Conflict(
                'VIM %s refused the request: Only images with status active '
                'can be targeted for copying' % self.vim.id)
        held = self._image_stores(image)
        wanted = list(self.stores) if all_stores else list(stores or ())
        for store in wanted:
            if store not in self.stores:
                raise exception.Conflict(
                    'VIM %s refused the request: Store for identifier %s '
                    'not found' % (self.vim.id, store))
            if store in held and not all_stores:
                raise exception.Invalid(
                    "VIM %s refused the request: Image is already present "
                    "at store '%s'" % (self.vim.id, store))
        wanted = [s for s in wanted if s not in held]
        failed = [s for s in wanted if s in self.fail_copy]
        if failed and all_stores_must_succeed:
            done = []
        else:
            done = [s for s in wanted if s not in failed]
        image['stores'] = ','.join(s for s in self.stores
                                   if s in held or s in done)
        image['os_glance_importing_to_stores'] = ''
        image['os_glance_failed_import'] = ','.join(failed)

    def delete_from_store(self, context, tenant_id, image_id, store_id):
        self.calls.append(('delete_from_store', tenant_id, image_id,
                           store_id))
        if store_id not in self.stores:
            raise exception.Conflict(
                'VIM %s refused the request: The selected store %s is not '
                'available on this node.' % (self.vim.id, store_id))
        image = self._get(image_id)
        held = self._image_stores(image)
        if image['status'] != 'active':
            raise exception.Conflict(
                "VIM %s refused the request: It's not allowed to remove "
                "image data from store if image status is not 'active'"
                % self.vim.id)
        if len(held) == 1:
            raise exception.Forbidden(
                'VIM %s refused the request: Cannot delete image data from '
                'the only store containing it. Consider deleting the image '
                'instead.' % self.vim.id)
        if store_id not in held:
            raise exception.NotFound(
                'VIM %s answered 404: Image %s is not stored in store %s.'
                % (self.vim.id, image_id, store_id))
        image['stores'] = ','.join(s for s in held if s != store_id)

    def download(self, context, tenant_id, image_id, byte_range=None):
        image = self._get(image_id)
        if image_id not in self.data:
            return 204, {}, None
        if image['status'] == 'deactivated':
            raise exception.Forbidden(
                'VIM %s refused the request: The requested image has been '
                'deactivated. Image data download is forbidden.' %
                self.vim.id)
        blob = self.data[image_id]
        status = 200
        headers = {'Content-MD5': image['checksum']}
        if byte_range:
            # Glance's answers to one range.
            first, last = byte_range[len('bytes='):].split('-')
            if not first:
                first, last = max(0, len(blob) - int(last)), len(blob) - 1
            first = int(first)
            last = min(int(last), len(blob) - 1) if last else len(blob) - 1
            if first >= len(blob) or first > last:
                raise exception.RangeNotSatisfiable(
                    reason='VIM %s: requested range not satisfiable' %
                    self.vim.id)
            headers['Content-Range'] = 'bytes %d-%d/%d' % (first, last,
                                                           len(blob))
            blob = blob[first:last + 1]
            status = 206
        headers['Content-Length'] = str(len(blob))
        return status, headers, iter([blob[i:i + 65536]
                                      for i in range(0, len(blob), 65536)])

    def get_document(self, context, tenant_id, name):
        self.calls.append(('get_document', tenant_id, name))
        if not self.reachable:
            raise exception.ServiceUnavailable(
                'VIM %s does not answer' % self.vim.id)
        if name not in base.DOCUMENTS:
            raise exception.NotFound('The VIM publishes no document %s'
                                     % name)
        return {
            'versions': {'versions': [
                {'id': 'v2.17', 'status': 'CURRENT', 'links': [
                    {'rel': 'self', 'href': 'http://fake-vim/v2/'}]},
                {'id': 'v2.0', 'status': 'SUPPORTED', 'links': [
                    {'rel': 'self', 'href': 'http://fake-vim/v2/'}]}]},
            'info/import': {'import-methods': {
                'description': 'Import methods available.',
                'type': 'array', 'value': ['glance-direct'] + (
                    ['copy-image'] if len(self.stores) > 1 else [])}},
            'info/stores': {'stores': [
                dict({'id': store}, **({'default': True} if not i else {}))
                for i, store in enumerate(self.stores)]},
        }.get(name) or self._metadef_schema(name)

    def _metadef_schema(self, name):
        """A small schema of schemas/metadefs/<name>, in Glance's shape."""
        kind = name.rpartition('/')[2]
        return {'name': kind, 'properties': {'name': {'type': 'string'}},
                'links': [{'rel': 'describedby',
                           'href': '/v2/schemas/' + name}]}

    # -- metadata definitions ----------------------------------------------
    # Namespaces and what they hold, with Glance's answers (201 and its
    # Location, 204, 404, 409) but none of its schemas' checks: the fake
    # shows every namespace to whoever asks, as it does images.

    def metadefs(self, context, tenant_id, method, path, query=None,
                 body=None, append=None):
        self.calls.append(('metadefs', tenant_id, method, tuple(path)))
        if method not in base.METADEF_METHODS:
            raise exception.MethodNotAllowed(reason='no method %s' % method)
        path = tuple(path)
        json_type = {'Content-Type': 'application/json'}
        if path == ('resource_types',):
            self._metadef_methods(method, 'GET')
            return 200, json_type, {'resource_types': [
                {'name': name, 'created_at': _EPOCH.isoformat()}
                for name in _RESOURCE_TYPES]}
        if not path or path[0] != 'namespaces' or len(path) > 4:
            raise self._metadef_not_found(path)
        if len(path) == 1:
            return self._metadef_namespaces(tenant_id, method, body)
        held = self.namespaces.get(path[1])
        if held is None:
            raise self._metadef_not_found(path)
        if len(path) == 2:
            return self._metadef_namespace(method, path[1], held, body)
        kind = path[2]
        if kind not in ('objects', 'properties', 'tags', 'resource_types'):
            raise self._metadef_not_found(path)
        if len(path) == 3:
            return self._metadef_collection(method, kind, held[kind], body,
                                            append)
        return self._metadef_item(method, path, held[kind], body)

    def _metadef_namespaces(self, tenant_id, method, body):
        """namespaces"""
        self._metadef_methods(method, 'GET', 'POST')
        if method == 'GET':
            return 200, {'Content-Type': 'application/json'}, {
                'namespaces': [dict(self.namespaces[name]['namespace'])
                               for name in sorted(self.namespaces)],
                'first': '/v2/metadefs/namespaces',
                'schema': '/v2/schemas/metadefs/namespaces'}
        fields = self._metadef_fields(body, 'namespace')
        if fields['namespace'] in self.namespaces:
            raise exception.Conflict(
                'VIM %s refused the request: Namespace %s already '
                'exists' % (self.vim.id, fields['namespace']))
        fields.setdefault('visibility', 'private')
        fields.setdefault('protected', False)
        fields['owner'] = tenant_id
        return self._put_namespace(fields, {
            'objects': {}, 'properties': {}, 'tags': {},
            'resource_types': {}}, 201)

    def _metadef_namespace(self, method, name, held, body):
        """namespaces/{namespace}"""
        self._metadef_methods(method, 'GET', 'PUT', 'DELETE')
        if method == 'GET':
            return (200, {'Content-Type': 'application/json'},
                    dict(held['namespace']))
        if method == 'PUT':
            fields = self._metadef_fields(body, 'namespace')
            del self.namespaces[name]
            fields['owner'] = held['namespace']['owner']
            return self._put_namespace(fields, held, 200)
        if held['namespace'].get('protected'):
            raise exception.Forbidden(
                'VIM %s refused the request: Namespace %s is protected '
                'and cannot be deleted.' % (self.vim.id, name))
        del self.namespaces[name]
        return 204, {}, None

    def _metadef_item(self, method, path, items, body):
        """namespaces/{namespace}/{kind}/{name}"""
        json_type = {'Content-Type': 'application/json'}
        kind, name = path[2], path[3]
        if method == 'POST' and kind == 'tags':
            if name in items:
                raise exception.Conflict(
                    'VIM %s refused the request: tag %s already exists' %
                    (self.vim.id, name))
            items[name] = {'name': name}
            return 201, json_type, dict(items[name])
        self._metadef_methods(method, *(('DELETE',) if kind ==
                                        'resource_types' else
                                        ('GET', 'PUT', 'DELETE')))
        if name not in items:
            raise self._metadef_not_found(path)
        if method == 'GET':
            return 200, json_type, dict(items[name])
        if method == 'PUT':
            fields = self._metadef_fields(body, 'name')
            del items[name]
            items[fields['name']] = fields
            return 200, json_type, dict(fields)
        del items[name]
        return 204, {}, None

    def _metadef_collection(self, method, kind, items, body, append):
        """namespaces/{namespace}/{objects,properties,tags,resource_types}"""
        json_type = {'Content-Type': 'application/json'}
        self._metadef_methods(method, *(('GET', 'POST') if kind ==
                                        'resource_types' else
                                        ('GET', 'POST', 'DELETE')))
        if method == 'GET':
            if kind == 'properties':
                return 200, json_type, {'properties': copy.deepcopy(items)}
            listed = [dict(items[name]) for name in sorted(items)]
            if kind == 'resource_types':
                return 200, json_type, {'resource_type_associations': listed}
            return 200, json_type, {kind: listed}
        if method == 'DELETE':
            items.clear()
            return 204, {}, None
        if kind == 'tags':
            if not isinstance(body, dict) or not isinstance(
                    body.get('tags'), list):
                raise exception.Invalid(
                    'VIM %s refused the request: a list of tags is needed'
                    % self.vim.id)
            if (append or '').lower() not in ('true', '1', 'yes', 'on'):
                items.clear()
            for tag in body['tags']:
                name = self._metadef_fields(tag, 'name')['name']
                items[name] = {'name': name}
            return 201, json_type, {'tags': [dict(items[name])
                                             for name in sorted(items)]}
        fields = self._metadef_fields(body, 'name')
        if fields['name'] in items:
            raise exception.Conflict(
                'VIM %s refused the request: %s already exists' %
                (self.vim.id, fields['name']))
        items[fields['name']] = fields
        return 201, json_type, dict(fields)

    def _put_namespace(self, fields, held, status):
        name = fields['namespace']
        if name in self.namespaces:
            raise exception.Conflict(
                'VIM %s refused the request: Namespace %s already exists' %
                (self.vim.id, name))
        fields['self'] = '/v2/metadefs/namespaces/%s' % name
        fields['schema'] = '/v2/schemas/metadefs/namespace'
        held['namespace'] = fields
        self.namespaces[name] = held
        headers = {'Content-Type': 'application/json'}
        if status == 201:
            headers['Location'] = fields['self']
        return status, headers, dict(fields)

    def _metadef_fields(self, body, key):
        if not isinstance(body, dict) or not isinstance(body.get(key), str) \
                or not body[key]:
            raise exception.Invalid(
                'VIM %s refused the request: %r is required' %
                (self.vim.id, key))
        return copy.deepcopy(body)

    def _metadef_methods(self, method, *allowed):
        if method not in allowed:
            raise exception.MethodNotAllowed(
                reason='VIM %s refused the request: The method %s is not '
                       'allowed for this resource.' % (self.vim.id, method))

    def _metadef_not_found(self, path):
        return exception.NotFound(
            'VIM %s answered 404: No metadata definition at %s' %
            (self.vim.id, '/'.join(path)))

    def project_by_name(self, context, name, domain_name):
        self.calls.append(('project_by_name', domain_name, name))
        return self.projects.get((domain_name, name))

    def probe(self, context, tenant_id):
        if not self.reachable:
            return None
        return {'versions': ['v2.17'], 'import_methods': ['glance-direct']}


def _sortable(value):
    """A sort key for values that may be None (None first, as SQL)."""
    return (value is not None, value)


def _compare_time(value, wanted):
    """Glance's 'op:time' date filter."""
    op, _sep, when = wanted.partition(':')
    if value is None:
        return False
    have = _parse_time(value)
    want = _parse_time(when)
    return {'gt': have > want, 'gte': have >= want, 'lt': have < want,
            'lte': have <= want, 'eq': have == want,
            'neq': have != want}[op]


def _parse_time(text):
    moment = datetime.datetime.fromisoformat(text)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=datetime.timezone.utc)
    return moment


class OneRead(object):
    """A reader whose first read() gives all of ``data``, then b''."""

    def __init__(self, data):
        self._data = data

    def read(self, size=None):
        data, self._data = self._data, b''
        return data
