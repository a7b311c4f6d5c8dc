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

"""The API reference's samples, sent to a live mcimage and checked.

Every file of ``api-ref/source/samples/`` is used here: each request
sample is sent as it is (with the ids of this run in place of the ids of
the run that recorded it), and each response is checked against its
sample: the status code, the same keys at every level, and the same
values, but for times and the ids the servers made. Two VIMs, each a real
Glance; one mcimage-api streams uploads ([upload] mode = stream, the
default) and a second one, in front of the same VIMs, stages them.

The samples were recorded by this test: run it with
``MCIMAGE_API_REF_SAMPLES=write`` and it writes what it sent and got into
the sample files instead of checking them (and fails, so that a written
run is never taken for a checked one).
"""

import hashlib
import json
import os
import re
import time
import uuid

import requests

from tests.functional import base
from tests.functional.fixtures import mcimage as mcimage_fixtures
from tests.functional import test_onap_upload

TOP = os.path.dirname(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__))))
API_REF = os.path.join(TOP, 'api-ref', 'source')
SAMPLES = os.path.join(API_REF, 'samples')
WRITE = os.environ.get('MCIMAGE_API_REF_SAMPLES') == 'write'

VIM = 'acme_RegionOne'
OTHER_VIM = 'acme_RegionTwo'
# The projects of the samples, as Keystone names them; noauth lets the
# caller be any project.
TENANT = '7c8f4e2a1b9d4f6e8a3c5b7d9e1f2a4c'
MEMBER = '2d6b9f1e3a5c4e7b8d0f1a3c5e7b9d2f'
# The public URL the samples show, in place of the test servers' own.
PUBLIC_URL = 'http://127.0.0.1:9494'
# An image's data: 1 MiB, the same every run, so that its size and
# hashes are constants of the samples.
DATA = bytes(range(256)) * 4096
PATCH = 'application/openstack-images-v2.1-json-patch'

# The requests of the samples (the text fields of a form as a JSON
# object, in the order they are sent).
ONAP_FORM = {
    'name': 'cirros-0.6.2',
    'imageType': 'raw',
    'containerFormat': 'bare',
    'visibility': 'private',
    'properties': json.dumps([{'keyName': 'os_distro', 'value': 'cirros'}]),
}
FAN_OUT_FORM = {
    'name': 'debian-12-generic',
    'imageType': 'raw',
    'containerFormat': 'bare',
    'targets': json.dumps([{'vim_id': VIM, 'tenant_id': TENANT},
                           {'vim_id': OTHER_VIM, 'tenant_id': TENANT}]),
}
CREATE_BODY = {
    'name': 'ubuntu-24.04-server',
    'disk_format': 'raw',
    'container_format': 'bare',
    'visibility': 'shared',
    'min_disk': 4,
    'os_distro': 'ubuntu',
}
UPDATE_BODY = [
    {'op': 'replace', 'path': '/name', 'value': 'ubuntu-24.04.1-server'},
    {'op': 'add', 'path': '/hw_disk_bus', 'value': 'virtio'},
]

_UUID = re.compile(r'[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-'
                   r'[0-9a-f]{12}')
_TIME = re.compile(r'^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?'
                   r'(Z|[+-]\d{2}:?\d{2})?\Z')


class Samples(object):
    """The sample files, the ids of this run, and the files used.

    ``ids`` maps an id of the recorded run to the same object's id in
    this run; it is learned from each response, where the sample and the
    live answer hold ids at the same places.
    """

    def __init__(self, directory, public_urls):
        self.directory = directory
        self.public_urls = public_urls
        self.ids = {}
        self.used = set()

    def files(self):
        return sorted(f for f in os.listdir(self.directory)
                      if f.endswith('.json'))

    def _path(self, name):
        return os.path.join(self.directory, name + '.json')

    def _load(self, name):
        self.used.add(name + '.json')
        with open(self._path(name)) as f:
            return json.load(f)

    def _write(self, name, document):
        self.used.add(name + '.json')
        with open(self._path(name), 'w') as f:
            json.dump(document, f, indent=4, ensure_ascii=False)
            f.write('\n')

    def _live_ids(self, value):
        """``value`` with each recorded id replaced by this run's."""
        if isinstance(value, dict):
            return {k: self._live_ids(v) for k, v in value.items()}
        if isinstance(value, list):
            return [self._live_ids(v) for v in value]
        if isinstance(value, str):
            return _UUID.sub(lambda m: self.ids.get(m.group(), m.group()),
                             value)
        return value

    def request(self, name, built):
        """The body to send for the sample ``name``.

        The file's, with this run's ids; it must be what the test builds
        (``built``), which a written run records.
        """
        if WRITE:
            self._write(name, built)
            return built
        body = self._live_ids(self._load(name))
        if body != built:
            raise AssertionError(
                'samples/%s.json is not the request the test sends:\n%s\n'
                'sent:\n%s' % (name, json.dumps(body, indent=1),
                               json.dumps(built, indent=1)))
        return body

    def normalized(self, text):
        # The longest first: no URL is replaced inside another.
        for url in sorted(self.public_urls, key=len, reverse=True):
            text = text.replace(url, PUBLIC_URL)
        return json.loads(text)

    def response(self, name, resp, volatile=()):
        """Check ``resp``'s body against the sample (write it: WRITE).

        ``volatile`` names the fields (dotted paths) whose values this
        run may change; their keys are checked all the same.
        """
        live = self.normalized(resp.text)
        if WRITE:
            self._write(name, live)
            return live
        problems = []
        self._compare(self._load(name), live, '', set(volatile), problems)
        if problems:
            raise AssertionError('samples/%s.json does not match the live '
                                 'answer:\n  %s\nlive:\n%s' % (
                                     name, '\n  '.join(problems),
                                     json.dumps(live, indent=1)))
        return live

    def _compare(self, sample, live, where, volatile, problems):
        if isinstance(sample, dict) and isinstance(live, dict):
            for key in sorted(set(sample) ^ set(live)):
                problems.append('%s: %s' % (
                    where + key, 'missing' if key in sample else 'not in '
                    'the sample'))
            for key in sample:
                if key in live:
                    self._compare(sample[key], live[key], where + key + '.',
                                  volatile, problems)
            return
        where = where.rstrip('.')
        if isinstance(sample, list) and isinstance(live, list):
            if len(sample) != len(live):
                problems.append('%s: %d items, not %d' % (
                    where, len(live), len(sample)))
            for i, (s, v) in enumerate(zip(sample, live)):
                self._compare(s, v, '%s[%d].' % (where, i), volatile,
                              problems)
            return
        if where in volatile:
            return
        if isinstance(sample, str) and isinstance(live, str):
            if _TIME.match(sample) and _TIME.match(live):
                return
            if self._same_but_ids(sample, live):
                return
        elif sample == live and type(sample) is type(live):
            return
        problems.append('%s: %r, not %r' % (where, live, sample))

    def _same_but_ids(self, sample, live):
        """Whether the strings differ only by ids, learning them."""
        if _UUID.sub('', sample) != _UUID.sub('', live):
            return False
        for old, new in zip(_UUID.findall(sample), _UUID.findall(live)):
            if self.ids.setdefault(old, new) != new:
                return False
        return True


class TestApiRefSamples(base.FunctionalTestCase):
    """One story through the API, each call checked against its sample."""

    VIM = VIM
    EXTRA_VIMS = (OTHER_VIM,)
    VIM_CONF = ('[vim:%s]\ndescription = ACME public cloud, region one\n'
                '[vim:%s]\ndescription = ACME public cloud, region two\n'
                % (VIM, OTHER_VIM))
    EXTRA_CONF = VIM_CONF

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        try:
            # The same VIMs, behind an mcimage-api in stage mode.
            cls.stage = cls._servers.useFixture(
                mcimage_fixtures.MCImageFixture(
                    {vim_id: glance.endpoint
                     for vim_id, glance in cls.glances.items()},
                    extra_conf=cls.VIM_CONF + '[upload]\nmode = stage\n'
                )).server
        except BaseException:
            cls._servers.cleanUp()
            raise

    def setUp(self):
        super().setUp()
        self.tenant = TENANT
        self.samples = Samples(SAMPLES, [self.mcimage.endpoint,
                                         self.stage.endpoint])

    def call(self, method, path, status, server=None, tenant=None,
             roles='member,reader', request=None, body=None, **kwargs):
        """One request; ``request`` names the sample of its JSON body."""
        if request is not None:
            kwargs['json'] = self.samples.request(request, body)
        kwargs.setdefault('headers', {}).update(self.headers(
            roles=roles, tenant=tenant))
        resp = requests.request(method, (server or self.mcimage).url(path),
                                timeout=60, **kwargs)
        self.assertEqual(status, resp.status_code,
                         '%s %s: %s' % (method, path, resp.text))
        return resp

    def form(self, path, request, fields, status=201, server=None):
        """A multipart upload of DATA; the sample holds the text fields."""
        fields = self.samples.request(request, fields)
        body, ctype = test_onap_upload.multipart_body(
            list(fields.items()), 'disk.img', DATA)
        return self.call('POST', path, status, server=server, data=body,
                         headers={'Content-Type': ctype})

    def assertLocation(self, resp):
        """Location: the new resource's URL, its self on this server."""
        self.assertEqual(self.mcimage.url(resp.json()['self']),
                         resp.headers['Location'])

    def tenant_path(self, path, vim=VIM, tenant=TENANT):
        return '/v1/%s/%s/%s' % (vim, tenant, path)

    def test_samples(self):
        self.check_versions_and_vims()
        onap_id = self.check_onap_upload()
        image_id = self.check_glance_flow()
        self.check_members(image_id)
        self.check_fan_out()
        self.check_tasks(onap_id)
        self.check_staged_uploads()
        self.check_error()
        unused = set(self.samples.files()) - self.samples.used
        self.assertEqual(set(), unused, 'samples no call of the API '
                         'reference sends or answers')
        if WRITE:
            self.fail('MCIMAGE_API_REF_SAMPLES=write: the samples were '
                      'written, not checked')

    def test_every_sample_in_the_api_ref(self):
        """Each sample file is shown by a page of the API reference."""
        text = ''
        for name in os.listdir(API_REF):
            if name.endswith(('.inc', '.rst')):
                with open(os.path.join(API_REF, name)) as f:
                    text += f.read()
        shown = set(re.findall(r'literalinclude:: samples/(\S+\.json)',
                               text))
        self.assertEqual([], sorted(set(self.samples.files()) - shown))
        self.assertEqual([], sorted(shown - set(self.samples.files())))

    # -- the calls, in the order of the story ------------------------------

    def check_versions_and_vims(self):
        s = self.samples
        resp = self.call('GET', '/', 200)
        self.assertEqual('multicloud-image 1.0',
                         resp.headers['OpenStack-API-Version'])
        s.response('versions-list-response', resp)
        s.response('version-show-response', self.call('GET', '/v1', 200))
        s.response('vims-list-response', self.call('GET', '/v1/vims', 200))
        s.response('vim-show-response',
                   self.call('GET', '/v1/vims/' + VIM, 200))

    def check_onap_upload(self):
        resp = self.form(self.tenant_path('images/file'),
                         'image-upload-onap-request', ONAP_FORM)
        self.samples.response('image-upload-onap-response', resp)
        self.assertLocation(resp)
        download = self.call('GET', self.tenant_path(
            'images/file/' + resp.json()['id']), 200)
        self.assertEqual(DATA, download.content)
        self.assertEqual(resp.json()['checksum'],
                         download.headers['Content-MD5'])
        data = self.tenant_path('images/%s/file' % resp.json()['id'])
        part = self.call('GET', data, 206, headers={'Range': 'bytes=0-1023'})
        self.assertEqual(DATA[:1024], part.content)
        self.assertEqual('bytes 0-1023/%d' % len(DATA),
                         part.headers['Content-Range'])
        self.assertNotIn('Content-MD5', part.headers)
        outside = self.call('GET', data, 416, headers={
            'Range': 'bytes=%d-' % len(DATA)})
        self.assertEqual('bytes */%d' % len(DATA),
                         outside.headers['Content-Range'])
        return resp.json()['id']

    def check_glance_flow(self):
        s = self.samples
        resp = self.call('POST', self.tenant_path('images'), 201,
                         request='image-create-request', body=CREATE_BODY)
        s.response('image-create-response', resp)
        self.assertLocation(resp)
        image_id = resp.json()['id']
        image = self.tenant_path('images/' + image_id)
        self.call('PUT', image + '/file', 204, data=DATA, headers={
            'Content-Type': 'application/octet-stream',
            'Content-MD5': hashlib.md5(DATA).hexdigest()})
        for tag, status in (('lts', 204), ('old', 204)):
            self.call('PUT', '%s/tags/%s' % (image, tag), status)
        self.call('DELETE', image + '/tags/old', 204)
        self.call('DELETE', image + '/tags/old', 404)
        s.response('image-show-response', self.call('GET', image, 200))
        head = self.call('HEAD', image, 200)
        self.assertEqual('active', head.headers['X-Image-Meta-Status'])
        self.assertEqual('ubuntu',
                         head.headers['X-Image-Meta-Property-os_distro'])
        s.response('image-update-response', self.call(
            'PATCH', image, 200, request='image-update-request',
            body=UPDATE_BODY, headers={'Content-Type': PATCH}))
        s.response('images-list-response', self.call(
            'GET', self.tenant_path('images?sort=name:asc&limit=1'), 200))
        self.call('GET', self.tenant_path('schemas/image'), 200)
        # A reader may not; a member of the owner project may, as in Glance.
        self.call('POST', image + '/actions/deactivate', 403, roles='reader')
        for action in ('deactivate', 'reactivate'):
            self.call('POST', '%s/actions/%s' % (image, action), 204)
        return image_id

    def check_members(self, image_id):
        s = self.samples
        members = self.tenant_path('images/%s/members' % image_id)
        s.response('member-create-response', self.call(
            'POST', members, 200, request='member-create-request',
            body={'member': MEMBER}))
        s.response('members-list-response', self.call('GET', members, 200))
        s.response('member-show-response',
                   self.call('GET', members + '/' + MEMBER, 200))
        # The member project sees the image, pending or not (as in
        # Glance), and accepts in its own tenant's path.
        shared = self.tenant_path('images/' + image_id, tenant=MEMBER)
        self.call('GET', shared, 200, tenant=MEMBER)
        s.response('member-update-response', self.call(
            'PUT', '%s/members/%s' % (shared, MEMBER), 200, tenant=MEMBER,
            request='member-update-request', body={'status': 'accepted'}))
        self.call('GET', shared, 200, tenant=MEMBER)
        self.call('DELETE', members + '/' + MEMBER, 204)
        self.call('GET', shared, 404, tenant=MEMBER)

    def check_fan_out(self):
        resp = self.form('/v1/images/file', 'images-fanout-request',
                         FAN_OUT_FORM)
        self.samples.response('images-fanout-response', resp)
        for image in resp.json()['images']:
            self.call('GET', self.tenant_path('images/' + image['id'],
                                              vim=image['vimId']), 200)

    def check_tasks(self, onap_id):
        s = self.samples
        resp = self.call('POST', '/v1/tasks', 201,
                         request='task-create-request', body={
                             'type': 'import',
                             'input': {
                                 'import_from': 'vim:%s/%s/%s' % (
                                     VIM, TENANT, onap_id),
                                 'image_properties': {
                                     'name': 'cirros-0.6.2-copy'},
                                 'targets': [{'vim_id': OTHER_VIM,
                                              'tenant_id': TENANT}]}})
        # The task may have started, or even ended, by the time it is
        # shown.
        s.response('task-create-response', resp,
                   volatile=('status', 'result', 'expires_at',
                             'progress.bytes_done', 'progress.bytes_total'))
        self.assertLocation(resp)
        task = '/v1/tasks/' + resp.json()['id']
        deadline = time.monotonic() + 60
        while self.call('GET', task, 200).json()['status'] not in (
                'success', 'failure'):
            self.assertLess(time.monotonic(), deadline)
            time.sleep(0.2)
        s.response('task-show-response', self.call('GET', task, 200))
        s.response('tasks-list-response', self.call(
            'GET', '/v1/tasks?status=success&limit=10', 200))
        self.call('DELETE', task, 204)
        self.call('GET', task, 404)

    def check_staged_uploads(self):
        s = self.samples
        resp = self.form('/v1/images/file', 'images-fanout-request',
                         FAN_OUT_FORM, server=self.stage)
        s.response('images-fanout-stage-response', resp)
        upload = resp.json()['staged_upload']['id']
        self.assertEqual(upload, resp.headers['OpenStack-Staged-Upload-Id'])
        s.response('uploads-list-response', self.call(
            'GET', '/v1/uploads', 200, server=self.stage))
        s.response('upload-show-response', self.call(
            'GET', '/v1/uploads/' + upload, 200, server=self.stage))
        self.call('DELETE', '/v1/uploads/' + upload, 204, server=self.stage)
        self.call('GET', '/v1/uploads/' + upload, 404, server=self.stage)

    def check_error(self):
        resp = self.call('GET', self.tenant_path(
            'images/%s' % uuid.uuid4()), 404)
        self.assertError(resp, 404)
        self.samples.response('error-response', resp)
