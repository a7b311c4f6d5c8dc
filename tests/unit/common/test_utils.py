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
import subprocess
import sys

from mcimage.common import utils
from tests import base


class TestIsTrace(base.TestCase):

    def test_rows_of_live_processes_are_not_traces(self):
        child = subprocess.Popen([sys.executable, '-c',
                                  'import time; time.sleep(30)'])
        self.addCleanup(child.wait)
        self.addCleanup(child.kill)
        self.assertFalse(utils.is_trace({'pid': child.pid}))
        child.kill()
        child.wait()
        self.assertTrue(utils.is_trace({'pid': child.pid}))

    def test_own_pid_and_no_pid_are_traces(self):
        # At start-up nothing of ours is in flight: our pid is a reused one.
        self.assertTrue(utils.is_trace({'pid': os.getpid()}))
        self.assertTrue(utils.is_trace({'pid': None}))
        self.assertTrue(utils.is_trace({}))


class TestAtMost(base.TestCase):

    def test_longer_pieces_are_cut_shorter_pass_as_they_are(self):
        short = bytes(b'0123')
        out = list(utils.at_most([b'abcdefghij', b'x' * 10, b'', short], 4))
        self.assertEqual([b'abcd', b'efgh', b'ij', b'xxxx', b'xxxx', b'xx',
                          b'', b'0123'], [bytes(p) for p in out])
        # The short ones are the very objects given, the cut ones views.
        self.assertIs(short, out[-1])
        self.assertIsInstance(out[0], memoryview)


class TestExactPieces(base.TestCase):

    def _cut(self, pieces, size):
        return [bytes(p) for p in utils.exact_pieces(pieces, size)]

    def test_every_piece_the_size_but_the_last(self):
        pieces = [b'abcdefghij', b'', b'k', b'lmnopq', b'rstuvwxyz0123']
        out = self._cut(pieces, 4)
        self.assertEqual(b''.join(pieces), b''.join(out))
        self.assertEqual([4] * 7 + [2], [len(p) for p in out])

    def test_aligned_pieces_are_views_not_copies(self):
        piece = b'x' * 8
        out = list(utils.exact_pieces([piece, piece], 4))
        self.assertEqual(4, len(out))
        for view in out:
            self.assertIsInstance(view, memoryview)
            self.assertIs(piece, view.obj)

    def test_many_small_pieces_are_joined(self):
        out = self._cut([b'a'] * 10, 4)
        self.assertEqual([b'aaaa', b'aaaa', b'aa'], out)

    def test_nothing_and_exact_fit(self):
        self.assertEqual([], self._cut([], 4))
        self.assertEqual([], self._cut([b'', b''], 4))
        self.assertEqual([b'abcd'], self._cut([b'ab', b'cd'], 4))
