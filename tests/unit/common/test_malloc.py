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

from unittest import mock

import fixtures

from mcimage.common import malloc
from tests import base


class _FakeGlibc(base.TestCase):
    """A fake glibc as the process's C library."""

    def setUp(self):
        super().setUp()
        self.libc = mock.Mock()
        self.useFixture(fixtures.MockPatch(
            'ctypes.CDLL', return_value=self.libc))
        self.useFixture(fixtures.MockPatch(
            'platform.libc_ver', return_value=('glibc', '2.36')))


class TestTuneForStreaming(_FakeGlibc):

    def setUp(self):
        super().setUp()
        for name in malloc._OPERATOR_SETTINGS:
            self.useFixture(fixtures.EnvironmentVariable(name))
        self.libc.mallopt.return_value = 1

    def test_both_thresholds_set(self):
        self.assertTrue(malloc.tune_for_streaming())
        self.assertEqual(
            [mock.call(-3, 2 * 1024 * 1024), mock.call(-1, 8 * 1024 * 1024)],
            self.libc.mallopt.call_args_list)

    def test_the_operators_settings_stand(self):
        for name in malloc._OPERATOR_SETTINGS:
            self.useFixture(fixtures.EnvironmentVariable(name, '1'))
            self.assertFalse(malloc.tune_for_streaming())
            self.useFixture(fixtures.EnvironmentVariable(name))
        self.libc.mallopt.assert_not_called()

    def test_not_glibc(self):
        self.useFixture(fixtures.MockPatch(
            'platform.libc_ver', return_value=('', '')))
        self.assertFalse(malloc.tune_for_streaming())
        self.libc.mallopt.assert_not_called()

    def test_refused(self):
        self.libc.mallopt.return_value = 0
        self.assertFalse(malloc.tune_for_streaming())

    def test_the_real_glibc_takes_them(self):
        self.useFixture(fixtures.MockPatch('ctypes.CDLL', new=_real_cdll))
        self.useFixture(fixtures.MockPatch(
            'platform.libc_ver', new=_real_libc_ver))
        if _real_libc_ver()[0] != 'glibc':
            self.skipTest('not glibc')
        self.assertTrue(malloc.tune_for_streaming())


class TestReleaseFreeMemory(_FakeGlibc):

    def test_trims_every_arena(self):
        self.assertTrue(malloc.release_free_memory())
        self.libc.malloc_trim.assert_called_once_with(0)

    def test_not_glibc(self):
        self.useFixture(fixtures.MockPatch(
            'platform.libc_ver', return_value=('', '')))
        self.assertFalse(malloc.release_free_memory())
        self.libc.malloc_trim.assert_not_called()

    def test_the_real_glibc_gives_pages_back(self):
        self.useFixture(fixtures.MockPatch('ctypes.CDLL', new=_real_cdll))
        self.useFixture(fixtures.MockPatch(
            'platform.libc_ver', new=_real_libc_ver))
        if _real_libc_ver()[0] != 'glibc':
            self.skipTest('not glibc')
        self.assertTrue(malloc.release_free_memory())


_real_cdll = malloc.ctypes.CDLL
_real_libc_ver = malloc.platform.libc_ver
