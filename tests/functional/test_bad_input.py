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

"""The bad-input suite: hostile requests through the whole pipeline.

Every case is one test: one request, sent to a real mcimage-api process
(the whole Paste pipeline, noauth) in front of a real Glance, through a
recording relay (tests/functional/recorder.py) that sees each call mcimage
makes to the VIM. After each case the test asserts:

(a) the status is one the case allows: for an error, the API-SIG body
    whose detail names the field or value at fault; never a 500, never a
    traceback in any body;
(b) the VIM saw only the calls the case allows, each compared segment by
    segment after percent-decoding, so that a value that is not encoded as
    one path segment (a '?', '/', '#' or '..' that changes the call) is a
    call the case did not allow;
(c) nothing is left behind: the tenants' images in Glance (asked directly,
    not through mcimage) are what they were before, none queued, saving or
    killed by the case; no row in mcimage's ``uploads`` table; no new task
    and none pending or processing; in stage mode no new staged upload,
    neither row nor file.

The names of the tests are the names of the cases, and the test named
``test_total_<N>_cases`` says how many there are.
"""

import copy
import hashlib
import http.client
import json
import os
import re
import shutil
import socket
import sqlite3
import subprocess
import tempfile
import time
import urllib.parse
import uuid

import ddt
import requests
from testtools import content
from testtools import content_type

from tests.functional import base
from tests.functional import recorder

TIMEOUT = 30
# A request whose framing lies gets its answer in this time, or fails.
RAW_TIMEOUT = 15
# How long refused uploads may take to clean up after their answer.
SETTLE = 10
MEMBER = 'member,reader'
ADMIN = 'admin,member,reader'
IMAGE_SIZE_CAP = 4 * 1024 * 1024
MAX_JSON = 64 * 1024
# The data of the shared image (the Range cases count on its size).
DATA = os.urandom(1000)
FILE_DATA = os.urandom(64 * 1024)
BOUNDARY = 'hostile-boundary'
MULTIPART = 'multipart/form-data; boundary=%s' % BOUNDARY
OCTET = 'application/octet-stream'
JSON = 'application/json'
PATCH_TYPE = 'application/openstack-images-v2.1-json-patch'
TRACEBACK_MARKERS = ('Traceback', 'File "')


# -- request bodies ----------------------------------------------------------

def part(name, value, filename=None, headers=()):
    """One multipart part (bytes), its closing CRLF included."""
    disposition = 'form-data; name="%s"' % name
    if filename is not None:
        disposition += '; filename="%s"' % filename
    lines = ['Content-Disposition: %s' % disposition] + list(headers)
    if filename is not None:
        lines.append('Content-Type: application/octet-stream')
    value = value if isinstance(value, bytes) else value.encode('utf-8')
    return (('--%s\r\n%s\r\n\r\n' % (BOUNDARY, '\r\n'.join(lines)))
            .encode('latin-1') + value + b'\r\n')


def file_part(data=None, filename='disk.img'):
    return part('file', FILE_DATA if data is None else data, filename)


FIELDS = (part('imageType', 'raw') + part('containerFormat', 'bare'))
CLOSE = ('--%s--\r\n' % BOUNDARY).encode()


def form(*parts, close=True):
    """A multipart body from parts (bytes or callables of the context)."""
    def build(ctx):
        body = b''.join(p(ctx) if callable(p) else p for p in parts)
        return body + (CLOSE if close else b'')
    return build


def json_body(value):
    return json.dumps(value).encode()


def targets_part(ctx):
    return part('targets', json.dumps([
        {'vim_id': ctx['vim'], 'tenant_id': ctx['tenant']},
        {'vim_id': ctx['vim'], 'tenant_id': ctx['tenant2']}]))


def qcow2(ctx):
    return ctx['qcow2']


def raw_request(method, path, headers, body=b'', framing=None):
    """The bytes of a request, framed as ``framing`` says, unchecked.

    ``framing``: None for a right Content-Length, a header block (str) to
    send as it is instead.
    """
    def build(ctx, identity):
        lines = ['%s %s HTTP/1.1' % (method, path.format(**ctx)),
                 'Host: 127.0.0.1:%d' % ctx['port'], 'Connection: close']
        lines += ['%s: %s' % kv for kv in identity.items()]
        lines += ['%s: %s' % kv for kv in headers.items()]
        data = body(ctx) if callable(body) else body
        if framing is None:
            lines.append('Content-Length: %d' % len(data))
        else:
            lines.append(framing.format(length=len(data)))
        head = '\r\n'.join(lines) + '\r\n\r\n'
        return head.encode('latin-1') + data
    return build


def chunks(*pieces):
    """A chunked body from (size line, data) pairs, exactly as given."""
    def build(ctx):
        out = b''
        for size_line, data in pieces:
            data = data(ctx) if callable(data) else data
            out += size_line.encode('latin-1') + b'\r\n' + data
        return out
    return build


def chunk(data):
    return ('%x' % len(data), data + b'\r\n')


def chunked_body(data):
    """A well-formed chunked body of ``data`` (bytes or a callable)."""
    def build(ctx):
        raw = data(ctx) if callable(data) else data
        out = b''
        for start in range(0, len(raw), 16384):
            piece = raw[start:start + 16384]
            out += b'%x\r\n' % len(piece) + piece + b'\r\n'
        return out + b'0\r\n\r\n'
    return build


# -- cases --------------------------------------------------------------------

class Case(object):
    """One hostile request and what it may cause.

    ``path`` and header values are formatted with the context (vim,
    tenant, tenant2, owner, image, member, tag, queued, task, upload...).
    ``status``: the statuses allowed. ``detail``: a regular expression the
    error's detail must match (re.search). ``calls``: the VIM calls
    allowed, 'METHOD /path' templates compared segment by segment after
    decoding ('*' is any one segment; a trailing '?*' allows a query).
    ``identity``: whose X-Project-Id the request carries ('tenant',
    'owner'; None sends no identity: noauth's admin). ``raw``: a
    raw_request() builder, sent on a bare socket (``shut``: then half-close
    it). ``check``: a callable(test, ctx, response) for more assertions.
    ``changes``: a callable(test, ctx, response, before) giving the Glance
    state the case may leave (default: the state before). ``value``: a
    hostile path value (formatted, then percent-decoded as the server
    does), ``{value}`` in the context; ``value_is_tenant``: it names a
    tenant, whose images are looked at too.
    """

    def __init__(self, name, method, path, status, detail=None, headers=None,
                 body=None, calls=(), identity='tenant', roles=MEMBER,
                 needs=(), raw=None, shut=False, check=None, changes=None,
                 value=None, value_is_tenant=False, server=False):
        self.__name__ = name
        # The HTTP server refuses it before the application is called:
        # its own short plain-text answer, no API-SIG body.
        self.server = server
        self.value = value
        self.value_is_tenant = value_is_tenant
        self.method = method
        self.path = path
        self.status = frozenset(
            (status,) if isinstance(status, int) else status)
        self.detail = detail
        self.headers = headers or {}
        self.body = body
        self.calls = tuple(calls)
        self.identity = identity
        self.roles = roles
        self.needs = tuple(needs)
        self.raw = raw
        self.shut = shut
        self.check = check
        self.changes = changes


IMAGES = '/v1/{vim}/{tenant}/images'
SHARED = '/v1/{vim}/{owner}/images'
# What a refused upload into a new image may have cost the VIM: the
# image created, data sent, the image looked at and deleted again.
NEW_IMAGE = ('POST /v2/images', 'GET /v2/images/*', 'PATCH /v2/images/*',
             'PUT /v2/images/*/file', 'DELETE /v2/images/*')
# A refused PUT into the user's own queued image: it is never deleted.
PUT_QUEUED = ('GET /v2/images/{queued}', 'PUT /v2/images/{queued}/file')
POLICY_GET = ('GET /v2/images/{image}',)
DOWNLOAD = ('GET /v2/images/{image}', 'GET /v2/images/{image}/file')


# --- every id position of every route ---------------------------------------

# (name, the hostile value; {v} is the real value of that position).
HOSTILE_IDS = (
    ('qmark', '{v}%3F'),
    ('slash', '{v}%2Fx'),
    ('hash', '{v}%23'),
    ('dotdot', '..'),
    ('dotdot_encoded', '%2E%2E'),
    ('nul', '{v}%00'),
    ('crlf', '{v}%0D%0AX-Injected:%201'),
)

_IMAGE_ID = r"'image_id'|[Nn]o such resource"
_MEMBER_ID = r"'member_id'|[Mm]ember|[Nn]o such resource"
_TAG = r"'tag'|[Tt]ag|[Nn]o such resource"


def _image_positions():
    # (route, method, path with {bad}, body, headers)
    member_put = json_body({'status': 'accepted'})
    patch = json_body([{'op': 'replace', 'path': '/name', 'value': 'x'}])
    return (
        ('image_get', 'GET', SHARED + '/{bad}', None, {}),
        ('image_head', 'HEAD', SHARED + '/{bad}', None, {}),
        ('image_patch', 'PATCH', SHARED + '/{bad}', patch,
         {'Content-Type': PATCH_TYPE}),
        ('image_delete', 'DELETE', SHARED + '/{bad}', None, {}),
        ('image_download', 'GET', SHARED + '/{bad}/file', None, {}),
        ('image_put_file', 'PUT', SHARED + '/{bad}/file', b'data',
         {'Content-Type': OCTET}),
        ('image_onap_download', 'GET', SHARED + '/file/{bad}', None, {}),
        ('image_action', 'POST', SHARED + '/{bad}/actions/deactivate', None,
         {}),
        ('image_tag_put', 'PUT', SHARED + '/{bad}/tags/{tag}', None, {}),
        ('image_tag_delete', 'DELETE', SHARED + '/{bad}/tags/{tag}', None,
         {}),
        ('image_members_list', 'GET', SHARED + '/{bad}/members', None, {}),
        ('image_members_add', 'POST', SHARED + '/{bad}/members',
         json_body({'member': 'p-someone'}), {'Content-Type': JSON}),
        ('image_member_get', 'GET', SHARED + '/{bad}/members/{member}', None,
         {}),
        ('image_member_put', 'PUT', SHARED + '/{bad}/members/{member}',
         member_put, {'Content-Type': JSON}),
        ('image_member_delete', 'DELETE',
         SHARED + '/{bad}/members/{member}', None, {}),
    )


def server_unquote(path_value):
    """A path value as mcimage-api's server (cheroot) decodes it.

    cheroot decodes every escape but %2F, which it leaves as it is.
    """
    return '%2F'.join(urllib.parse.unquote(piece)
                      for piece in re.split('%2[Ff]', path_value))


def created(test, ctx, resp, before):
    """The Glance state before, plus the image a 201 answered with."""
    if resp.status != 201:
        return before
    after = dict(before)
    for image in json.loads(resp.body).get('images') or [
            json.loads(resp.body)]:
        after[image['id']] = None
    return after


def put_accepted(data):
    """A 204 of a PUT into the queued image: it holds exactly ``data``."""
    def changes(test, ctx, resp, before):
        if resp.status != 204:
            return before
        test.assertEqual(hashlib.md5(data).hexdigest(), test.glance_image(
            ctx['tenant'], ctx['queued'])['checksum'])
        return dict(before, **{ctx['queued']: None})
    return changes


def _record_created(test, ctx, resp, before):
    """A 201 of a create: one new queued record, named as asked."""
    if resp.status != 201:
        return before
    image = test.glance_image(ctx['tenant'], json.loads(resp.text)['id'])
    test.assertEqual(('n', 'queued'), (image['name'], image['status']))
    return dict(before, **{image['id']: None})


def _tag_added(test, ctx, resp, before):
    """A PUT of a tag Glance takes: added as it is, nothing else changed."""
    if resp.status != 204:
        return before
    after = copy.deepcopy(before)
    image = after[ctx['image']]
    # Glance 33 (under gunicorn) keeps a tag from its path as the UTF-8
    # bytes read as latin-1: a non-ASCII tag comes out garbled, sent
    # straight to Glance or through mcimage alike.
    image['tags'] = sorted(image['tags'] + [
        ctx['value'].encode('utf-8').decode('latin-1')])
    test.addCleanup(test.glance_call, 'DELETE', ctx['owner'],
                    '/v2/images/%s/tags/%s' % (
                        ctx['image'], urllib.parse.quote(ctx['value'],
                                                         safe='')))
    return after


def id_cases():
    """Each route with each hostile value in each of its id positions.

    ``{value}`` in the allowed calls is the hostile value as the server
    decodes it: the one path segment the VIM may be asked about.
    """
    cases = []
    for bad_name, template in HOSTILE_IDS:
        def bad(real, template=template):
            return template.replace('{v}', real)

        for route, method, path, body, headers in _image_positions():
            # Image ids are UUIDs, checked before any VIM call.
            cases.append(Case(
                'id_%s__%s' % (route, bad_name), method,
                path.replace('{bad}', bad('{image}')), (400, 404),
                _IMAGE_ID, headers=headers, body=body, calls=(),
                identity='owner', needs=('shared',)))
        # Member ids: anything Glance takes (one encoded segment), so the
        # VIM may be asked about exactly that member of exactly the image.
        for method, status, body, headers in (
                ('GET', (400, 404), None, {}),
                ('PUT', (400, 403, 404), json_body({'status': 'accepted'}),
                 {'Content-Type': JSON}),
                ('DELETE', (400, 404), None, {})):
            cases.append(Case(
                'id_member_%s__%s' % (method.lower(), bad_name), method,
                SHARED + '/{image}/members/' + bad('{member}'), status,
                _MEMBER_ID, headers=headers, body=body,
                calls=POLICY_GET + (
                    'GET /v2/images/{image}/members/{value}',
                    '%s /v2/images/{image}/members/{value}' % method),
                identity='owner', needs=('shared',), value=bad('{member}')))
        # Tags likewise. A '?', '#' or '%2F' (cheroot leaves it encoded) is
        # part of a legal tag: a PUT adds it as it is (204), which is the
        # route's call and nothing else.
        legal = bad_name in ('qmark', 'hash', 'slash')
        cases.append(Case(
            'id_tag_put__%s' % bad_name, 'PUT',
            SHARED + '/{image}/tags/' + bad('{tag}'),
            (204, 400) if legal else (400, 404), _TAG,
            calls=POLICY_GET + ('PUT /v2/images/{image}/tags/{value}',),
            identity='owner', needs=('shared',), value=bad('{tag}'),
            changes=_tag_added if legal else None))
        cases.append(Case(
            'id_tag_delete__%s' % bad_name, 'DELETE',
            SHARED + '/{image}/tags/' + bad('{tag}'), (400, 404), _TAG,
            calls=POLICY_GET + ('DELETE /v2/images/{image}/tags/{value}',),
            identity='owner', needs=('shared',), value=bad('{tag}')))
        # Task and staged upload ids never reach a VIM.
        for method in ('GET', 'DELETE'):
            cases.append(Case(
                'id_task_%s__%s' % (method.lower(), bad_name), method,
                '/v1/tasks/' + bad('{task}'), (400, 404),
                r"[Tt]ask|[Nn]o such resource", needs=('task',)))
            cases.append(Case(
                'id_upload_%s__%s' % (method.lower(), bad_name), method,
                '/v1/uploads/' + bad('{upload}'), (400, 404),
                r"[Uu]pload|[Nn]o such resource", needs=('upload',)))
        # VIM ids: an unknown VIM is named, and never called.
        vim_detail = r"VIM|vim_id|[Nn]o such resource"
        cases.append(Case(
            'id_vim_show__%s' % bad_name, 'GET', '/v1/vims/' + bad('{vim}'),
            (400, 404), vim_detail))
        cases.append(Case(
            'id_vim_list__%s' % bad_name, 'GET',
            '/v1/%s/{tenant}/images' % bad('{vim}'), (400, 404),
            vim_detail))
        cases.append(Case(
            'id_vim_create__%s' % bad_name, 'POST',
            '/v1/%s/{tenant}/images' % bad('{vim}'), (400, 404),
            vim_detail, headers={'Content-Type': JSON},
            body=json_body({'name': 'x', 'disk_format': 'raw',
                            'container_format': 'bare'})))
        # Tenant ids go to the VIM as the project a call acts for (a
        # header), never into a URL: as admin (who may name any tenant),
        # one with a '?', '#', '%2F' (cheroot leaves it encoded) or '..'
        # is just another project; a control character is refused.
        legal = bad_name not in ('nul', 'crlf')
        tenant_detail = (r"'tenant_id'|[Tt]enant|not found|"
                         r"[Nn]o such resource")
        tenant = dict(identity=None, roles=ADMIN, value=bad('{tenant}'),
                      value_is_tenant=legal)
        cases.append(Case(
            'id_tenant_list__%s' % bad_name, 'GET',
            '/v1/{vim}/%s/images' % bad('{tenant}'),
            (200, 400) if legal else (400, 404), tenant_detail,
            calls=('GET /v2/images?*',), **tenant))
        cases.append(Case(
            'id_tenant_show__%s' % bad_name, 'GET',
            '/v1/{vim}/%s/images/{missing}' % bad('{tenant}'), (400, 404),
            tenant_detail, calls=('GET /v2/images/{missing}',), **tenant))
        cases.append(Case(
            'id_tenant_delete__%s' % bad_name, 'DELETE',
            '/v1/{vim}/%s/images/{missing}' % bad('{tenant}'), (400, 404),
            tenant_detail, calls=('GET /v2/images/{missing}',), **tenant))
        cases.append(Case(
            'id_tenant_upload__%s' % bad_name, 'POST',
            '/v1/{vim}/%s/images/file' % bad('{tenant}'),
            (201, 400) if legal else (400, 404), tenant_detail,
            headers={'Content-Type': MULTIPART},
            body=form(FIELDS, file_part()),
            calls=NEW_IMAGE if legal else (),
            changes=created if legal else None, **tenant))
    return cases


# --- Range on a real image (RFC 9110, 14) -----------------------------------

def range_case(name, value, status, first=None, last=None, path=None):
    """206 with bytes first..last; 200 with the whole image; 416."""
    size = len(DATA)

    def check(test, ctx, resp):
        if status == 206:
            test.assertEqual(DATA[first:last + 1], resp.body)
            test.assertEqual('bytes %d-%d/%d' % (first, last, size),
                             resp.headers.get('Content-Range'))
        elif status == 200:
            test.assertEqual(DATA, resp.body)
            test.assertIsNone(resp.headers.get('Content-Range'))
        else:
            test.assertEqual('bytes */%d' % size,
                             resp.headers.get('Content-Range'))
    return Case('range_' + name, 'GET',
                path or SHARED + '/{image}/file', status,
                r'[Rr]ange|%d' % size if status == 416 else None,
                headers={'Range': value}, calls=DOWNLOAD, identity='owner',
                needs=('shared',), check=check)


RANGE_CASES = [
    # A suffix of zero bytes is unsatisfiable (14.1.1).
    range_case('suffix_zero', 'bytes=-0', 416),
    range_case('suffix_zero_onap_route', 'bytes=-0', 416,
               path=SHARED + '/file/{image}'),
    # last < first: an invalid range, ignored (14.2: MAY ignore).
    range_case('reversed', 'bytes=5-2', 200),
    # Several ranges: mcimage sends no multipart/byteranges; ignored.
    range_case('multi_range', 'bytes=0-1,5-6', 200),
    range_case('past_the_end', 'bytes=%d-' % len(DATA), 416),
    range_case('far_past_the_end', 'bytes=99999999999999999999999-', 416),
    range_case('last_past_the_end', 'bytes=990-5000', 206, 990, 999),
    range_case('suffix_longer_than_image', 'bytes=-5000', 206, 0, 999),
    range_case('first_byte', 'bytes=0-0', 206, 0, 0),
    range_case('garbage', 'bytes=abc', 200),
    range_case('empty', 'bytes=', 200),
    # A unit the server does not know MUST be ignored (14.2).
    range_case('unknown_unit', 'items=0-5', 200),
    range_case('negative_first', 'bytes=-5-9', 200),
]


# --- multipart ---------------------------------------------------------------

def upload_case(name, body, status, detail, calls=NEW_IMAGE,
                content_type=MULTIPART, **kw):
    return Case('multipart_' + name, 'POST', IMAGES + '/file', status,
                detail, headers={'Content-Type': content_type}, body=body,
                calls=calls, **kw)


MULTIPART_CASES = [
    upload_case('no_boundary', form(FIELDS, file_part()), 400, 'boundary',
                calls=(), content_type='multipart/form-data'),
    upload_case('empty_boundary', form(FIELDS, file_part()), 400,
                'boundary', calls=(),
                content_type='multipart/form-data; boundary=""'),
    upload_case('other_boundary', form(FIELDS, file_part()), 400,
                '[Mm]ultipart', calls=(),
                content_type='multipart/form-data; boundary=not-this-one'),
    upload_case('truncated_in_file',
                lambda ctx: form(FIELDS, file_part())(ctx)[:-2000], 400,
                '[Mm]ultipart'),
    upload_case('truncated_in_part_headers',
                lambda ctx: (FIELDS + b'--' + BOUNDARY.encode() +
                             b'\r\nContent-Disposition: form-da'),
                400, '[Mm]ultipart', calls=()),
    upload_case('no_closing_delimiter', form(FIELDS, file_part(),
                                             close=False), 400,
                '[Mm]ultipart'),
    upload_case('data_after_closing_delimiter',
                lambda ctx: form(FIELDS, file_part())(ctx) + b'trailing', 400,
                '[Mm]ultipart'),
    upload_case('huge_part_header',
                form(part('imageType', 'raw',
                          headers=['X-Huge: ' + 'h' * 100000]),
                     file_part()), 400, '[Mm]ultipart|header', calls=()),
    upload_case('many_part_headers',
                form(part('imageType', 'raw',
                          headers=['X-H%d: v' % i for i in range(100)]),
                     file_part()), 400, '[Mm]ultipart|header', calls=()),
    upload_case('file_before_fields', form(file_part(), FIELDS), 400,
                r'disk_format|imageType|before the file'),
    upload_case('second_file_part',
                form(FIELDS, file_part(), file_part(b'more')), 400,
                "after the file part|'file'"),
    upload_case('unknown_field', form(FIELDS, part('evil', 'x'),
                                      file_part()), 400, "'evil'",
                calls=()),
    upload_case('field_twice', form(FIELDS, part('imageType', 'qcow2'),
                                    file_part()), 400, "'imageType'",
                calls=()),
    upload_case('field_sent_as_file',
                form(part('imageType', 'raw', filename='x.txt'),
                     file_part()), 400, 'imageType', calls=()),
    upload_case('no_file_part', form(FIELDS), 400, "'file'", calls=()),
    upload_case('empty_body', b'', 400, r"[Mm]ultipart|'file'", calls=()),
    upload_case('field_not_utf8', form(FIELDS, part('name', b'\xff\xfe'),
                                       file_part()), 400, 'UTF-8',
                calls=()),
    upload_case('field_too_large', form(FIELDS, part('name', 'n' * 200000),
                                        file_part()), 400,
                '[Mm]ultipart|name', calls=()),
    upload_case('properties_not_json', form(FIELDS,
                                            part('properties', '{bad'),
                                            file_part()), 400,
                'properties', calls=()),
    upload_case('properties_bad_item',
                form(FIELDS, part('properties', '[{"key": "a"}]'),
                     file_part()), 400, r'properties\[0\]', calls=()),
    upload_case('property_name_newline',
                form(FIELDS, part('properties', json.dumps({'os\n': 'x'})),
                     file_part()), 400, 'properties|os', calls=()),
    upload_case('size_not_integer', form(FIELDS, part('size', 'big'),
                                         file_part()), 400, "'size'",
                calls=()),
    upload_case('bad_disk_format', form(part('imageType', 'qcow3'),
                                        file_part()), 400, 'disk_format',
                calls=()),
    upload_case('bad_visibility', form(FIELDS, part('visibility', 'evil'),
                                       file_part()), 400, 'visibility',
                calls=()),
    upload_case('public_as_member', form(FIELDS, part('visibility',
                                                      'public'),
                                         file_part()), 403, 'publicize',
                calls=()),
    upload_case('checksum_mismatch', form(FIELDS, part('checksum', '0' * 32),
                                          file_part()), 400, 'checksum'),
    upload_case('checksum_not_hex', form(FIELDS, part('checksum', 'z' * 32),
                                         file_part()), 400, 'checksum',
                calls=()),
    upload_case('size_mismatch', form(FIELDS, part('size', '10'),
                                      file_part()), 400, "'size'"),
    upload_case('qcow2_declared_raw',
                form(FIELDS, lambda ctx: file_part(qcow2(ctx), 'a.qcow2')),
                400, r'raw.*qcow2|qcow2.*raw'),
    upload_case('name_with_nul', form(FIELDS, part('name', 'a\x00b'),
                                      file_part()), 400, "'name'",
                calls=()),
    upload_case('octet_stream_body', form(FIELDS, file_part()), 415,
                'multipart/form-data', calls=(), content_type=OCTET),
    upload_case('form_urlencoded_body',
                b'imageType=raw&file=' + b'x' * 1000, 415,
                'multipart/form-data', calls=(),
                content_type='application/x-www-form-urlencoded'),
    Case('multipart_unknown_vim', 'POST', '/v1/nowhere_X/{tenant}/images/file',
         404, 'nowhere_X', headers={'Content-Type': MULTIPART},
         body=form(FIELDS, file_part())),
    Case('multipart_reader_role', 'POST', IMAGES + '/file', 403, None,
         headers={'Content-Type': MULTIPART}, body=form(FIELDS, file_part()),
         roles='reader'),
    Case('multipart_other_tenant', 'POST', '/v1/{vim}/{tenant2}/images/file',
         403, None, headers={'Content-Type': MULTIPART},
         body=form(FIELDS, file_part())),
]

# One upload into two tenants (POST /v1/images/file, the fan-out path).
FANOUT_CASES = [
    Case('fanout_qcow2_declared_raw', 'POST', '/v1/images/file', 400,
         r'raw.*qcow2|qcow2.*raw', headers={'Content-Type': MULTIPART},
         body=form(FIELDS, targets_part,
                   lambda ctx: file_part(qcow2(ctx), 'a.qcow2')),
         calls=NEW_IMAGE, roles=ADMIN),
    Case('fanout_unknown_vim', 'POST', '/v1/images/file', 404, 'nowhere_X',
         headers={'Content-Type': MULTIPART},
         body=form(FIELDS, lambda ctx: part('targets', json.dumps(
             [{'vim_id': ctx['vim'], 'tenant_id': ctx['tenant']},
              {'vim_id': 'nowhere_X', 'tenant_id': ctx['tenant']}])),
             file_part()), roles=ADMIN),
    Case('fanout_targets_not_json', 'POST', '/v1/images/file', 400,
         'targets', headers={'Content-Type': MULTIPART},
         body=form(FIELDS, part('targets', '[{'), file_part()), roles=ADMIN),
    Case('fanout_target_twice', 'POST', '/v1/images/file', 400, 'targets',
         headers={'Content-Type': MULTIPART},
         body=form(FIELDS, lambda ctx: part('targets', json.dumps(
             [{'vim_id': ctx['vim'], 'tenant_id': ctx['tenant']}] * 2)),
             file_part()), roles=ADMIN),
    Case('fanout_tenant_with_crlf', 'POST', '/v1/images/file', 400,
         'tenant_id', headers={'Content-Type': MULTIPART},
         body=form(FIELDS, lambda ctx: part('targets', json.dumps(
             [{'vim_id': ctx['vim'], 'tenant_id': 'x\r\nX-Injected: 1'}])),
             file_part()), roles=ADMIN),
    Case('fanout_checksum_mismatch', 'POST', '/v1/images/file', 400,
         'checksum', headers={'Content-Type': MULTIPART},
         body=form(FIELDS, part('checksum', '1' * 32), targets_part,
                   file_part()), calls=NEW_IMAGE, roles=ADMIN),
]


# --- lying Content-Length, chunked abuse (raw sockets) -----------------------

def raw_case(name, method, path, status, detail, body, framing, calls=(),
             content_type=None, shut=False, needs=(), **kw):
    headers = {'Content-Type': content_type} if content_type else {}
    return Case(name, method, path, status, detail,
                raw=raw_request(method, path, headers, body, framing),
                shut=shut, calls=calls, needs=needs, **kw)


QUEUED_FILE = IMAGES + '/{queued}/file'
GOOD_FORM = form(FIELDS, file_part())
CREATE = json_body({'name': 'n', 'disk_format': 'raw',
                    'container_format': 'bare'})

FRAMING_CASES = [
    # Content-Length longer than the body, then the client stops sending.
    raw_case('cl_longer_multipart', 'POST', IMAGES + '/file', 400,
             '[Mm]ultipart|body', GOOD_FORM,
             'Content-Length: {length}0', NEW_IMAGE, MULTIPART, shut=True),
    raw_case('cl_longer_put', 'PUT', QUEUED_FILE, 400, 'body|size|bytes',
             FILE_DATA, 'Content-Length: {length}0', PUT_QUEUED, OCTET,
             shut=True, needs=('queued',)),
    raw_case('cl_longer_json', 'POST', IMAGES, 400, 'body|JSON', CREATE,
             'Content-Length: {length}0', (), JSON, shut=True),
    # Content-Length shorter than the body: what follows is not this body.
    raw_case('cl_shorter_multipart', 'POST', IMAGES + '/file', 400,
             '[Mm]ultipart', GOOD_FORM, 'Content-Length: 3000', NEW_IMAGE,
             MULTIPART),
    raw_case('cl_shorter_json', 'POST', IMAGES, 400, 'JSON', CREATE,
             'Content-Length: 10', (), JSON),
    raw_case('cl_negative', 'PUT', QUEUED_FILE, 400, 'Content-Length',
             FILE_DATA, 'Content-Length: -1', (), OCTET, needs=('queued',)),
    raw_case('cl_not_a_number', 'PUT', QUEUED_FILE, 400, 'Content-Length',
             FILE_DATA, 'Content-Length: 12abc', (), OCTET,
             needs=('queued',), server=True),
    # cheroot, the embedded server, keeps the last of two Content-Length
    # headers and passes one on: the body is read to that length, and the
    # rest of the bytes are refused as the next request on the socket.
    # Either way nothing is left half-done (checked below).
    raw_case('cl_twice_different', 'PUT', QUEUED_FILE, (204, 400),
             'Content-Length', FILE_DATA,
             'Content-Length: {length}\r\nContent-Length: 5', PUT_QUEUED,
             OCTET, needs=('queued',), changes=put_accepted(FILE_DATA[:5])),
    raw_case('cl_over_image_size_cap', 'PUT', QUEUED_FILE, 413,
             'image_size_cap', FILE_DATA,
             'Content-Length: %d' % (IMAGE_SIZE_CAP + 1), PUT_QUEUED[:1],
             OCTET, shut=True, needs=('queued',)),
    # Both framings at once: refused, or read by Transfer-Encoding alone
    # (RFC 9112, 6.1), never by the Content-Length.
    raw_case('cl_and_chunked', 'PUT', QUEUED_FILE, (204, 400),
             'Content-Length|Transfer-Encoding|chunked',
             chunked_body(FILE_DATA),
             'Content-Length: 5\r\nTransfer-Encoding: chunked', PUT_QUEUED,
             OCTET, needs=('queued',), changes=put_accepted(FILE_DATA)),
    raw_case('chunked_bad_size', 'PUT', QUEUED_FILE, 400, 'body|chunk',
             chunks(chunk(b'abc'), ('zz', b'abc\r\n'), ('0', b'\r\n')),
             'Transfer-Encoding: chunked', PUT_QUEUED, OCTET,
             needs=('queued',)),
    raw_case('chunked_size_overflow', 'PUT', QUEUED_FILE, 400,
             'body|chunk|image_size_cap',
             chunks(('f' * 40, b'abc\r\n'), ('0', b'\r\n')),
             'Transfer-Encoding: chunked', PUT_QUEUED, OCTET,
             needs=('queued',)),
    # cheroot reads a chunk size of -5 as the end of the body: an empty
    # upload, which the queued image may take.
    raw_case('chunked_negative_size', 'PUT', QUEUED_FILE, (204, 400),
             'body|chunk',
             chunks(('-5', b'abcde\r\n'), ('0', b'\r\n')),
             'Transfer-Encoding: chunked', PUT_QUEUED, OCTET,
             needs=('queued',), changes=put_accepted(b'')),
    raw_case('chunked_no_terminator_put', 'PUT', QUEUED_FILE, 400,
             'body|chunk|size',
             chunks(chunk(FILE_DATA)), 'Transfer-Encoding: chunked',
             PUT_QUEUED, OCTET, shut=True, needs=('queued',)),
    raw_case('chunked_no_terminator_multipart', 'POST', IMAGES + '/file',
             400, '[Mm]ultipart|body|chunk',
             lambda ctx: chunks(chunk(GOOD_FORM(ctx)))(ctx),
             'Transfer-Encoding: chunked', NEW_IMAGE, MULTIPART, shut=True),
    # Chunk extensions carry nothing mcimage reads: ignored (RFC 9112,
    # 7.1.1). cheroot reads the chunk-size line whole, unbounded.
    raw_case('chunked_huge_extension', 'POST', IMAGES, (201, 400, 413),
             'chunk|JSON|body', chunks(('%x;%s' % (len(CREATE), 'e' * 200000),
                                        CREATE + b'\r\n'), ('0', b'\r\n')),
             'Transfer-Encoding: chunked', ('POST /v2/images',), JSON,
             changes=_record_created),
    raw_case('chunked_data_longer_than_size', 'POST', IMAGES, 400,
             'chunk|JSON|body', chunks(('5', CREATE + b'\r\n'),
                                       ('0', b'\r\n')),
             'Transfer-Encoding: chunked', (), JSON),
    raw_case('chunked_json_over_limit', 'POST', IMAGES, 413,
             'max_json_body_size',
             chunked_body(json_body({'name': 'n' * (MAX_JSON + 10)})),
             'Transfer-Encoding: chunked', (), JSON),
    raw_case('chunked_over_image_size_cap', 'PUT', QUEUED_FILE, 413,
             'image_size_cap', chunked_body(os.urandom(IMAGE_SIZE_CAP + 1)),
             'Transfer-Encoding: chunked', PUT_QUEUED, OCTET,
             needs=('queued',)),
    raw_case('unknown_transfer_encoding', 'PUT', QUEUED_FILE, (400, 501),
             'Transfer-Encoding|gzip', FILE_DATA,
             'Transfer-Encoding: gzip, chunked', (), OCTET,
             needs=('queued',), server=True),
]


# --- JSON bodies, content types ---------------------------------------------

def json_case(name, body, status, detail, path=IMAGES, method='POST',
              content_type=JSON, calls=(), **kw):
    return Case('json_' + name, method, path, status, detail,
                headers={'Content-Type': content_type}, body=body,
                calls=calls, **kw)


JSON_CASES = [
    json_case('invalid_utf8', b'{"name": "\xff\xfe", "disk_format": "raw"}',
              400, 'JSON|UTF-8|utf-8'),
    json_case('over_max_json_body_size',
              json_body({'name': 'n' * (MAX_JSON + 10)}), 413,
              'max_json_body_size'),
    json_case('deeply_nested', b'[' * 20000 + b']' * 20000, 400,
              'JSON|nest|deep'),
    json_case('deeply_nested_patch',
              b'[{"op": "add", "path": "/x", "value": ' + b'[' * 20000 +
              b']' * 20000 + b'}]', 400, 'JSON|nest|deep|value',
              path=SHARED + '/{image}', method='PATCH',
              content_type=PATCH_TYPE, identity='owner', needs=('shared',),
              calls=POLICY_GET),
    json_case('not_an_object', b'[]', 400, 'body'),
    json_case('null', b'null', 400, 'body'),
    json_case('empty', b'', 400, 'body|JSON'),
    json_case('nan', b'{"name": "x", "min_ram": NaN}', 400, 'JSON|min_ram'),
    json_case('huge_integer', b'{"name": "x", "min_ram": 1' + b'0' * 5000 +
              b'}', 400, 'min_ram|JSON'),
    json_case('duplicate_keys', b'{"name": "a", "name": "b", '
              b'"disk_format": "raw", "disk_format": "qcow2"}',
              (201, 400), 'name|disk_format|twice|duplicate',
              calls=('POST /v2/images',), check=None,
              changes=created),
    json_case('unknown_disk_format', json_body({'disk_format': 'qcow3'}),
              400, 'disk_format'),
    json_case('read_only_field', json_body({'status': 'active'}), 400,
              'status'),
    json_case('property_name_trailing_newline',
              json_body({'name': 'x', 'os_distro\n': 'v'}), 400,
              r'os_distro'),
    json_case('property_name_crlf_header',
              json_body({'name': 'x', 'a\r\nSet-Cookie: owned=1': 'v'}), 400,
              r'Set-Cookie|a\r\n|property'),
    json_case('property_name_unicode', json_body({'name': 'x', 'ключ': 'v'}),
              400, 'ключ|property'),
    json_case('name_with_nul', json_body({'name': 'a\x00b'}), 400, "'name'"),
    json_case('name_with_crlf', json_body({'name': 'a\r\nX-Injected: 1'}),
              400, "'name'"),
    json_case('name_too_long', json_body({'name': 'n' * 256}), 400,
              "'name'"),
    json_case('tag_with_control', json_body({'name': 'x',
                                             'tags': ['ok', 'a\nb']}),
              400, 'tags'),
    json_case('tag_dotdot', json_body({'name': 'x', 'tags': ['..']}), 400,
              'tags'),
    json_case('tag_too_long', json_body({'name': 'x', 'tags': ['t' * 256]}),
              400, 'tags'),
    json_case('property_value_too_long',
              json_body({'name': 'x', 'os_distro': 'v' * 70000}), (400, 413),
              'os_distro|max_json_body_size'),
    json_case('visibility_public_as_member',
              json_body({'name': 'x', 'visibility': 'public'}), 403,
              'publicize'),
    json_case('patch_bad_op', json_body([{'op': 'move', 'path': '/name'}]),
              400, 'op', path=SHARED + '/{image}', method='PATCH',
              content_type=PATCH_TYPE, identity='owner', needs=('shared',)),
    json_case('patch_path_traversal',
              json_body([{'op': 'replace', 'path': '/../owner',
                          'value': 'x'}]), 400, 'path',
              path=SHARED + '/{image}', method='PATCH',
              content_type=PATCH_TYPE, identity='owner', needs=('shared',)),
    json_case('patch_property_newline',
              json_body([{'op': 'add', 'path': '/os_distro\n',
                          'value': 'x'}]), 400, 'os_distro',
              path=SHARED + '/{image}', method='PATCH',
              content_type=PATCH_TYPE, identity='owner', needs=('shared',),
              calls=POLICY_GET),
    json_case('patch_with_json_type',
              json_body([{'op': 'replace', 'path': '/name', 'value': 'x'}]),
              415, 'openstack-images-v2', path=SHARED + '/{image}',
              method='PATCH', identity='owner', needs=('shared',),
              calls=POLICY_GET),
    json_case('member_add_crlf', json_body({'member': 'p\r\nX: 1'}), 400,
              'member', path=SHARED + '/{image}/members', identity='owner',
              needs=('shared',)),
    json_case('member_add_dotdot', json_body({'member': '..'}), 400,
              'member', path=SHARED + '/{image}/members', identity='owner',
              needs=('shared',)),
    json_case('member_status_bad', json_body({'status': 'evil'}), 400,
              'status', path=SHARED + '/{image}/members/{member}',
              method='PUT', identity='owner', needs=('shared',)),
    # Forms and other types on JSON routes: 415, and nothing parsed.
    json_case('form_to_create',
              b'name=x&disk_format=raw&container_format=bare', 415,
              'application/json',
              content_type='application/x-www-form-urlencoded'),
    json_case('big_form_to_create', b'name=' + b'x' * (4 * 1024 * 1024), 415,
              'application/json',
              content_type='application/x-www-form-urlencoded'),
    json_case('text_plain_to_create', CREATE, 415, 'application/json',
              content_type='text/plain'),
    json_case('form_to_task', b'type=import', 415, 'application/json',
              path='/v1/tasks',
              content_type='application/x-www-form-urlencoded'),
    json_case('form_to_member_add', b'member=p-x', 415, 'application/json',
              path=SHARED + '/{image}/members', identity='owner',
              needs=('shared',),
              content_type='application/x-www-form-urlencoded'),
    json_case('multipart_to_create', form(FIELDS, file_part()), 415,
              'application/json', content_type=MULTIPART),
    json_case('form_to_put_file', b'a=' + b'x' * (8 * 1024 * 1024), 415,
              'application/octet-stream', path=QUEUED_FILE, method='PUT',
              content_type='application/x-www-form-urlencoded',
              needs=('queued',)),
    json_case('json_to_put_file', CREATE, 415, 'application/octet-stream',
              path=QUEUED_FILE, method='PUT', needs=('queued',)),
    json_case('no_type_to_put_file', b'data', 415,
              'application/octet-stream', path=QUEUED_FILE, method='PUT',
              content_type='', needs=('queued',)),
]


# --- image data: what the declared format, size and checksum say ------------

DATA_CASES = [
    Case('put_qcow2_declared_raw', 'PUT', QUEUED_FILE, 400,
         r'raw.*qcow2|qcow2.*raw', headers={'Content-Type': OCTET},
         body=qcow2, calls=PUT_QUEUED, needs=('queued',)),
    Case('put_content_md5_mismatch', 'PUT', QUEUED_FILE, 400,
         'Content-MD5|checksum', headers={'Content-Type': OCTET,
                                          'Content-MD5': '0' * 32},
         body=FILE_DATA, calls=PUT_QUEUED, needs=('queued',)),
    Case('put_content_md5_garbage', 'PUT', QUEUED_FILE, 400, 'Content-MD5',
         headers={'Content-Type': OCTET, 'Content-MD5': 'not-an-md5'},
         body=FILE_DATA, needs=('queued',)),
    Case('put_into_active_image', 'PUT', SHARED + '/{image}/file', 409,
         'active', headers={'Content-Type': OCTET}, body=FILE_DATA,
         calls=POLICY_GET, identity='owner', needs=('shared',)),
]


# --- tasks: SSRF and other bad input ----------------------------------------

def task_case(name, import_from, status, detail, targets=None, **kw):
    def body(ctx):
        return json_body({'type': 'import', 'input': {
            'import_from': import_from.format(**ctx),
            'import_from_format': 'raw',
            'targets': targets or [{'vim_id': ctx['vim'],
                                    'tenant_id': ctx['tenant']}]}})
    return Case('task_' + name, 'POST', '/v1/tasks', status, detail,
                headers={'Content-Type': JSON}, body=body, **kw)


TASK_CASES = [
    task_case('metadata_address',
              'http://169.254.169.254/latest/meta-data/', 400,
              '169.254.169.254'),
    task_case('loopback_glance', 'http://127.0.0.1:{glance_port}/v2/images',
              400, '127.0.0.1'),
    task_case('localhost', 'http://localhost/', 400, 'localhost'),
    task_case('ipv6_loopback', 'http://[::1]/', 400, '::1'),
    task_case('decimal_loopback', 'http://2130706433/', 400, '2130706433'),
    task_case('private_network', 'http://10.0.0.1/', 400, '10.0.0.1'),
    task_case('file_scheme', 'file:///etc/passwd', 400, 'file'),
    task_case('gopher_scheme', 'gopher://example.com/', 400, 'gopher'),
    task_case('credentials', 'http://user:s3cret@example.com/', 400,
              'credentials'),
    task_case('crlf_in_url', 'http://example.com/a\r\nX-Injected: 1', 400,
              'control|import_from'),
    task_case('port_not_allowed', 'http://example.com:25/', 400, '25'),
    task_case('unknown_staged_upload', 'upload:../../etc/passwd', 400,
              'import_from'),
    task_case('vim_source_bad_image', 'vim:{vim}/{tenant}/..%3F', 400,
              'import_from|image_id'),
    task_case('vim_source_unknown_vim', 'vim:nowhere_X/{tenant}/{missing}',
              (400, 404), 'nowhere_X'),
    task_case('unknown_target_vim', 'http://example.com/x.img', (400, 404),
              'nowhere_X', targets=[{'vim_id': 'nowhere_X',
                                     'tenant_id': 't'}]),
    task_case('other_tenant_target', 'vim:{vim}/{owner}/{image}', 403, None,
              targets=[{'vim_id': 'local_RegionOne',
                        'tenant_id': 'p-not-mine'}], identity='owner',
              needs=('shared',), calls=POLICY_GET),
    Case('task_bad_type', 'POST', '/v1/tasks', 400, 'type',
         headers={'Content-Type': JSON},
         body=json_body({'type': 'evil', 'input': {}})),
    Case('task_list_bad_limit', 'GET', '/v1/tasks?limit=-1', 400, 'limit'),
]


# --- noauth from a web page (cross-site), DNS rebinding ----------------------

CSRF_CASES = [
    Case('noauth_cross_origin_create', 'POST', IMAGES, 403,
         r'(?i)origin.*evil\.example', identity=None, roles=ADMIN,
         headers={'Content-Type': 'text/plain',
                  'Origin': 'https://evil.example'}, body=CREATE),
    Case('noauth_cross_origin_multipart', 'POST', IMAGES + '/file', 403,
         r'(?i)origin.*evil\.example', identity=None, roles=ADMIN,
         headers={'Content-Type': MULTIPART,
                  'Origin': 'https://evil.example'},
         body=form(FIELDS, part('visibility', 'public'), file_part())),
    Case('noauth_cross_origin_task', 'POST', '/v1/tasks', 403,
         r'(?i)origin.*evil\.example', identity=None, roles=ADMIN,
         headers={'Content-Type': 'text/plain',
                  'Origin': 'https://evil.example'},
         body=lambda ctx: json_body({'type': 'import', 'input': {
             'import_from': 'vim:{vim}/{owner}/{image}'.format(**ctx),
             'targets': [{'vim_id': ctx['vim'],
                          'tenant_id': ctx['tenant']}]}}),
         needs=('shared',)),
    Case('noauth_sec_fetch_site_cross_site', 'POST', IMAGES, 403,
         'Sec-Fetch-Site', identity=None, roles=ADMIN,
         headers={'Content-Type': JSON, 'Sec-Fetch-Site': 'cross-site'},
         body=CREATE),
    Case('noauth_dns_rebinding_host', 'POST', IMAGES, 403,
         r'Host.*evil\.example', identity=None, roles=ADMIN,
         headers={'Content-Type': JSON, 'Host': 'evil.example'},
         body=CREATE),
    Case('noauth_dns_rebinding_host_get', 'GET', SHARED + '/{image}', 403,
         r'Host.*evil\.example', identity=None, roles=ADMIN,
         headers={'Host': 'evil.example:%d' % 80}, needs=('shared',)),
]


# --- unicode, queries, versions, methods -------------------------------------

def _name_round_trip(name):
    def check(test, ctx, resp):
        image = json.loads(resp.body)
        test.assertEqual(name, test.glance_image(ctx['tenant'],
                                                 image['id'])['name'])
    return check


MISC_CASES = [
    Case('unicode_name_accepted', 'POST', IMAGES, 201, None,
         headers={'Content-Type': JSON},
         body=json_body({'name': 'диск ✓ ümlaut', 'disk_format': 'raw',
                         'container_format': 'bare'}),
         calls=('POST /v2/images',),
         check=_name_round_trip('диск ✓ ümlaut'),
         changes=created),
    # Glance keeps names in 3-byte UTF-8 (MySQL's utf8): its 400 is
    # passed on, naming the name.
    Case('name_with_4_byte_character', 'POST', IMAGES, 400, '[Nn]ame',
         headers={'Content-Type': JSON},
         body=json_body({'name': 'disk \U0001f4bd', 'disk_format': 'raw',
                         'container_format': 'bare'}),
         calls=('POST /v2/images',)),
    # Glance 33 (gunicorn) keeps a non-ASCII tag sent in its path as the
    # UTF-8 bytes read as latin-1, straight or through mcimage alike.
    Case('unicode_tag_accepted', 'PUT', SHARED + '/{image}/tags/%E2%9C%93',
         204, None,
         calls=POLICY_GET + ('PUT /v2/images/{image}/tags/{value}',),
         identity='owner', needs=('shared',), value='%E2%9C%93',
         changes=_tag_added),
    Case('unknown_vim', 'GET', '/v1/nowhere_X/{tenant}/images', 404,
         'nowhere_X'),
    Case('unknown_vim_show', 'GET', '/v1/vims/nowhere_X', 404, 'nowhere_X'),
    Case('unknown_image', 'GET', IMAGES + '/{missing}', 404, '{missing}',
         calls=('GET /v2/images/{missing}',)),
    Case('other_tenant_path', 'GET', '/v1/{vim}/{tenant2}/images', 403,
         None),
    Case('list_bad_limit', 'GET', IMAGES + '?limit=-1', 400, 'limit'),
    Case('list_huge_limit', 'GET', IMAGES + '?limit=' + '9' * 40, 400,
         'limit'),
    Case('list_bad_marker', 'GET', IMAGES + '?marker=%00', 400, 'marker'),
    Case('list_marker_injection', 'GET',
         IMAGES + '?marker={image}%26owner%3Dx', 400, 'marker'),
    Case('list_bad_sort', 'GET', IMAGES + '?sort=name:sideways', 400,
         'sort'),
    Case('list_unknown_filter_crlf', 'GET', IMAGES + '?os_distro=a%0D%0Ab',
         (200, 400), 'os_distro', calls=('GET /v2/images?*',)),
    Case('list_key_given_twice', 'GET', IMAGES + '?limit=1&limit=2', 400,
         'limit'),
    Case('list_invalid_utf8_query', 'GET', IMAGES + '?name=%FF%FE', 400,
         'name|UTF-8|utf-8', calls=()),
    Case('api_version_unknown', 'GET', IMAGES, 406, '99',
         headers={'OpenStack-API-Version': 'multicloud-image 99.0'}),
    Case('api_version_garbage', 'GET', IMAGES, 400, 'OpenStack-API-Version',
         headers={'OpenStack-API-Version': 'multicloud-image banana'}),
    Case('method_not_allowed', 'TRACE', IMAGES, 405, 'TRACE'),
    Case('method_not_allowed_on_image', 'POST', SHARED + '/{image}', 405,
         'POST', identity='owner', needs=('shared',)),
    Case('unknown_action', 'POST', SHARED + '/{image}/actions/explode', 404,
         'explode|[Nn]o such resource', identity='owner', needs=('shared',)),
    Case('invalid_utf8_in_path', 'GET', IMAGES + '/%FF%FE', (400, 404),
         r"image_id|[Nn]o such resource|path is not valid UTF-8"),
    Case('very_long_path', 'GET', IMAGES + '/' + 'a' * 20000, (400, 404, 414),
         r"image_id|[Nn]o such resource|URI|too long"),
    Case('schema_unknown', 'GET', '/v1/{vim}/{tenant}/schemas/%2E%2E', 404,
         r"[Nn]o such resource|schemas"),
]


STREAM_CASES = (id_cases() + RANGE_CASES + MULTIPART_CASES + FANOUT_CASES +
                FRAMING_CASES + JSON_CASES + DATA_CASES + TASK_CASES +
                CSRF_CASES + MISC_CASES)


# --- stage mode: what a refusal may leave in the staging store ---------------

STAGE_CASES = [
    upload_case('stage_truncated_in_file',
                lambda ctx: form(FIELDS, file_part())(ctx)[:-2000], 400,
                '[Mm]ultipart'),
    upload_case('stage_second_file_part',
                form(FIELDS, file_part(), file_part(b'more')), 400,
                "after the file part|'file'"),
    upload_case('stage_qcow2_declared_raw',
                form(FIELDS, lambda ctx: file_part(qcow2(ctx), 'a.qcow2')),
                400, r'raw.*qcow2|qcow2.*raw'),
    upload_case('stage_checksum_mismatch',
                form(FIELDS, part('checksum', '0' * 32), file_part()), 400,
                'checksum'),
    upload_case('stage_over_image_size_cap',
                form(FIELDS, file_part(os.urandom(IMAGE_SIZE_CAP + 1))), 413,
                'image_size_cap'),
    Case('stage_fanout_qcow2_declared_raw', 'POST', '/v1/images/file', 400,
         r'raw.*qcow2|qcow2.*raw', headers={'Content-Type': MULTIPART},
         body=form(FIELDS, targets_part,
                   lambda ctx: file_part(qcow2(ctx), 'a.qcow2')),
         calls=NEW_IMAGE, roles=ADMIN),
    Case('stage_put_qcow2_declared_raw', 'PUT', QUEUED_FILE, 400,
         r'raw.*qcow2|qcow2.*raw', headers={'Content-Type': OCTET},
         body=qcow2, calls=PUT_QUEUED, needs=('queued',)),
    Case('stage_put_content_md5_mismatch', 'PUT', QUEUED_FILE, 400,
         'Content-MD5|checksum', headers={'Content-Type': OCTET,
                                          'Content-MD5': '0' * 32},
         body=FILE_DATA, calls=PUT_QUEUED, needs=('queued',)),
    raw_case('stage_cl_longer_put', 'PUT', QUEUED_FILE, 400,
             'body|size|bytes', FILE_DATA, 'Content-Length: {length}0',
             PUT_QUEUED, OCTET, shut=True, needs=('queued',)),
    raw_case('stage_chunked_no_terminator_put', 'PUT', QUEUED_FILE, 400,
             'body|chunk|size', chunks(chunk(FILE_DATA)),
             'Transfer-Encoding: chunked', PUT_QUEUED, OCTET, shut=True,
             needs=('queued',)),
    raw_case('stage_chunked_bad_size', 'PUT', QUEUED_FILE, 400,
             'body|chunk',
             chunks(chunk(b'abc'), ('zz', b'abc\r\n'), ('0', b'\r\n')),
             'Transfer-Encoding: chunked', PUT_QUEUED, OCTET,
             needs=('queued',)),
    task_case('stage_task_from_others_upload', 'upload:{missing}', 400,
              'import_from'),
    Case('stage_upload_list_bad_marker', 'GET', '/v1/uploads?marker=..', 400,
         'marker'),
] + [c for c in id_cases() if c.__name__.startswith(('id_task_',
                                                     'id_upload_'))]


class Response(object):

    def __init__(self, status, headers, body):
        self.status = status
        self.headers = headers
        self.body = body

    @property
    def text(self):
        return self.body.decode('utf-8', 'replace')


class BadInputTests(object):
    """The case runner; the classes below give it cases and a mode."""

    # The tenant whose shared image the id, Range and patch cases use.
    _shared = None

    @classmethod
    def setUpClass(cls):
        relay = recorder.RecordingRelay()
        relay.setUp()
        cls.addClassCleanup(relay.cleanUp)
        cls.relay = relay
        # The VIM's endpoint is the relay's (the later value wins).
        cls.EXTRA_CONF = cls.MODE_CONF + (
            '[api]\nmax_json_body_size = %d\n'
            '[upload]\nimage_size_cap = %d\n'
            '[vim:%s]\nendpoint_override = %s\n' % (
                MAX_JSON, IMAGE_SIZE_CAP, cls.VIM, relay.endpoint))
        # Before the servers start: no Glance port is known yet.
        relay.upstream = ('127.0.0.1', 1)
        super().setUpClass()
        relay.upstream = ('127.0.0.1', cls.glance.port)
        cls.tmp = tempfile.mkdtemp(prefix='mcimage-bad-input-')
        cls.addClassCleanup(shutil.rmtree, cls.tmp, True)
        if shutil.which('qemu-img') is None:
            raise AssertionError('qemu-img is needed (Debian: qemu-utils; '
                                 'tools/run-tests.sh installs it)')
        path = os.path.join(cls.tmp, 'a.qcow2')
        subprocess.run(('qemu-img', 'create', '-f', 'qcow2', path, '16M'),
                       check=True, capture_output=True, timeout=60)
        with open(path, 'rb') as f:
            cls.qcow2 = f.read()

    # -- Glance, asked directly -----------------------------------------------

    def glance_call(self, method, tenant, path, roles=ADMIN, **kwargs):
        headers = self.glance.headers(tenant, user_id='u-%s' % tenant,
                                      roles=roles)
        headers.update(kwargs.pop('headers', {}))
        return requests.request(method, self.glance.endpoint + path,
                                headers=headers, timeout=TIMEOUT, **kwargs)

    def glance_image(self, tenant, image_id):
        resp = self.glance_call('GET', tenant, '/v2/images/' + image_id)
        self.assertEqual(200, resp.status_code, resp.text)
        return resp.json()

    def glance_state(self, tenants):
        """{image id: what Glance holds} for the images the tenants own."""
        state = {}
        for tenant in tenants:
            url = '/v2/images?visibility=all&owner=%s&limit=100' % (
                urllib.parse.quote(tenant))
            while url:
                resp = self.glance_call('GET', tenant, url)
                self.assertEqual(200, resp.status_code, resp.text)
                body = resp.json()
                for image in body['images']:
                    entry = {k: v for k, v in image.items()
                             if k not in ('updated_at',)}
                    entry['tags'] = sorted(entry.get('tags', []))
                    if image['visibility'] == 'shared':
                        members = self.glance_call(
                            'GET', tenant,
                            '/v2/images/%s/members' % image['id']).json()
                        entry['members'] = sorted(
                            (m['member_id'], m['status'])
                            for m in members['members'])
                    state[image['id']] = entry
                url = body.get('next')
        return state

    # -- fixtures -------------------------------------------------------------

    def _create_in_glance(self, tenant, data=None, **fields):
        fields.setdefault('disk_format', 'raw')
        fields.setdefault('container_format', 'bare')
        resp = self.glance_call('POST', tenant, '/v2/images', roles=MEMBER,
                                json=fields)
        self.assertEqual(201, resp.status_code, resp.text)
        image_id = resp.json()['id']
        if data is not None:
            resp = self.glance_call(
                'PUT', tenant, '/v2/images/%s/file' % image_id, data=data,
                roles=MEMBER, headers={'Content-Type': OCTET})
            self.assertEqual(204, resp.status_code, resp.text)
        return image_id

    def shared(self):
        """An active shared image with a tag and a member, intact."""
        cls = type(self)
        shared = cls._shared
        if shared is not None:
            state = self.glance_state([shared['owner']]).get(shared['image'])
            if (state and state['status'] == 'active'
                    and state['tags'] == ['tag1']
                    and state['members'] == [(shared['member'], 'pending')]):
                return shared
        owner = 'p-owner-%s' % uuid.uuid4().hex[:8]
        member = 'p-member-%s' % uuid.uuid4().hex[:8]
        image_id = self._create_in_glance(owner, DATA, name='shared',
                                          visibility='shared',
                                          tags=['tag1'])
        resp = self.glance_call('POST', owner,
                                '/v2/images/%s/members' % image_id,
                                roles=MEMBER, json={'member': member})
        self.assertEqual(200, resp.status_code, resp.text)
        cls._shared = {'owner': owner, 'image': image_id, 'member': member,
                       'tag': 'tag1'}
        return cls._shared

    def staged_upload(self, tenant):
        return str(uuid.uuid4())

    def task(self, tenant):
        return str(uuid.uuid4())

    def context(self, case):
        ctx = {'vim': self.VIM, 'tenant': self.tenant,
               'tenant2': self.tenant + '-b', 'missing': str(uuid.uuid4()),
               'port': self.mcimage.port, 'glance_port': self.glance.port,
               'qcow2': self.qcow2, 'owner': 'p-nobody', 'image': 'none',
               'member': 'none', 'tag': 'tag1', 'queued': 'none',
               'task': str(uuid.uuid4()), 'upload': str(uuid.uuid4())}
        if 'shared' in case.needs:
            ctx.update(self.shared())
        if 'queued' in case.needs:
            ctx['queued'] = self._create_in_glance(self.tenant, name='mine')
        if 'upload' in case.needs:
            ctx['upload'] = self.staged_upload(self.tenant)
        if 'task' in case.needs:
            ctx['task'] = self.task(self.tenant)
        if case.value is not None:
            ctx['raw_value'] = case.value.format(**ctx)
            ctx['value'] = server_unquote(ctx['raw_value'])
            ctx['value_is_tenant'] = case.value_is_tenant
        return ctx

    # -- mcimage's own state --------------------------------------------------

    def db_rows(self, tenants):
        path = os.path.join(self.mcimage.workdir, 'mcimage.sqlite')
        marks = ','.join('?' * len(tenants))
        connection = sqlite3.connect('file:%s?mode=ro' % path, uri=True,
                                     timeout=10)
        try:
            uploads = connection.execute(
                'SELECT image_id, state FROM uploads WHERE tenant_id IN '
                '(%s)' % marks, tenants).fetchall()
            tasks = connection.execute(
                'SELECT id, status FROM tasks WHERE owner IN (%s)' % marks,
                tenants).fetchall()
            staged = connection.execute(
                'SELECT id, status FROM staged_uploads WHERE owner IN (%s)'
                % marks, tenants).fetchall()
        finally:
            connection.close()
        return {'uploads': sorted(uploads), 'tasks': sorted(tasks),
                'staged_uploads': sorted(staged)}

    def staged_files(self):
        directory = os.path.join(self.mcimage.workdir, 'staging')
        return sorted(os.listdir(directory)) if os.path.isdir(
            directory) else []

    def state(self, ctx):
        tenants = [ctx['tenant'], ctx['tenant2'], ctx['owner']]
        if ctx.get('value_is_tenant'):
            tenants += [ctx['value'], urllib.parse.unquote(ctx['raw_value'])]
        return {'glance': self.glance_state(tenants),
                'db': self.db_rows(tenants),
                'staged_files': self.staged_files()}

    # -- sending --------------------------------------------------------------

    def identity(self, case, ctx):
        if case.identity is None:
            return ({'X-Roles': case.roles} if case.roles != ADMIN else {})
        tenant = ctx[case.identity]
        return {'X-Project-Id': tenant, 'X-User-Id': 'u-%s' % tenant,
                'X-Roles': case.roles}

    def send(self, case, ctx):
        identity = self.identity(case, ctx)
        if case.raw is not None:
            return self.send_raw(case, case.raw(ctx, identity))
        path = case.path.format(**ctx)
        headers = dict(identity)
        headers.update({k: v.format(**ctx) if '{' in v else v
                        for k, v in case.headers.items()})
        headers = {k: v for k, v in headers.items() if v != ''}
        body = case.body(ctx) if callable(case.body) else case.body
        conn = http.client.HTTPConnection('127.0.0.1', self.mcimage.port,
                                          timeout=TIMEOUT)
        try:
            try:
                conn.request(case.method, path, body=body, headers=headers)
            except ConnectionError:
                # The server may answer (and close) before it read the
                # whole body: its answer is still there to read.
                pass
            resp = conn.getresponse()
            data = resp.read()
        except (ConnectionError, http.client.HTTPException) as e:
            self.fail('%s %s: no answer, the connection broke: %r' % (
                case.method, path, e))
        finally:
            conn.close()
        return Response(resp.status, resp.headers, data)

    def send_raw(self, case, data):
        sock = socket.create_connection(('127.0.0.1', self.mcimage.port),
                                        timeout=RAW_TIMEOUT)
        try:
            try:
                sock.sendall(data)
                if case.shut:
                    sock.shutdown(socket.SHUT_WR)
            except OSError:
                # The server may answer before it read everything.
                pass
            resp = http.client.HTTPResponse(sock, method=case.method)
            try:
                resp.begin()
                body = resp.read()
            except (OSError, http.client.HTTPException) as e:
                self.fail('no HTTP answer within %d s (the client sent %d '
                          'bytes%s): %r' % (
                              RAW_TIMEOUT, len(data),
                              ' and half-closed' if case.shut else '', e))
            return Response(resp.status, resp.headers, body)
        finally:
            sock.close()

    # -- checks ---------------------------------------------------------------

    def assertAnswer(self, case, ctx, resp):
        text = resp.text
        self.assertIn(resp.status, case.status,
                      'status %d, expected %s: %s' % (
                          resp.status, sorted(case.status), text[:2000]))
        for marker in TRACEBACK_MARKERS:
            self.assertNotIn(marker, text)
        self.assertNotIn('X-Injected', resp.headers)
        if resp.status < 400 or case.method == 'HEAD':
            return
        if case.server and not text.startswith('{'):
            self.assertLess(len(text), 200, text)
            return
        self.assertEqual(JSON, (resp.headers.get('Content-Type') or '')
                         .split(';')[0], text[:2000])
        body = json.loads(text)
        self.assertEqual(['errors'], list(body), text)
        [error] = body['errors']
        self.assertEqual({'request_id', 'code', 'status', 'title', 'detail'},
                         set(error))
        self.assertEqual(resp.status, error['status'])
        if case.detail:
            self.assertIsNotNone(re.search(case.detail.format(**ctx),
                                           error['detail']),
                                 'the detail does not match %r: %r' % (
                                     case.detail, error['detail']))

    def case_calls(self, ctx, calls):
        """The calls made for the tenants of the case (or for none).

        Others are what earlier cases left running (a task, a cleanup).
        """
        tenants = {ctx['tenant'], ctx['tenant2'], ctx['owner']}
        if ctx.get('value_is_tenant'):
            tenants |= {ctx['value'], urllib.parse.unquote(ctx['raw_value'])}
        return [(method, target) for method, target, project in calls
                if project is None or project in tenants
                or not project.startswith('p-')]

    def assertCalls(self, case, ctx, calls):
        allowed = [self._call_template(t, ctx) for t in case.calls]
        calls = self.case_calls(ctx, calls)
        unexpected = [c for c in calls
                      if not any(self._matches(c, t) for t in allowed)]
        self.assertEqual([], unexpected,
                         'the VIM received calls the case does not allow '
                         '(allowed: %s); all calls: %s' % (
                             list(case.calls), calls))

    @staticmethod
    def _call_template(template, ctx):
        method, _sep, path = template.partition(' ')
        query = path.endswith('?*')
        if query:
            path = path[:-2]
        segments = [s if s == '*' else s.format(**ctx)
                    for s in path.split('/')]
        return method, segments, query

    @staticmethod
    def _matches(call, template):
        method, target = call
        t_method, t_segments, t_query = template
        if method != t_method or '#' in target:
            return False
        path, sep, _query = target.partition('?')
        if sep and not t_query:
            return False
        try:
            segments = [urllib.parse.unquote(s, errors='strict')
                        for s in path.split('/')]
        except UnicodeDecodeError:
            return False
        return len(segments) == len(t_segments) and all(
            t == '*' or t == s for s, t in zip(segments, t_segments))

    def assertNothingLeft(self, case, ctx, resp, before):
        expected = before
        if case.changes is not None:
            expected = dict(before, glance=case.changes(
                self, ctx, resp, before['glance']))
        deadline = time.monotonic() + SETTLE
        while True:
            after = self.state(ctx)
            if self._same(expected, after) or time.monotonic() > deadline:
                break
            time.sleep(0.2)
        self.assertEqual([], after['db']['uploads'],
                         'uploads rows left behind')
        self.assertEqual(before['db']['tasks'], after['db']['tasks'],
                         'tasks created or changed')
        self.assertEqual(before['db']['staged_uploads'],
                         after['db']['staged_uploads'],
                         'staged uploads created or changed')
        self.assertEqual(before['staged_files'], after['staged_files'],
                         'staged files created or removed')
        self.assertEqual(self._comparable(expected['glance'], after),
                         after['glance'], 'the images in Glance changed')

    @staticmethod
    def _comparable(expected, after):
        # None stands for an image the case created itself: whatever it
        # is, as long as it is not half-made.
        out = {}
        for image_id, entry in expected.items():
            if entry is None:
                entry = after['glance'].get(image_id)
                if entry is not None and entry['status'] not in (
                        'queued', 'active'):
                    entry = dict(entry, status='not queued nor saving')
            out[image_id] = entry
        return out

    def _same(self, expected, after):
        return (not after['db']['uploads']
                and after['staged_files'] == expected['staged_files']
                and self._comparable(expected['glance'], after)
                == after['glance'])

    def wait_tasks_ended(self, ctx, before):
        deadline = time.monotonic() + TIMEOUT
        while time.monotonic() < deadline:
            running = [task for task in self.state(ctx)['db']['tasks']
                       if task not in before['db']['tasks']
                       and task[1] in ('pending', 'processing')]
            if not running:
                return
            time.sleep(0.2)

    # -- the test -------------------------------------------------------------

    def run_case(self, case):
        ctx = self.context(case)
        before = self.state(ctx)
        mark = self.relay.mark()
        resp = self.send(case, ctx)
        self.addDetail('response', content.text_content(
            '%d %s\n%s' % (resp.status, dict(resp.headers),
                           resp.text[:4000])))
        self.addDetail('vim-calls', content.Content(
            content_type.UTF8_TEXT, lambda: ['\n'.join(
                '%s %s (X-Project-Id: %s)' % c
                for c in self.relay.since(mark)).encode()]))
        # A task the case should not have made runs on after it: let it end
        # before the next case, whose VIM calls it would muddle.
        self.addCleanup(self.wait_tasks_ended, ctx, before)
        self.assertAnswer(case, ctx, resp)
        if case.check is not None:
            case.check(self, ctx, resp)
        self.assertNothingLeft(case, ctx, resp, before)
        calls = self.relay.since(mark)
        self.assertCalls(case, ctx, calls)


def _add_total(cls, cases, minimum=0):
    def test(self):
        self.assertGreaterEqual(len(cases), minimum)
        print('%s: %d bad-input cases' % (cls.__name__, len(cases)))
    name = 'test_total_%d_cases' % len(cases)
    test.__name__ = name
    setattr(cls, name, test)
    return cls


@ddt.ddt
class TestBadInput(BadInputTests, base.FunctionalTestCase):
    """[upload] mode = stream: data goes straight into the VIM."""

    MODE_CONF = '[upload]\nmode = stream\ncleanup_interval = 1\n'

    @ddt.data(*STREAM_CASES)
    def test_case(self, case):
        self.run_case(case)


_add_total(TestBadInput, STREAM_CASES, 60)


@ddt.ddt
class TestBadInputStaged(BadInputTests, base.FunctionalTestCase):
    """[upload] mode = stage: a refusal leaves no staged upload either."""

    MODE_CONF = '[upload]\nmode = stage\ncleanup_interval = 1\n'

    def staged_upload(self, tenant):
        """A real staged upload of the tenant (and its image)."""
        body = form(FIELDS, file_part(b'staged' * 100))({})
        resp = requests.post(
            self.images_url() + '/file', data=body, timeout=TIMEOUT,
            headers=self.headers(**{'Content-Type': MULTIPART}))
        self.assertEqual(201, resp.status_code, resp.text)
        return resp.headers['OpenStack-Staged-Upload-Id']

    def task(self, tenant):
        """A real task of the tenant, finished."""
        upload = self.staged_upload(tenant)
        resp = requests.post(self.mcimage.url('/v1/tasks'), timeout=TIMEOUT,
                             headers=self.headers(), json={
                                 'type': 'import', 'input': {
                                     'import_from': 'upload:' + upload,
                                     'targets': [{'vim_id': self.VIM,
                                                  'tenant_id': tenant}]}})
        self.assertEqual(201, resp.status_code, resp.text)
        task_id = resp.json()['id']
        deadline = time.monotonic() + TIMEOUT
        while time.monotonic() < deadline:
            task = requests.get(self.mcimage.url('/v1/tasks/' + task_id),
                                headers=self.headers(),
                                timeout=TIMEOUT).json()
            if task['status'] in ('success', 'failure'):
                return task_id
            time.sleep(0.1)
        self.fail('task %s did not finish' % task_id)

    @ddt.data(*STAGE_CASES)
    def test_case(self, case):
        self.run_case(case)


_add_total(TestBadInputStaged, STAGE_CASES)
