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

"""The data path when the VIM, a rival upload or mcimage itself misbehaves.

mcimage-api reaches its real Glance through a TCP relay of the test's own
(``Relay``), which on demand holds a data PUT back, holds Glance's answer
to an image create, or stops reading a data PUT after some bytes (a VIM
that stops reading).
"""

import concurrent.futures
import hashlib
import os
import re
import socket
import sqlite3
import threading
import time

import fixtures
import requests

from tests.functional import base
from tests.functional.fixtures import glance as glance_fixtures
from tests.functional.fixtures import mcimage as mcimage_fixtures
from tests.functional import test_onap_upload

MIB = 1024 * 1024
# The longest anything is held back, should a test forget to release it.
HOLD_LIMIT = 180
_REQUEST_LINE = re.compile(rb'([A-Z]+) (\S+) HTTP/1\.[01]\r\n')
MARKER = 'mcimage_upload_id'


class _Connection(object):
    """One client connection and its connection to Glance."""

    def __init__(self, client, upstream):
        self.client = client
        self.upstream = upstream
        # An Event: the next answer from Glance waits for it.
        self.hold_answer = None
        # Change a byte of the data PUT under way.
        self.corrupt = False
        self._closed = False

    def close(self):
        if self._closed:
            return
        self._closed = True
        for sock in (self.client, self.upstream):
            try:
                sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            sock.close()


class Relay(fixtures.Fixture):
    """A TCP relay on 127.0.0.1 in front of ``target_port``.

    It passes everything through, unless told otherwise for the requests
    that start from then on:

    * ``stall_uploads(after)``: a data PUT (``PUT /v2/images/{id}/file``)
      has ``after`` bytes forwarded, then the relay stops reading it, as a
      VIM that stops reading; ``stalled`` is set.
    * ``hold_uploads()``: a data PUT waits before its first byte reaches
      Glance; ``held`` is set.
    * ``hold_creates()``: Glance's answer to ``POST /v2/images`` waits
      (the image exists, its creator does not know it yet); ``held`` is
      set.
    * ``corrupt_uploads()``: one byte of the data of a data PUT is
      changed on its way (Glance records other data than was sent).

    ``release()`` lets everything held go, closes the stalled connections
    (Glance then sees a body broken off) and passes everything through
    again. Every socket and thread ends at cleanup.
    """

    def __init__(self, target_port):
        super().__init__()
        self._target = ('127.0.0.1', target_port)

    def _setUp(self):
        self._lock = threading.Lock()
        self._connections = set()
        self._stalled = []
        self._gate = threading.Event()
        self.held = threading.Event()
        self.stalled = threading.Event()
        self._stall_after = None
        self._hold_uploads = False
        self._hold_creates = False
        self._corrupt = False
        self._listener = socket.socket()
        self._listener.bind(('127.0.0.1', 0))
        self._listener.listen(64)
        self.port = self._listener.getsockname()[1]
        self.endpoint = 'http://127.0.0.1:%d' % self.port
        self.addCleanup(self._close)
        threading.Thread(target=self._accept, daemon=True,
                         name='relay-accept').start()

    def stall_uploads(self, after):
        self._stall_after = after

    def hold_uploads(self):
        self._hold_uploads = True

    def hold_creates(self):
        self._hold_creates = True

    def corrupt_uploads(self):
        self._corrupt = True

    def release(self):
        with self._lock:
            self._stall_after = None
            self._hold_uploads = self._hold_creates = self._corrupt = False
            gate, self._gate = self._gate, threading.Event()
            stalled, self._stalled = self._stalled, []
            self.held = threading.Event()
            self.stalled = threading.Event()
        gate.set()
        for connection in stalled:
            connection.close()

    def _close(self):
        self.release()
        self._listener.close()
        with self._lock:
            connections = list(self._connections)
        for connection in connections:
            connection.close()

    def _accept(self):
        while True:
            try:
                client, _address = self._listener.accept()
            except OSError:
                return
            try:
                upstream = socket.create_connection(self._target, timeout=10)
                upstream.settimeout(None)
            except OSError:
                client.close()
                continue
            connection = _Connection(client, upstream)
            with self._lock:
                self._connections.add(connection)
            for pump in (self._to_glance, self._to_client):
                threading.Thread(target=pump, args=(connection,),
                                 daemon=True, name='relay-pump').start()

    def _to_glance(self, connection):
        budget = None
        try:
            while True:
                data = connection.client.recv(65536)
                if not data:
                    return
                request = _REQUEST_LINE.match(data)
                if request:
                    budget = self._on_request(connection, *request.groups())
                elif connection.corrupt:
                    data = self._corrupted(connection, data)
                if budget is not None:
                    if len(data) >= budget:
                        connection.upstream.sendall(data[:budget])
                        with self._lock:
                            self._stalled.append(connection)
                            stalled, gate = self.stalled, self._gate
                        stalled.set()
                        # Reads nothing more; release() closes it.
                        gate.wait(HOLD_LIMIT)
                        return
                    budget -= len(data)
                connection.upstream.sendall(data)
        except OSError:
            pass
        finally:
            connection.close()

    def _on_request(self, connection, method, path):
        """The stall budget of this request (None: no stall)."""
        with self._lock:
            gate, held = self._gate, self.held
            upload = method == b'PUT' and path.endswith(b'/file')
            if upload and self._hold_uploads:
                wait = True
            else:
                wait = False
                if (method == b'POST' and path == b'/v2/images'
                        and self._hold_creates):
                    connection.hold_answer = gate
            budget = self._stall_after if upload else None
            connection.corrupt = upload and self._corrupt
        if wait:
            held.set()
            gate.wait(HOLD_LIMIT)
        return budget

    @staticmethod
    def _corrupted(connection, data):
        """``data`` with one byte of image data changed (not framing)."""
        for index in range(len(data) // 2, len(data) - 16):
            if b'\r\n' not in data[index - 16:index + 16]:
                connection.corrupt = False
                return (data[:index] + bytes([data[index] ^ 0xff])
                        + data[index + 1:])
        return data

    def _to_client(self, connection):
        try:
            while True:
                data = connection.upstream.recv(65536)
                if not data:
                    return
                gate = connection.hold_answer
                if gate is not None:
                    connection.hold_answer = None
                    with self._lock:
                        held = self.held
                    held.set()
                    gate.wait(HOLD_LIMIT)
                connection.client.sendall(data)
        except OSError:
            pass
        finally:
            connection.close()


class RelayedTestCase(base.FunctionalTestCase):
    """One Glance, reached by mcimage-api through ``relay`` only."""

    @classmethod
    def setUpClass(cls):
        # base.FunctionalTestCase's servers, with the relay in between.
        super(base.FunctionalTestCase, cls).setUpClass()
        cls._servers = fixtures.Fixture()
        cls._servers.setUp()
        try:
            cls.glance = cls._servers.useFixture(
                glance_fixtures.GlanceFixture(
                    server=cls.GLANCE_SERVER)).server
            cls.glances = {cls.VIM: cls.glance}
            cls.relay = cls._servers.useFixture(Relay(cls.glance.port))
            cls.mcimage = cls._servers.useFixture(
                mcimage_fixtures.MCImageFixture(
                    {cls.VIM: cls.relay.endpoint},
                    extra_conf=cls.EXTRA_CONF)).server
        except BaseException:
            cls._servers.cleanUp()
            raise

    def setUp(self):
        super().setUp()
        self.addCleanup(self.relay.release)
        self._pool = concurrent.futures.ThreadPoolExecutor(4)
        self.addCleanup(self._pool.shutdown, wait=False)

    def background(self, call, *args, **kwargs):
        return self._pool.submit(call, *args, **kwargs)

    def create(self):
        resp = requests.post(self.images_url(), timeout=30,
                             json={'name': 'integrity', 'disk_format': 'raw',
                                   'container_format': 'bare'},
                             headers=self.headers())
        self.assertEqual(201, resp.status_code, resp.text)
        return resp.json()['id']

    def put(self, image_id, data):
        return requests.put(
            self.images_url() + '/%s/file' % image_id, data=data,
            headers=self.headers(**{
                'Content-Type': 'application/octet-stream'}), timeout=150)

    def wait_status(self, image_id, status, timeout=30):
        deadline = time.monotonic() + timeout
        while True:
            image = self.glance.get_image(image_id, self.tenant)
            if image and image['status'] == status:
                return image
            if time.monotonic() > deadline:
                self.fail('image %s is %s, not %s' % (
                    image_id, image and image['status'], status))
            time.sleep(0.1)

    def wait_no_image(self, timeout=30):
        deadline = time.monotonic() + timeout
        while self.glance_images():
            if time.monotonic() > deadline:
                self.fail('images left in Glance: %s' % [
                    (i['id'], i['status']) for i in self.glance_images()])
            time.sleep(0.2)

    def upload_rows(self):
        path = os.path.join(self.mcimage.workdir, 'mcimage.sqlite')
        with sqlite3.connect(path) as db:
            return db.execute('SELECT id, image_id FROM uploads').fetchall()

    def wait_no_upload_row(self, timeout=30):
        deadline = time.monotonic() + timeout
        while self.upload_rows():
            if time.monotonic() > deadline:
                self.fail('uploads rows left: %s' % self.upload_rows())
            time.sleep(0.2)

    def assertHolds(self, image_id, data):
        recorded = self.wait_status(image_id, 'active')
        self.assertEqual(hashlib.md5(data).hexdigest(), recorded['checksum'])
        got = requests.get(self.images_url() + '/%s/file' % image_id,
                           headers=self.headers(), timeout=60)
        self.assertEqual(200, got.status_code)
        self.assertEqual(hashlib.sha512(data).hexdigest(),
                         hashlib.sha512(got.content).hexdigest())


class TestRecordedWrongly(RelayedTestCase):
    """Glance records other data than mcimage sent: never left usable."""

    def test_put_502_the_users_record_deactivated(self):
        image_id = self.create()
        self.relay.corrupt_uploads()
        resp = self.put(image_id, os.urandom(2 * MIB))
        error = self.assertError(resp, 502, 'The image was deactivated')
        self.assertIn('did not record the data sent into image %s'
                      % image_id, error['detail'])
        self.assertEqual('deactivated',
                         self.glance.get_image(image_id,
                                               self.tenant)['status'])
        got = requests.get(self.images_url() + '/%s/file' % image_id,
                           headers=self.headers(), timeout=30)
        self.assertError(got, 403)
        self.wait_no_upload_row()

    def test_upload_502_the_image_deleted(self):
        self.relay.corrupt_uploads()
        body, ctype = test_onap_upload.multipart_body(
            [('imageType', 'raw')], 'wrong.img', os.urandom(2 * MIB))
        resp = requests.post(self.images_url() + '/file', data=body,
                             headers=self.headers(**{'Content-Type': ctype}),
                             timeout=60)
        error = self.assertError(resp, 502, 'The image was deleted.')
        self.assertIn('checksum', error['detail'])
        self.wait_no_image()
        self.wait_no_upload_row()


class TestConcurrentPuts(RelayedTestCase):
    """Two PUTs into one queued image: the loser deletes nothing."""

    def test_loser_through_mcimage_winner_straight_into_glance(self):
        image_id = self.create()
        winner_data = os.urandom(4 * MIB)
        loser_data = os.urandom(MIB)
        # mcimage has found the image queued and is sending its PUT...
        self.relay.hold_uploads()
        loser = self.background(self.put, image_id, loser_data)
        self.assertTrue(self.relay.held.wait(30))
        # ... when another client starts its own upload into Glance.
        go_on = threading.Event()

        def winner_body():
            yield winner_data[:MIB]
            go_on.wait(120)
            yield winner_data[MIB:]

        winner = self.background(
            requests.put, self.glance.endpoint + '/v2/images/%s/file'
            % image_id, data=winner_body(), timeout=150,
            headers=self.glance_headers(
                **{'Content-Type': 'application/octet-stream'}))
        self.addCleanup(go_on.set)
        self.wait_status(image_id, 'saving')
        self.relay.release()
        resp = loser.result(timeout=150)
        self.assertError(resp, 409, 'saving')
        # The winner's upload goes on to its end, untouched.
        go_on.set()
        self.assertEqual(204, winner.result(timeout=120).status_code)
        self.assertHolds(image_id, winner_data)
        self.wait_no_upload_row()

    def test_two_through_mcimage_second_409(self):
        image_id = self.create()
        first_data = os.urandom(2 * MIB)
        self.relay.hold_uploads()
        first = self.background(self.put, image_id, first_data)
        self.assertTrue(self.relay.held.wait(30))
        # Both found it queued; the second one sends nothing.
        resp = self.put(image_id, os.urandom(MIB))
        self.assertError(resp, 409, 'receiving data from another upload')
        self.relay.release()
        self.assertEqual(204, first.result(timeout=120).status_code)
        self.assertHolds(image_id, first_data)
        self.wait_no_upload_row()


class TestVimStopsReading(RelayedTestCase):
    """The default [vim:*] timeout, and a cancel seen while pushing."""

    def test_upload_answered_not_hung_nothing_left(self):
        self.relay.stall_uploads(after=256 * 1024)
        data = os.urandom(24 * MIB)
        body, ctype = test_onap_upload.multipart_body(
            [('imageType', 'raw')], 'stalled.img', data)
        started = time.monotonic()
        resp = requests.post(self.images_url() + '/file', data=body,
                             headers=self.headers(**{'Content-Type': ctype}),
                             timeout=150)
        elapsed = time.monotonic() - started
        self.assertTrue(self.relay.stalled.is_set())
        self.assertIn(resp.status_code, (502, 503), resp.text)
        self.assertError(resp, resp.status_code, self.VIM)
        # The default timeout (60 s) plus the clean-up, not a hang.
        self.assertLess(elapsed, 100)
        self.assertRegex(self.mcimage.log_tail(10 ** 6),
                         r'vim:local_RegionOne\.timeout\s+= 60\b')
        # mcimage deleted the image while Glance still waited for data.
        self.wait_no_image()
        self.relay.release()
        self.wait_no_image()
        self.wait_no_upload_row()

    def test_cancelled_task_ends_at_once_its_image_deleted(self):
        source_data = os.urandom(16 * MIB)
        source_id = self.create()
        self.assertEqual(204, self.put(source_id, source_data).status_code)
        self.relay.stall_uploads(after=256 * 1024)
        resp = requests.post(
            self.mcimage.url('/v1/tasks'), headers=self.headers(),
            timeout=30, json={'type': 'import', 'input': {
                'import_from': 'vim:%s/%s/%s' % (self.VIM, self.tenant,
                                                 source_id),
                'targets': [{'vim_id': self.VIM,
                             'tenant_id': self.tenant}],
                'force': True}})
        self.assertEqual(201, resp.status_code, resp.text)
        task_url = self.mcimage.url('/v1/tasks/' + resp.json()['id'])
        self.assertTrue(self.relay.stalled.wait(60))
        resp = requests.delete(task_url, headers=self.headers(), timeout=30)
        self.assertEqual(202, resp.status_code, resp.text)
        cancelled = time.monotonic()
        while True:
            task = requests.get(task_url, headers=self.headers(),
                                timeout=30).json()
            if task['status'] not in ('pending', 'processing'):
                break
            if time.monotonic() - cancelled > 15:
                self.fail('task still %s 15 s after its cancel (the VIM '
                          'timeout is 60 s)' % task['status'])
            time.sleep(0.2)
        self.assertLess(time.monotonic() - cancelled, 10)
        self.assertEqual('failure', task['status'])
        self.assertIn('Cancelled', task['message'])
        # Only the source is left; the target's image is gone already,
        # though the stalled upload into it has not ended yet.
        deadline = time.monotonic() + 10
        while [i['id'] for i in self.glance_images()] != [source_id]:
            if time.monotonic() > deadline:
                self.fail('images left: %s' % [
                    (i['id'], i['status']) for i in self.glance_images()])
            time.sleep(0.2)
        self.relay.release()
        self.wait_no_upload_row()


class TestCrashAfterCreate(RelayedTestCase):
    """mcimage-api killed after the VIM made the image, before it knew."""

    EXTRA_CONF = '[upload]\ncleanup_interval = 1\n'

    def test_recovery_finds_the_image_by_its_marker(self):
        self.relay.hold_creates()
        body, ctype = test_onap_upload.multipart_body(
            [('imageType', 'raw')], 'crash.img', os.urandom(MIB))
        client = self.background(
            requests.post, self.images_url() + '/file', data=body,
            headers=self.headers(**{'Content-Type': ctype}), timeout=60)
        self.assertTrue(self.relay.held.wait(30))
        [image] = self.glance_images()
        self.assertEqual('queued', image['status'])
        self.mcimage.kill()
        self.relay.release()
        self.assertRaises(requests.ConnectionError, client.result, 60)
        # The row written before the image was asked for is all there is.
        [(_row_id, image_id)] = self.upload_rows()
        self.assertIsNone(image_id)
        self.assertIn(MARKER, image)
        self.mcimage.start()
        self.wait_no_image()
        self.wait_no_upload_row()
        self.assertIn('interrupted by a stop of mcimage',
                      self.mcimage.log_tail(200000))
