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

"""/v1/{vim_id}/{tenant_id}/images: Glance v2's images API, per VIM and
tenant, and mcimage's uploads (one VIM, or many at once).

Images are dicts, as Glance v2 shows them (custom properties at the top
level), with mcimage's links (``self``, ``file``, ``schema``).
"""

import base64
import binascii
import hashlib
import json
import os
import re

from mcimageclient.common import data as data_mod
from mcimageclient.common import http
from mcimageclient import exceptions
from mcimageclient.v1 import tasks

PATCH_TYPE = 'application/openstack-images-v2.1-json-patch'
# Names the staged copy of an upload, when mcimage keeps one.
STAGED_UPLOAD_HEADER = 'OpenStack-Staged-Upload-Id'
# mcimage's error code of a VIM it does not know.
VIM_NOT_FOUND = 'mcimage.vim_not_found'
UUID_RE = re.compile(r'[0-9a-fA-F]{8}-([0-9a-fA-F]{4}-){3}[0-9a-fA-F]{12}')
# The text fields of mcimage's upload form besides ``properties``; any
# other image field is a custom property.
_FORM_FIELDS = ('name', 'disk_format', 'container_format', 'visibility',
                'min_disk', 'min_ram', 'protected', 'tags')


def tenant_path(vim_id, tenant_id):
    return '/%s/%s' % (http.quote(vim_id), http.quote(tenant_id))


def image_path(vim_id, tenant_id, image_id):
    return '%s/images/%s' % (tenant_path(vim_id, tenant_id),
                             http.quote(image_id))


def _pointer(name):
    """A JSON pointer to the image field ``name`` (RFC 6901)."""
    return '/' + name.replace('~', '~0').replace('/', '~1')


def _form_fields(fields, checksum, size):
    """The upload form's (name, text) pairs, in mcimage's order."""
    pairs, properties = [], {}
    for name, value in fields.items():
        if value is None:
            continue
        if name == 'tags':
            pairs.append((name, json.dumps(list(value))))
        elif name in _FORM_FIELDS:
            pairs.append((name, http.as_text(value)))
        else:
            properties[name] = value
    if properties:
        pairs.append(('properties', json.dumps(properties)))
    if checksum:
        pairs.append(('checksum', checksum))
    if size is not None:
        pairs.append(('size', str(size)))
    return pairs


def _content_md5(value):
    """A Content-MD5 header as hex (Glance sends hex; RFC 1864 base64)."""
    value = (value or '').strip()
    if re.fullmatch('[0-9a-fA-F]{32}', value):
        return value.lower()
    try:
        digest = base64.b64decode(value, validate=True)
    except (ValueError, binascii.Error):
        return None
    return digest.hex() if len(digest) == 16 else None


class ImageManager(object):

    def __init__(self, http_client):
        self._http = http_client

    # -- metadata ------------------------------------------------------------

    def list(self, vim_id, tenant_id, filters=None, sort=None, limit=None,
             page_size=None, marker=None):
        """The tenant's images in the VIM, page after page (a generator).

        ``filters`` are Glance's: name, visibility, member_status, owner,
        status, tag (a list: every tag), disk_format, container_format,
        size_min, size_max, protected, os_hidden, created_at, updated_at,
        and any custom property. ``sort`` is Glance's ``key:dir,...``.
        ``limit`` caps the number yielded, ``page_size`` (default:
        ``limit``) the number asked for at a time.
        """
        params = list((filters or {}).items())
        params += [('sort', sort), ('limit', page_size or limit),
                   ('marker', marker)]
        return self._http.paginate(
            '%s/images' % tenant_path(vim_id, tenant_id), 'images', params,
            limit=limit)

    def get(self, vim_id, tenant_id, image_id):
        return self._http.get(image_path(vim_id, tenant_id, image_id))

    def find(self, vim_id, tenant_id, name_or_id):
        """The image of that id, else the one image of that name."""
        if UUID_RE.fullmatch(name_or_id):
            try:
                return self.get(vim_id, tenant_id, name_or_id)
            except exceptions.NotFound as e:
                # An unknown VIM is not a name to look for.
                if e.code == VIM_NOT_FOUND:
                    raise
        found = list(self.list(vim_id, tenant_id,
                               filters={'name': name_or_id}, limit=2))
        if len(found) > 1:
            raise exceptions.NoUniqueMatch(
                'More than one image is named %r in VIM %s, tenant %s: '
                'use its id' % (name_or_id, vim_id, tenant_id))
        if not found:
            raise exceptions.NotFound(
                detail='No image with name or id %r in VIM %s, tenant %s'
                       % (name_or_id, vim_id, tenant_id))
        return found[0]

    def create(self, vim_id, tenant_id, **fields):
        """A new image record (queued, no data): Glance's create body."""
        return self._http.post('%s/images' % tenant_path(vim_id, tenant_id),
                               fields)

    def update(self, vim_id, tenant_id, image_id, remove_props=None,
               **fields):
        """Set ``fields``, remove ``remove_props``: one JSON patch.

        As glanceclient does: the image is read first, a field it has is
        replaced, one it has not is added, and only the properties it has
        are removed.
        """
        image = self.get(vim_id, tenant_id, image_id)
        ops = [{'op': 'replace' if name in image else 'add',
                'path': _pointer(name), 'value': value}
               for name, value in fields.items()]
        ops += [{'op': 'remove', 'path': _pointer(name)}
                for name in remove_props or ()
                if name in image and name not in fields]
        if not ops:
            return image
        return self._http.patch(image_path(vim_id, tenant_id, image_id),
                                ops, PATCH_TYPE)

    def delete(self, vim_id, tenant_id, image_id):
        self._http.delete(image_path(vim_id, tenant_id, image_id))

    def deactivate(self, vim_id, tenant_id, image_id):
        self._http.request('POST', '%s/actions/deactivate' % image_path(
            vim_id, tenant_id, image_id))

    def reactivate(self, vim_id, tenant_id, image_id):
        self._http.request('POST', '%s/actions/reactivate' % image_path(
            vim_id, tenant_id, image_id))

    def add_tag(self, vim_id, tenant_id, image_id, tag):
        self._http.request('PUT', '%s/tags/%s' % (
            image_path(vim_id, tenant_id, image_id), http.quote(tag)))

    def remove_tag(self, vim_id, tenant_id, image_id, tag):
        self._http.request('DELETE', '%s/tags/%s' % (
            image_path(vim_id, tenant_id, image_id), http.quote(tag)))

    # -- data ----------------------------------------------------------------

    def upload(self, vim_id, tenant_id, image_id, data, checksum=None,
               progress_callback=None):
        """Send ``data`` (a path or a binary file) into a queued image.

        ``checksum`` is the md5 (hex) the data must have: mcimage checks
        it as the data flows. ``progress_callback(bytes_done,
        bytes_total)``. Returns the id of the staged copy mcimage kept,
        or None.
        """
        headers = {'Content-Type': http.OCTET_STREAM}
        if checksum:
            headers['Content-MD5'] = checksum
        with data_mod.Source(data) as source:
            body = data_mod.Body(source, progress_callback=progress_callback)
            resp = self._http.request(
                'PUT', '%s/file' % image_path(vim_id, tenant_id, image_id),
                headers=headers, data=b'' if source.size == 0 else body)
        return resp.headers.get(STAGED_UPLOAD_HEADER)

    def _post_form(self, path, fields, source, progress_callback):
        ctype, body = data_mod.multipart(fields, source, progress_callback)
        return self._http.request('POST', path, data=body,
                                  headers={'Content-Type': ctype},
                                  accept=http.JSON)

    def create_with_data(self, vim_id, tenant_id, data, disk_format,
                         container_format='bare', checksum=None,
                         progress_callback=None, **fields):
        """A new image with ``data``, in one request (mcimage's form).

        All or nothing: an image whose data fails is deleted. ``fields``
        are Glance's image fields (name: default the file's name) and
        custom properties; ``checksum`` the md5 the data must have. The
        image has ``staged_upload_id`` when mcimage kept a staged copy.
        """
        fields = dict(fields, disk_format=disk_format,
                      container_format=container_format)
        with data_mod.Source(data) as source:
            resp = self._post_form(
                '%s/images/file' % tenant_path(vim_id, tenant_id),
                _form_fields(fields, checksum, source.size), source,
                progress_callback)
        image = resp.json()
        staged = resp.headers.get(STAGED_UPLOAD_HEADER)
        if staged:
            image['staged_upload_id'] = staged
        return image

    def fan_out(self, targets, data, disk_format, container_format='bare',
                checksum=None, progress_callback=None, **fields):
        """One upload of ``data`` into several VIMs and tenants at once.

        ``targets`` are (vim_id, tenant_id) pairs or {"vim_id",
        "tenant_id"} dicts. All or nothing. Returns {"images": [one per
        target, in order], "staged_upload": {...} when one was kept}.
        """
        fields = dict(fields, disk_format=disk_format,
                      container_format=container_format)
        with data_mod.Source(data) as source:
            form = [('targets', json.dumps(tasks.target_list(targets)))]
            form += _form_fields(fields, checksum, source.size)
            resp = self._post_form('/images/file', form, source,
                                   progress_callback)
        return resp.json()

    def download(self, vim_id, tenant_id, image_id, dest,
                 progress_callback=None, verify=True,
                 chunk_size=http.CHUNK_SIZE):
        """Stream the image's data into ``dest`` (a path or binary file).

        With ``verify`` the data's md5 is checked against the
        Content-MD5 the VIM sends, and its hash against the image's
        ``os_hash_value`` (sha512...), and its size against the image's;
        ChecksumMismatch if not, and a file created at ``dest`` is
        removed. Returns {"size", "checksum", "os_hash_algo",
        "os_hash_value"} of the data received.
        """
        image = self.get(vim_id, tenant_id, image_id) if verify else {}
        resp = self._http.request(
            'GET', '%s/file' % image_path(vim_id, tenant_id, image_id),
            stream=True)
        try:
            if resp.status_code == 204:
                raise exceptions.NoData('Image %s has no data' % image_id)
            received = _Received(image, resp.headers, verify)
            with _Destination(dest) as out:
                for chunk in resp.iter_content(chunk_size):
                    out.write(chunk)
                    received.add(chunk)
                    if progress_callback is not None:
                        progress_callback(received.size, received.total)
                received.check(image_id)
        finally:
            resp.close()
        return received.summary()


class _Received(object):
    """Counts and hashes the data received; checks it at the end."""

    def __init__(self, image, headers, verify):
        length = headers.get('Content-Length', '')
        self.total = int(length) if length.isdigit() else image.get('size')
        self.size = 0
        self._image = image
        self._md5 = hashlib.md5(usedforsecurity=False)
        self._expected_md5 = (_content_md5(headers.get('Content-MD5'))
                              if verify else None)
        algo = image.get('os_hash_algo')
        self._hash = (hashlib.new(algo) if algo and image.get('os_hash_value')
                      and algo in hashlib.algorithms_available else None)

    def add(self, chunk):
        self.size += len(chunk)
        self._md5.update(chunk)
        if self._hash is not None:
            self._hash.update(chunk)

    def check(self, image_id):
        expected_size = self._image.get('size')
        if expected_size is not None and self.size != expected_size:
            raise exceptions.ChecksumMismatch(
                'Image %s: received %d bytes, the image has %d' % (
                    image_id, self.size, expected_size))
        md5 = self._md5.hexdigest()
        if self._expected_md5 and md5 != self._expected_md5:
            raise exceptions.ChecksumMismatch(
                'Image %s: the md5 of the data received is %s, the VIM '
                'sent %s' % (image_id, md5, self._expected_md5))
        if self._hash is not None:
            value = self._hash.hexdigest()
            if value != self._image['os_hash_value'].lower():
                raise exceptions.ChecksumMismatch(
                    'Image %s: the %s of the data received is %s, the '
                    'image records %s' % (image_id, self._hash.name, value,
                                          self._image['os_hash_value']))

    def summary(self):
        return {'size': self.size, 'checksum': self._md5.hexdigest(),
                'os_hash_algo': self._hash.name if self._hash else None,
                'os_hash_value': (self._hash.hexdigest() if self._hash
                                  else None)}


class _Destination(object):
    """A path (created, removed again on failure) or a binary file."""

    def __init__(self, dest):
        self._path = (os.fspath(dest) if isinstance(dest, (str, os.PathLike))
                      else None)
        self._file = None if self._path else dest

    def __enter__(self):
        if self._path:
            self._file = open(self._path, 'wb')
        return self._file

    def __exit__(self, exc_type, exc, tb):
        if self._path:
            self._file.close()
            if exc_type is not None:
                os.unlink(self._path)
        else:
            self._file.flush()
