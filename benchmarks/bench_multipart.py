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

"""Multipart parsing alone: mcimage.api.multipart over an in-memory body.

Target: at least 1 GB/s. Two payloads: random bytes, and CRLF-heavy lines
that look like a boundary every 80 bytes. The body is read in [upload]
chunk_size pieces (64 KiB) and also in 1 MiB pieces; the file part is read
and dropped. No server runs::

    .venv/bin/python -m benchmarks.bench_multipart [--size-mib 512]
        [--rounds 5]
"""

import io
import os
import sys

from benchmarks import common
from mcimage.api import multipart

BOUNDARY = '----mcimage-bench-boundary-7d2c9a41'
TARGET = 1e9


def body(payload):
    head = ('--%s\r\nContent-Disposition: form-data; name="imageType"'
            '\r\n\r\nraw\r\n--%s\r\nContent-Disposition: form-data; '
            'name="file"; filename="x.img"\r\n\r\n' % (BOUNDARY, BOUNDARY))
    return head.encode() + payload + ('\r\n--%s--\r\n' % BOUNDARY).encode()


def parse(data, chunk_size):
    reader = multipart.MultipartReader(
        io.BytesIO(data), 'multipart/form-data; boundary=%s' % BOUNDARY,
        chunk_size=chunk_size)
    size = 0
    while True:
        part = reader.next_part()
        if part is None:
            return size
        if part.name == 'file':
            while True:
                piece = reader.read()
                if not piece:
                    break
                size += len(piece)
        else:
            reader.read_text(1024)


def main(argv=None):
    args = common.parser(__doc__.splitlines()[0], size_mib=512).parse_args(
        argv)
    size = args.size_mib * common.MIB
    line = b'-' * 10 + b'x' * 68 + b'\r\n'
    payloads = {'random': os.urandom(size),
                'CRLF-heavy': (line * (size // len(line) + 1))[:size]}
    print('multipart parsing alone, %d MiB file part, %d round(s); MB/s '
          '(target >= 1000 MB/s)' % (args.size_mib, args.rounds))
    print('%-26s %9s %9s %9s' % ('', 'median', 'min', 'max'))
    worst = None
    for name, payload in payloads.items():
        data = body(payload)
        for chunk_size in (64 * 1024, common.MIB):
            rates = []
            for _ in range(args.rounds):
                with common.Stopwatch() as watch:
                    parsed = parse(data, chunk_size)
                rates.append(size / watch.seconds / 1e6)
            if parsed != size:
                raise common.BenchError('parsed %d bytes of %d' % (parsed,
                                                                   size))
            med, low, high = common.spread(rates)
            worst = med if worst is None else min(worst, med)
            print('%-26s %9.0f %9.0f %9.0f' % (
                '%s, %d KiB reads' % (name, chunk_size // 1024), med, low,
                high))
    common.target_line('slowest median, MB/s', worst, '>= 1000',
                       worst >= TARGET / 1e6)
    return 0


if __name__ == '__main__':
    sys.exit(main())
