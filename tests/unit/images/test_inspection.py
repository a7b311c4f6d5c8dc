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

"""Format inspection by Glance's rules, on headers built in memory."""

import struct

from mcimage.common import exception
from mcimage.images import inspection
from tests import base
from tests.unit import fakes


class _Pieces(object):

    def __init__(self, data, size=1000):
        self._pieces = [data[i:i + size] for i in range(0, len(data), size)]

    def read(self, size=None):
        return self._pieces.pop(0) if self._pieces else b''


def qcow2(backing_file=False, data_file=False):
    header = bytearray(fakes.QCOW2_HEADER)
    if backing_file:
        struct.pack_into('>QI', header, 8, 512, 8)
    if data_file:
        # incompatible_features bit 2: an external data file.
        struct.pack_into('>Q', header, 72, 4)
    body = bytes(header) + b'\0' * 4096
    if backing_file:
        body = body[:512] + b'base.img' + body[520:]
    return body


def inspect(data, disk_format, container_format='bare'):
    checked = inspection.Inspection(_Pieces(data), disk_format,
                                    container_format)
    read = b''
    while True:
        piece = checked.read(1000)
        if not piece:
            break
        read += piece
    checked.check()
    return checked, read


class TestInspection(base.TestCase):

    def test_qcow2_as_qcow2(self):
        checked, read = inspect(qcow2(), 'qcow2')
        self.assertEqual(qcow2(), read)
        self.assertEqual(1024 * 1024, checked.virtual_size)

    def test_anything_safe_as_raw(self):
        # Glance's rule: raw takes any safe format.
        inspect(qcow2(), 'raw')
        inspect(b'just bytes' * 100, 'raw')

    def test_raw_data_declared_qcow2_refused(self):
        e = self.assertRaises(exception.InvalidImageData, inspect,
                              b'just bytes' * 100, 'qcow2')
        self.assertIn('the data is raw, not the disk_format qcow2', str(e))

    def test_qcow2_declared_vmdk_refused(self):
        e = self.assertRaises(exception.InvalidImageData, inspect,
                              qcow2(), 'vmdk')
        self.assertIn('qcow2', str(e))
        self.assertIn('vmdk', str(e))

    def test_backing_file_refused_even_as_raw(self):
        for declared in ('qcow2', 'raw'):
            e = self.assertRaises(exception.InvalidImageData, inspect,
                                  qcow2(backing_file=True), declared)
            self.assertIn('backing_file', str(e))

    def test_data_file_refused(self):
        e = self.assertRaises(exception.InvalidImageData, inspect,
                              qcow2(data_file=True), 'qcow2')
        self.assertIn('data_file', str(e))

    def test_uninspectable_format_takes_raw_data(self):
        inspect(b'kernel bytes' * 100, 'aki')
        inspect(b'ami bytes' * 100, 'ami')

    def test_not_bare_is_not_inspected(self):
        # As in Glance: only container_format bare is inspected.
        inspect(qcow2(backing_file=True), 'qcow2', container_format='ovf')
        inspect(b'x' * 100, 'qcow2', container_format='ova')
