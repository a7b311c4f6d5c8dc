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

import os
import tempfile

import fixtures

from benchmarks import bench_list
from tests import base

_SERVER = ('Thread-6;HTTPConnection.communicate (cheroot/server.py:1319);'
           'Gateway.respond (mcimage/cmd/api.py:85);'
           'URLMap.__call__ (urlmap.py:211);'
           'Pecan.__call__ (pecan/core.py:841)')
_CONTROLLER = ('ImagesController.index_get '
               '(mcimage/api/controllers/v1/images.py:183)')


class TestReadProfile(base.TestCase):
    """py-spy's raw output counted by layer and by library."""

    def _read(self, lines):
        fd, path = tempfile.mkstemp()
        self.addCleanup(os.unlink, path)
        with os.fdopen(fd, 'w') as f:
            f.write('\n'.join(lines) + '\n')
        return bench_list.read_profile(path)

    def test_layers_and_libraries(self):
        by_layer, by_library, by_leaf, total = self._read([
            # The call to the VIM, whoever made it: its JSON decoding too.
            _SERVER + ';' + _CONTROLLER +
            ';Adapter.get (keystoneauth1/adapter.py:563)'
            ';loads (json/__init__.py:346) 7',
            # The controller's own work, in oslo.policy.
            _SERVER + ';' + _CONTROLLER +
            ';Enforcer.enforce (oslo_policy/policy.py:1062) 3',
            # Pecan rendering the answer.
            _SERVER + ';PecanBase.render (pecan/core.py:414)'
            ';JSONEncoder.iterencode (json/encoder.py:258) 2',
            # The server between requests.
            'Thread-1;ConnectionManager._run (cheroot/connections.py:245) 1',
            # A stack py-spy could not unwind.
            'Thread-2 1',
        ])
        self.assertEqual(14, total)
        self.assertEqual(7, by_layer[bench_list.PROFILE_LAYERS[0][0]])
        self.assertEqual(3, by_layer[bench_list.PROFILE_LAYERS[1][0]])
        self.assertEqual(2, by_layer[bench_list.PROFILE_LAYERS[2][0]])
        self.assertEqual(1, by_layer[bench_list.PROFILE_LAYERS[3][0]])
        self.assertEqual(1, by_layer['other'])
        libraries = dict(bench_list.PROFILE_LIBRARIES)
        self.assertIn('JSON encode/decode', libraries)
        self.assertEqual(9, by_library['JSON encode/decode'])
        self.assertEqual(3, by_library['oslo.policy'])
        self.assertEqual(1, by_library['cheroot'])
        self.assertEqual(1, by_library['other'])
        self.assertEqual(7, by_leaf['loads (json/__init__.py:346)'])


class TestProfileNeedsPySpy(base.TestCase):
    """--profile without py-spy is refused before any server starts."""

    def test_refused_with_the_install_command(self):
        self.useFixture(fixtures.MockPatch('shutil.which', return_value=None))
        self.useFixture(fixtures.MockPatch('os.access', return_value=False))
        run_main = self.useFixture(fixtures.MockPatch(
            'benchmarks.common.run_main')).mock
        stderr = self.useFixture(fixtures.StringStream('stderr'))
        self.useFixture(fixtures.MonkeyPatch('sys.stderr', stderr.stream))
        exc = self.assertRaises(SystemExit, bench_list.main,
                                ['--profile', '10'])
        self.assertEqual(2, exc.code)
        self.assertIn('-m pip install py-spy', stderr.getDetails()[
            'stderr'].as_text())
        run_main.assert_not_called()

    def test_found_beside_python(self):
        self.useFixture(fixtures.MockPatch('shutil.which', return_value=None))
        self.useFixture(fixtures.MockPatch('os.access', return_value=True))
        self.assertTrue(bench_list._py_spy().endswith('/py-spy'))
