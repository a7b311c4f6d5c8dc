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

"""Glance's own clients against mcimage's Glance endpoint, unchanged.

python-glanceclient, openstacksdk and ``openstack image`` are given
``{mcimage}/glance/{vim_id}`` as their image endpoint, with mcimage in
front of a real Glance (noauth, auth_mode = trusted). What they upload is
read back byte for byte, and what is left in Glance is read from Glance.
"""

import hashlib
import json
import os
import subprocess
import sys
import time

import fixtures
from glanceclient import Client as GlanceClient
from glanceclient import exc as glance_exc
from keystoneauth1 import noauth
from keystoneauth1 import session as ks_session
import openstack
import requests

from tests.functional import base
from tests.functional import test_image_safety

OPENSTACK = os.path.join(os.path.dirname(sys.executable), 'openstack')
MIB = 1024 * 1024


class TestGlanceClients(base.FunctionalTestCase):

    # The VIM copies onward go to (os_mcimage_targets).
    EXTRA_VIMS = ('local_RegionTwo',)

    def setUp(self):
        super().setUp()
        self.dir = self.useFixture(fixtures.TempDir()).path
        self.expect_no_mcimage_errors()
        self.endpoint = self.mcimage.url('/glance/%s' % self.VIM)

    def session(self):
        """A keystoneauth session to the endpoint as this test's tenant."""
        return ks_session.Session(
            auth=noauth.NoAuth(endpoint=self.endpoint),
            additional_headers=self.headers())

    def glanceclient(self):
        return GlanceClient('2', session=self.session())

    def payload(self, size=3 * MIB + 17):
        path = os.path.join(self.dir, 'payload.raw')
        data = os.urandom(size)
        with open(path, 'wb') as f:
            f.write(data)
        return path, data

    def test_glanceclient_round_trip(self):
        client = self.glanceclient()
        path, data = self.payload()
        image = client.images.create(name='gc', disk_format='raw',
                                     container_format='bare',
                                     hw_disk_bus='scsi')
        self.assertEqual(self.tenant, image['owner'])
        with open(path, 'rb') as f:
            client.images.upload(image['id'], f)
        shown = client.images.get(image['id'])
        self.assertEqual('active', shown['status'])
        self.assertEqual(hashlib.md5(data).hexdigest(), shown['checksum'])
        self.assertEqual(hashlib.sha512(data).hexdigest(),
                         shown['os_hash_value'])
        # glanceclient checks the md5 and the sha512 as it reads.
        self.assertEqual(data, b''.join(client.images.data(image['id'])))
        client.images.update(image['id'], name='renamed', min_ram=64)
        client.image_tags.update(image['id'], 't1')
        shown = client.images.get(image['id'])
        self.assertEqual(('renamed', 64, ['t1'], 'scsi'), (
            shown['name'], shown['min_ram'], shown['tags'],
            shown['hw_disk_bus']))
        listed = [i['id'] for i in client.images.list(
            filters={'name': 'renamed'})]
        self.assertEqual([image['id']], listed)
        # Paging follows Glance's own next links through mcimage.
        for i in range(3):
            client.images.create(name='page-%d' % i, disk_format='raw',
                                 container_format='bare')
        self.assertEqual(4, len(list(client.images.list(page_size=1))))
        client.images.delete(image['id'])
        self.assertRaises(glance_exc.HTTPNotFound, client.images.get,
                          image['id'])
        self.assertEqual(['page-0', 'page-1', 'page-2'], sorted(
            i['name'] for i in self.glance_images()))

    def test_copies_onward_through_glanceclient(self):
        """os_mcimage_targets: the upload answered by a copy task."""
        client = self.glanceclient()
        path, data = self.payload()
        image = client.images.create(
            name='onward', disk_format='raw', container_format='bare',
            os_distro='cirros', os_mcimage_targets='local_RegionTwo')
        with open(path, 'rb') as f:
            client.images.upload(image['id'], f)
        task_id = client.images.get(image['id'])['os_mcimage_task_id']
        deadline = time.monotonic() + 120
        while True:
            task = requests.get(self.mcimage.url('/v1/tasks/' + task_id),
                                headers=self.headers(), timeout=30).json()
            if task['status'] in ('success', 'failure'):
                break
            self.assertLess(time.monotonic(), deadline, task)
            time.sleep(0.5)
        self.assertEqual('success', task['status'], task['message'])
        [target] = task['result']['targets']
        copy = self.glances['local_RegionTwo'].get_image(
            target['image_id'], self.tenant)
        self.assertEqual(('onward', 'cirros', 'active'), (
            copy['name'], copy['os_distro'], copy['status']))
        self.assertNotIn('os_mcimage_targets', copy)
        self.assertEqual(hashlib.sha512(data).hexdigest(),
                         copy['os_hash_value'])
        # The copy, read back through its own VIM's endpoint.
        other = GlanceClient('2', session=ks_session.Session(
            auth=noauth.NoAuth(endpoint=self.mcimage.url(
                '/glance/local_RegionTwo')),
            additional_headers=self.headers()))
        self.assertEqual(data, b''.join(other.images.data(copy['id'])))

    def test_glanceclient_members(self):
        client = self.glanceclient()
        image = client.images.create(name='shared', disk_format='raw',
                                     container_format='bare',
                                     visibility='shared')
        client.image_members.create(image['id'], 'p-other')
        members = list(client.image_members.list(image['id']))
        self.assertEqual([('p-other', 'pending')],
                         [(m['member_id'], m['status']) for m in members])

    def test_openstacksdk_round_trip(self):
        conn = openstack.connection.Connection(
            session=self.session(), image_endpoint_override=self.endpoint)
        path, data = self.payload()
        image = conn.image.create_image(
            name='sdk', filename=path, disk_format='raw',
            container_format='bare', validate_checksum=True, wait=True)
        self.assertEqual('active', image.status)
        self.assertEqual(hashlib.md5(data).hexdigest(), image.checksum)
        saved = os.path.join(self.dir, 'saved')
        conn.image.download_image(image, output=saved)
        with open(saved, 'rb') as f:
            self.assertEqual(data, f.read())
        conn.image.delete_image(image)
        self.assertEqual([], self.glance_images())

    def cli(self, *args):
        """``openstack`` as a user runs it, noauth (project admin).

        The image endpoint comes from OS_IMAGE_ENDPOINT_OVERRIDE, as the
        user guide says; --os-endpoint (noauth's) is mcimage's root,
        which is no Glance endpoint.
        """
        command = [OPENSTACK, '--os-auth-type', 'none', '--os-endpoint',
                   self.mcimage.endpoint] + list(args)
        env = dict(os.environ, OS_IMAGE_ENDPOINT_OVERRIDE=self.endpoint)
        done = subprocess.run(command, capture_output=True, text=True,
                              timeout=120, env=env)
        self.assertEqual(0, done.returncode, '%s\n%s' % (
            ' '.join(args), done.stderr[-2000:]))
        return done.stdout

    def test_openstack_image_commands(self):
        path, data = self.payload()
        name = 'cli-%s' % self.tenant
        image = json.loads(self.cli(
            'image', 'create', '--file', path, '--disk-format', 'raw',
            '--container-format', 'bare', '-f', 'json', name))
        self.assertEqual('active', image['status'])
        self.assertEqual('admin', image['owner'])
        saved = os.path.join(self.dir, 'saved')
        self.cli('image', 'save', '--file', saved, image['id'])
        with open(saved, 'rb') as f:
            self.assertEqual(data, f.read())
        self.cli('image', 'set', '--property', 'os_distro=cirros',
                 image['id'])
        listed = json.loads(self.cli('image', 'list', '--name', name,
                                     '--long', '-f', 'json'))
        self.assertEqual([image['id']], [i['ID'] for i in listed])
        # By name: the CLI asks for it as an id first (a 404), then lists.
        shown = json.loads(self.cli('image', 'show', '-f', 'json', name))
        self.assertEqual(image['id'], shown['id'])
        self.assertEqual('cirros', shown['properties']['os_distro'])
        self.cli('image', 'delete', image['id'])
        self.assertEqual([], [i for i in self.glance_images('admin')
                              if i['name'] == name])


class TestGlanceEndpointChecks(base.FunctionalTestCase):
    """mcimage's checks, met through a plain Glance client."""

    def setUp(self):
        super().setUp()
        self.dir = self.useFixture(fixtures.TempDir()).path
        self.expect_no_mcimage_errors()
        self.images = self.mcimage.url('/glance/%s/v2/images' % self.VIM)

    def create(self, disk_format):
        resp = requests.post(self.images, json={
            'name': 'checked', 'disk_format': disk_format,
            'container_format': 'bare'}, headers=self.headers(), timeout=60)
        self.assertEqual(201, resp.status_code, resp.text)
        return resp.json()

    def put(self, image, data, **headers):
        headers['Content-Type'] = 'application/octet-stream'
        headers['Accept'] = 'application/json'
        return requests.put(self.images + '/%s/file' % image['id'],
                            data=data, headers=self.headers(**headers),
                            timeout=120)

    def assertRefused(self, resp, image, why):
        """A Glance-shaped 400; the image has no data, in Glance too."""
        self.assertEqual(400, resp.status_code, resp.text)
        body = resp.json()
        self.assertEqual({'message', 'code', 'title'}, set(body))
        self.assertIn(why, body['message'])
        left = self.glance.get_image(image['id'], self.tenant)
        self.assertEqual('queued', left['status'])
        self.assertIsNone(left['checksum'])

    def test_unsafe_and_mismatched_images_refused(self):
        qemu_img = test_image_safety.qemu_img
        base_file = os.path.join(self.dir, 'base.qcow2')
        backed = os.path.join(self.dir, 'backed.qcow2')
        qemu_img('create', '-f', 'qcow2', base_file, '64M')
        qemu_img('create', '-f', 'qcow2', '-b', base_file, '-F', 'qcow2',
                 backed)
        for path, disk_format, why in (
                (base_file, 'raw', 'not the disk_format raw'),
                (backed, 'qcow2', 'backing_file')):
            image = self.create(disk_format)
            with open(path, 'rb') as f:
                resp = self.put(image, f.read())
            self.assertRefused(resp, image, why)

    def test_wrong_declared_checksum_refused(self):
        image = self.create('raw')
        data = os.urandom(MIB)
        resp = self.put(image, data,
                        **{'Content-MD5': hashlib.md5(b'other').hexdigest()})
        self.assertRefused(resp, image, "does not match 'checksum'")
