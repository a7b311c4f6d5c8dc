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

"""One read of a task's source, shared by the pushes of its targets.

Each target's chain (create, push, confirm) runs in a thread of the
engine's; their pushes read the same source through a tee whose short
queues hold the fastest back to the pace of the slowest, so memory stays
flat. The engine gives every chain a thread of its own (flows.
max_workers): a push waiting for another one to take its pieces never
waits for a thread. The feed lives in the process that runs the flow,
from the moment the flow knows its targets to the flow's end.
"""

import threading

from oslo_log import log as logging

from mcimage.images import fanout
from mcimage.tasks import targets

LOG = logging.getLogger(__name__)

_POLL = 0.2

_lock = threading.Lock()
_feeds = {}


def get(task_id):
    """The feed of a task run by this process (KeyError if none)."""
    with _lock:
        return _feeds[task_id]


def start(task_id, slots, opener, all_or_nothing, progress):
    """The feed of the task, made if it is not there yet."""
    with _lock:
        feed = _feeds.get(task_id)
        if feed is None:
            feed = _feeds[task_id] = Feed(slots, opener, all_or_nothing,
                                          progress)
        return feed


def stop(task_id):
    """The flow ended: its feed stops and goes."""
    with _lock:
        feed = _feeds.pop(task_id, None)
    if feed is not None:
        feed.close()


class _Counted(object):
    """The source's checked reader; digests kept as it ends."""

    def __init__(self, feed, hashing):
        self._feed = feed
        self._hashing = hashing

    def read(self, size=None):
        piece = self._hashing.read()
        self._feed.done += len(piece)
        if not piece:
            # Checked whole: the pushes may take their last (empty) piece.
            self._hashing.close()
            self._feed.sent = {
                'size': self._hashing.size,
                'checksum': self._hashing.checksum,
                'os_hash_value': self._hashing.sha512.hexdigest()}
            self._feed.progress(force=True)
        return piece


class Feed(object):
    """Opened by the first push that asks; read once for ``slots``.

    ``opener()`` gives (the source's reader, its VerifyingReader, its size
    if known); ``progress(done, total, force)`` is told the bytes read,
    and what it raises (a cancel) stops every push.
    """

    def __init__(self, slots, opener, all_or_nothing, progress):
        self._slots = {index: slot for slot, index in enumerate(slots)}
        self._opener = opener
        self._all_or_nothing = all_or_nothing
        self._progress = progress
        self._lock = threading.Lock()
        self._tee = None
        self._reader = None
        self._error = None
        self.size = None
        self.done = 0
        self.sent = None
        self._ended = threading.Event()

    def progress(self, force=False):
        self._progress(self.done, self.size, force)

    def _open(self):
        with self._lock:
            if self._error is not None:
                raise self._error
            if self._tee is not None:
                return
            try:
                self._reader, hashing, self.size = self._opener()
                self.progress(force=True)
                self._tee = targets.tee(
                    _Counted(self, hashing), len(self._slots),
                    self._all_or_nothing, self.progress)
            except Exception as e:
                self._error = e
                self._ended.set()
                raise
            threading.Thread(target=self._run, name='feed', daemon=True
                             ).start()

    def _run(self):
        try:
            self._tee.run()
        except Exception as e:
            LOG.debug('The source stopped: %r', e)
        finally:
            self._ended.set()
            self._close_reader()

    def _close_reader(self):
        close = getattr(self._reader, 'close', None)
        if close is not None:
            close()

    @property
    def error(self):
        """What stopped every push (the source's error, a cancel)."""
        if self._error is not None:
            return self._error
        return self._tee.error if self._tee is not None else None

    def push(self, index, send):
        """Run ``send(reader, size)`` on the feed; what was sent.

        Raises the source's error if that failed, StoppedByAnother if
        another target stopped this one, else the target's own error.
        """
        self._open()
        slot = self._slots[index]
        outcome = {}
        done = threading.Event()

        def run():
            try:
                send(self._tee.reader(slot), self.size)
            except BaseException as e:
                outcome['error'] = e
            finally:
                done.set()

        threading.Thread(target=run, name='push-%d' % index,
                         daemon=True).start()
        while not done.wait(_POLL):
            if self._tee.stopped.is_set():
                # A VIM that stopped reading is not waited for.
                done.wait(fanout.STRAGGLER_GRACE)
                break
        error = outcome.get('error') if done.is_set() else None
        self._tee.drop(slot, failed=error is not None or not done.is_set())
        if not done.is_set() or error is not None:
            self._raise(error)
        if self.sent is None:
            # Sent without the end of the source: wait for how it ended.
            self._ended.wait()
        if self.sent is None:
            self._raise(None)
        return self.sent

    def _raise(self, error):
        if self.error is not None:
            raise self.error
        if error is None or targets.is_aborted(error):
            raise targets.StoppedByAnother()
        raise error

    def close(self):
        """Stop feeding (the flow ended); the source is closed."""
        with self._lock:
            if self._tee is not None:
                for slot in self._slots.values():
                    self._tee.drop(slot)
                self._tee.stopped.set()
            else:
                self._error = self._error or targets.StoppedByAnother()
        grace = fanout.STRAGGLER_GRACE
        if self._tee is not None and not self._ended.wait(grace):
            LOG.debug('The source of a feed is still being read')
