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

"""mcimage.images.fanout: one source read once into several targets."""

import threading
import time

from mcimage.common import exception
from mcimage.images import fanout
from tests import base

PIECES = [b'a' * 10, b'b' * 20, b'c' * 30]


class Source(object):

    def __init__(self, pieces, error=None):
        self._pieces = list(pieces)
        self._error = error
        self.reads = 0

    def read(self, size=None):
        self.reads += 1
        if self._pieces:
            return self._pieces.pop(0)
        if self._error is not None:
            raise self._error
        return b''


def drain(reader):
    out = []
    while True:
        piece = reader.read()
        if not piece:
            return b''.join(out)
        out.append(piece)


def failing(reader):
    reader.read()
    reader.drop()
    raise exception.BackendUnavailable(vim_id='down')


class TestRun(base.TestCase):

    def test_one_target_reads_in_the_calling_thread(self):
        threads = []

        def push(reader):
            threads.append(threading.current_thread())
            return drain(reader)

        source = Source(PIECES)
        [future], error = fanout.run(source, [push])
        self.assertIsNone(error)
        self.assertEqual(b''.join(PIECES), future.result())
        self.assertEqual([threading.current_thread()], threads)

    def test_every_target_gets_every_byte_source_read_once(self):
        source = Source(PIECES)
        done, error = fanout.run(source, [drain, drain, drain])
        self.assertIsNone(error)
        self.assertEqual([b''.join(PIECES)] * 3, [f.result() for f in done])
        self.assertEqual(len(PIECES) + 1, source.reads)

    def test_all_or_nothing_stops_the_others(self):
        done, error = fanout.run(Source(PIECES * 100), [drain, failing])
        self.assertIsNone(error)
        self.assertIsInstance(done[0].exception(), fanout.Aborted)
        self.assertIsInstance(done[1].exception(),
                              exception.BackendUnavailable)

    def test_best_effort_goes_on_without_the_failed_one(self):
        done, error = fanout.run(Source(PIECES), [drain, failing],
                                 all_or_nothing=False)
        self.assertIsNone(error)
        self.assertEqual(b''.join(PIECES), done[0].result())
        self.assertIsInstance(done[1].exception(),
                              exception.BackendUnavailable)

    def test_source_error_is_every_targets(self):
        bad = exception.RequestTooLarge(reason='too big')
        for pushes in ([drain], [drain, drain]):
            done, error = fanout.run(Source(PIECES, error=bad), pushes)
            self.assertIs(bad, error)
            for future in done:
                self.assertIs(bad, future.exception())

    def test_aborted_whatever_the_client_made_of_it(self):
        def wrapping(reader):
            try:
                drain(reader)
            except fanout.Aborted:
                # What an HTTP client does with its body's error.
                raise exception.BackendUnavailable(vim_id='wrapped')

        done, _error = fanout.run(Source(PIECES * 100), [wrapping, failing])
        self.assertIsInstance(done[0].exception(), fanout.Aborted)

    def test_stop_stops_them_all(self):
        calls = []

        def stop():
            calls.append(1)
            if len(calls) > 2:
                raise exception.Conflict(reason='cancelled')

        done, error = fanout.run(Source(PIECES * 100), [drain], stop=stop)
        self.assertIsInstance(error, exception.Conflict)
        self.assertIs(error, done[0].exception())

    def test_stop_reaches_a_stalled_target_after_the_source_ended(self):
        # The whole source fits in the queues; one target then hangs in a
        # VIM that stopped reading. A stop that comes later still ends it.
        release = threading.Event()
        self.addCleanup(release.set)
        stalled_read = threading.Event()
        cancelled = threading.Event()

        def stalled(reader):
            reader.read()
            stalled_read.set()
            release.wait(30)
            reader.read()

        def stop():
            if cancelled.is_set():
                raise exception.Conflict(reason='cancelled')

        def cancel_later():
            stalled_read.wait(10)
            time.sleep(0.3)
            cancelled.set()

        threading.Thread(target=cancel_later, daemon=True).start()
        start = time.monotonic()
        done, error = fanout.run(Source(PIECES), [drain, stalled], stop=stop,
                                 grace=0.1)
        self.assertLess(time.monotonic() - start, 5)
        self.assertIsInstance(error, exception.Conflict)
        self.assertEqual(b''.join(PIECES), done[0].result())
        self.assertFalse(done[1].done())

    def test_no_stop_no_watch_after_the_end(self):
        # Without a stop hook the source's end ends the feeding at once.
        tee = fanout.Tee(Source(PIECES), 2)
        tee.run()
        self.assertFalse(tee.stopped.is_set())
        self.assertEqual(PIECES[0], tee.reader(0).read())

    def test_straggler_left_running_after_the_grace(self):
        release = threading.Event()
        self.addCleanup(release.set)

        def stalled(reader):
            reader.read()
            release.wait(30)

        bad = exception.Invalid(reason='broken body')
        done, error = fanout.run(Source(PIECES, error=bad),
                                 [drain, stalled], grace=0.1)
        self.assertIs(bad, error)
        self.assertTrue(done[0].done())
        self.assertFalse(done[1].done())
