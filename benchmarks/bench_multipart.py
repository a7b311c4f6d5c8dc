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

DESIGN section 8: at least 1 GB/s. Two payloads, as NOTES-servers section
2 measured the parsers: random bytes, and CRLF-heavy lines that look like
a boundary every 80 bytes. The body is read in [upload] chunk_size pieces
(64 KiB) and also in 1 MiB pieces; the file part is read and dropped.

    .venv/bin/python benchmarks/bench_multipart.py [--size-mib 512]
"""

import argparse
import io
import os
import statistics
import sys
import time

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
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--size-mib', type=int, default=512)
    parser.add_argument('--rounds', type=int, default=3)
    args = parser.parse_args(argv)
    size = args.size_mib * 1024 * 1024
    line = b'-' * 10 + b'x' * 68 + b'\r\n'
    payloads = {'random': os.urandom(size),
                'CRLF-heavy': (line * (size // len(line) + 1))[:size]}
    print('multipart parsing alone, %d MiB file part, median of %d '
          '(target >= 1 GB/s)' % (args.size_mib, args.rounds))
    worst = None
    for name, payload in payloads.items():
        data = body(payload)
        for chunk_size in (64 * 1024, 1024 * 1024):
            times = []
            for _ in range(args.rounds):
                started = time.perf_counter()
                parsed = parse(data, chunk_size)
                times.append(time.perf_counter() - started)
            assert parsed == size, (parsed, size)
            rate = size / statistics.median(times)
            worst = rate if worst is None else min(worst, rate)
            print('  %-10s  %4d KiB reads  %7.0f MB/s  %s' % (
                name, chunk_size // 1024, rate / 1e6,
                'ok' if rate >= TARGET else 'MISSED'))
    print('slowest: %.0f MB/s, target >= 1000 MB/s: %s' % (
        worst / 1e6, 'ok' if worst >= TARGET else 'MISSED'))
    return 0


if __name__ == '__main__':
    sys.exit(main())
