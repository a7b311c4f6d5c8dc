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

"""Tempest's image tests, straight against Glance and through mcimage.

One Keystone, one Glance behind it (as devstack configures it for
Tempest: two file stores, every import method, the metadata definitions
Glance ships) and one mcimage (auth_strategy = keystone) whose VIM reaches
that Glance as mcimage's own user (auth_mode = service).  The Glance is
in the catalog as ``image``, mcimage's ``/glance/{vim_id}`` as
``image-mcimage``; Tempest runs the same tests against each.  Straight,
nothing may fail; through mcimage, nothing may fail and every test that
passed straight passes too, except those tests/functional/tempest_skips.yaml
lists with a reason (Tempest does not run them there).

glance-tempest-plugin's tests (RBAC of images and metadata definitions,
about five minutes) run the same way; MCIMAGE_TEMPEST_PLUGIN=0 leaves
them out (doc/source/admin/glance-endpoint.rst).
"""

import os
import re
import subprocess
import time
import unittest

import fixtures
import testtools
from testtools import content
from testtools import content_type
import yaml

from tests.functional.fixtures import glance as glance_fixtures
from tests.functional.fixtures import keystone as keystone_fixtures
from tests.functional.fixtures import mcimage as mcimage_fixtures
from tests.functional.fixtures import tempest as tempest_fixtures
from tests.functional.fixtures import web as web_fixtures

SKIPS_FILE = os.path.join(os.path.dirname(os.path.abspath(__file__)),
                          'tempest_skips.yaml')
IMAGE_TESTS = r'^tempest\.api\.image\.v2\.'
PLUGIN_TESTS = r'^glance_tempest_plugin\.'
# Its metadefs RBAC classes list every namespace while the others create
# and delete theirs: run side by side, a listing met a namespace deleted
# under it (Glance's 403 "not visible", straight as well as through
# mcimage). They run one at a time, after the rest.
PLUGIN_SERIAL = r'^glance_tempest_plugin\.tests\.rbac\.v2\.metadefs\.'
# Measured straight against Glance 33 (tempest 47.0.0).
IMAGE_PASSED = 56
PLUGIN_PASSED = 186
MCIMAGE_TYPE = 'image-mcimage'

# Two stores, listed alphabetically: Glance reports an image's stores in
# this order and Tempest's import waiter compares them with the sorted
# ids of /v2/info/stores.  Token validations cached: each costs Keystone
# 150 ms of CPU, and Tempest makes thousands of requests.
GLANCE_CONF = """
[DEFAULT]
enabled_backends = backup:file,local:file
enabled_import_methods = [glance-direct,web-download,copy-image]

[backup]
filesystem_store_datadir = {backup_dir}

[keystone_authtoken]
token_cache_time = 300
"""
# The import tests' URL is the local web server's.
MCIMAGE_CONF = """
[keystone_authtoken]
token_cache_time = 300

[task]
allowed_hosts = 127.0.0.1
allowed_networks = 127.0.0.1/32
allowed_ports = {web_port}
"""
KEYSTONE_CONF = """
[cache]
enabled = true
backend = dogpile.cache.memory
"""


def load_skips(path=SKIPS_FILE):
    """[(regex, reason)] of the skip list; every entry has both."""
    with open(path) as f:
        entries = yaml.safe_load(f) or []
    skips = []
    for entry in entries:
        test, reason = entry.get('test'), entry.get('reason')
        if not test or not reason:
            raise ValueError('%s: an entry without test or reason: %r'
                             % (path, entry))
        re.compile(test)
        skips.append((test, reason))
    return skips


def side_by_side(straight, through, skips):
    """The two runs' totals and every test whose outcome differs."""
    lines = ['%-10s %s' % ('straight', straight.summary()),
             '%-10s %s' % ('mcimage', through.summary()), '']
    outcome = {}
    for name, result in (('straight', straight), ('mcimage', through)):
        for status in ('passed', 'failed', 'skipped'):
            for test_id in getattr(result, status):
                outcome.setdefault(test_id, {})[name] = status
    for test_id, seen in sorted(outcome.items()):
        if seen.get('straight') == seen.get('mcimage'):
            continue
        reason = next((reason for regex, reason in skips
                       if re.search(regex, test_id)), '')
        lines.append('%-8s %-8s %s%s' % (
            seen.get('straight', '-'), seen.get('mcimage', 'excluded'),
            test_id, ' (%s)' % reason if reason else ''))
    return '\n'.join(lines)


class TestTempest(testtools.TestCase):
    """Keystone, Glance, mcimage and a Tempest workspace, once per class."""

    VIM = 'tempest_RegionOne'

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        started = time.monotonic()
        cls._servers = fixtures.Fixture()
        cls._servers.setUp()
        try:
            cls._start(cls._servers)
        except BaseException:
            cls._servers.cleanUp()
            raise
        cls.setup_seconds = time.monotonic() - started

    @classmethod
    def _start(cls, servers):
        tmp = servers.useFixture(fixtures.TempDir()).path
        qcow2 = os.path.join(tmp, 'small.qcow2')
        subprocess.run(['qemu-img', 'create', '-q', '-f', 'qcow2', qcow2,
                        '16M'], check=True, timeout=60)
        with open(qcow2, 'rb') as f:
            web = servers.useFixture(web_fixtures.HTTPSourceFixture(
                {'/small.qcow2': f.read()}))
        cls.keystone = servers.useFixture(keystone_fixtures.KeystoneFixture(
            extra_conf=KEYSTONE_CONF)).server
        backup_dir = os.path.join(tmp, 'backup-store')
        os.makedirs(backup_dir)
        cls.glance = servers.useFixture(glance_fixtures.GlanceFixture(
            keystone=cls.keystone,
            extra_conf=GLANCE_CONF.format(backup_dir=backup_dir))).server
        # Tempest's metadefs tests expect what devstack loads.
        cls.glance.load_metadefs()
        cls.keystone.add_endpoint('image', cls.glance.endpoint)
        # mcimage acts in the VIM as its own user (auth_mode = service),
        # as imports need: a task runs after the caller's request, without
        # its token. Tempest makes a project per test class; an inherited
        # assignment gives mcimage's user its role in each, and a caller's
        # project is the VIM's project of the same name.
        cls.keystone.grant_inherited('mcimage', 'admin')
        vim = {'auth_mode': 'service', 'auth_url': cls.keystone.auth_url,
               'endpoint_override': cls.glance.endpoint,
               'auth_type': 'password', 'username': 'mcimage',
               'password': cls.keystone.users['mcimage'].password,
               'user_domain_id': 'default', 'project_name': 'service',
               'project_domain_id': 'default',
               'project_map_domain_name': 'Default'}
        cls.mcimage = servers.useFixture(mcimage_fixtures.MCImageFixture(
            {cls.VIM: vim}, extra_conf=MCIMAGE_CONF.format(
                web_port=web.port),
            keystone=cls.keystone)).server
        cls.keystone.add_endpoint(
            MCIMAGE_TYPE, cls.mcimage.url('/glance/' + cls.VIM),
            name='mcimage-glance')
        cls.tempest = servers.useFixture(tempest_fixtures.TempestFixture(
            cls.keystone, web.url('/small.qcow2')))

    @classmethod
    def tearDownClass(cls):
        cls._servers.cleanUp()
        super().tearDownClass()

    def setUp(self):
        super().setUp()
        self.useFixture(fixtures.Timeout(2400, gentle=True))
        self.addDetail('set-up', content.text_content(
            'Keystone, Glance, mcimage and Tempest set up in %.1f s'
            % self.setup_seconds))
        self.addDetail('mcimage-log', content.Content(
            content_type.UTF8_TEXT,
            lambda: [self.mcimage.log_tail(20000).encode()]))

    def straight_and_through(self, regex, expected_passed, serial=None):
        skips = load_skips()
        straight = self.tempest.run(regex, catalog_type='image',
                                    serial=serial)
        self.addDetail('tempest-straight', content.text_content(
            straight.report()))
        through = self.tempest.run(
            regex, catalog_type=MCIMAGE_TYPE,
            exclude=[test for test, _ in skips], serial=serial)
        self.addDetail('tempest-mcimage', content.text_content(
            through.report()))
        comparison = side_by_side(straight, through, skips)
        self.addDetail('tempest-comparison', content.text_content(
            comparison))
        # Also on the console of a passing run: the CI log keeps them.
        print('\nTempest %s\n%s' % (regex, comparison))

        self.assertEqual([], straight.failed, straight.report())
        self.assertGreaterEqual(len(straight.passed), expected_passed,
                                straight.summary())
        self.assertEqual([], through.failed, through.report())
        skipped = {t for t in straight.passed
                   if any(re.search(regex, t) for regex, _ in skips)}
        self.assertEqual(sorted(set(straight.passed) - skipped),
                         sorted(set(through.passed) - skipped),
                         comparison)
        return straight, through

    def test_image_api_v2(self):
        self.straight_and_through(IMAGE_TESTS, IMAGE_PASSED)

    @unittest.skipIf(os.environ.get('MCIMAGE_TEMPEST_PLUGIN') == '0',
                     'MCIMAGE_TEMPEST_PLUGIN=0 leaves glance-tempest-plugin '
                     'out')
    def test_glance_tempest_plugin(self):
        self.straight_and_through(PLUGIN_TESTS, PLUGIN_PASSED,
                                  serial=PLUGIN_SERIAL)
