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

"""A one-line progress bar on standard error for uploads, downloads and
tasks: the library's ``progress_callback(bytes_done, bytes_total)``."""

import time

_UNITS = ('B', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB')
_WIDTH = 30
# Seconds between two redraws: a callback per MiB would flood a terminal.
_INTERVAL = 0.2


def human_size(size):
    """1536 -> '1.5 KiB'."""
    if size is None:
        return '?'
    value = float(size)
    for unit in _UNITS:
        if value < 1024 or unit == _UNITS[-1]:
            break
        value /= 1024
    return ('%d %s' % (value, unit) if unit == 'B'
            else '%.1f %s' % (value, unit))


def describe(done, total):
    """'512.0 MiB of 1.0 GiB (50%)', or '512.0 MiB' if total is unknown."""
    if not total:
        return human_size(done)
    return '%s of %s (%d%%)' % (human_size(done), human_size(total),
                                100 * done // total)


class ProgressBar(object):
    """``label [#####.....]  45%  450.0 MiB of 1.0 GiB  12.3 MiB/s``."""

    def __init__(self, label, stream, clock=time.monotonic):
        self._label = label
        self._stream = stream
        self._clock = clock
        self._start = clock()
        self._last_draw = None
        self._last = (0, None, None)
        self._width = 0

    def __call__(self, done, total):
        now = self._clock()
        self._last = (done, total, now)
        if (self._last_draw is not None and now - self._last_draw
                < _INTERVAL and done != total):
            return
        self._last_draw = now
        self._draw(done, total, now)

    def _draw(self, done, total, now):
        elapsed = now - self._start
        rate = '%s/s' % human_size(done / elapsed) if elapsed > 0 else ''
        if total:
            filled = min(_WIDTH, _WIDTH * done // total)
            bar = '[%s%s]' % ('#' * filled, '.' * (_WIDTH - filled))
            line = '%s %s %s  %s' % (self._label, bar, describe(done, total),
                                     rate)
        else:
            line = '%s %s  %s' % (self._label, human_size(done), rate)
        # Spaces over what a longer line before left.
        padding = ' ' * max(0, self._width - len(line))
        self._width = len(line)
        self._stream.write('\r' + line + padding)
        self._stream.flush()

    def finish(self):
        """The last state (at its time) drawn, and the line ended."""
        if self._last_draw is not None:
            self._draw(*self._last)
            self._stream.write('\n')
            self._stream.flush()
