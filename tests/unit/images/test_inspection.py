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


def mbr(partition_type=0x83):
    """A disk with an MBR partition table (the inspector says gpt)."""
    disk = bytearray(64 * 1024)
    # The first entry: start CHS 0/2/0, its type, start LBA 1.
    disk[0x1BE + 1:0x1BE + 4] = b'\x00\x02\x00'
    disk[0x1BE + 4] = partition_type
    struct.pack_into('<II', disk, 0x1BE + 8, 1, 127)
    disk[510:512] = b'\x55\xaa'
    return bytes(disk)


def gpt():
    """A disk with a protective MBR and a GPT header."""
    disk = bytearray(mbr(partition_type=0xEE))
    disk[512:520] = b'EFI PART'
    return bytes(disk)


def iso():
    """An ISO 9660 primary volume descriptor at 32 KiB."""
    disk = bytearray(64 * 1024)
    disk[0x8000:0x8006] = b'\x01CD001'
    return bytes(disk)


def hybrid_iso():
    """An ISO whose first sectors hold a GPT (a bootable USB image)."""
    return gpt()[:1024] + iso()[1024:]


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


def check(data, disk_format):
    """inspect(), answering nothing (its data would fill a failure)."""
    inspect(data, disk_format)


class TestInspection(base.TestCase):

    def test_qcow2_as_qcow2(self):
        checked, read = inspect(qcow2(), 'qcow2')
        self.assertEqual(qcow2(), read)
        self.assertEqual(1024 * 1024, checked.virtual_size)

    def test_raw_takes_raw_and_whole_disks(self):
        inspect(b'just bytes' * 100, 'raw')
        # nova's exceptions: a disk with a partition table is raw.
        inspect(gpt(), 'raw')
        inspect(mbr(), 'raw')

    def test_other_formats_declared_raw_refused(self):
        # Stricter than Glance, as strict as nova at boot. An ISO with a
        # GPT in front is an ISO (nova's exception for ISOs), not raw.
        for data, detected in ((qcow2(), 'qcow2'), (iso(), 'iso'),
                               (hybrid_iso(), 'iso')):
            e = self.assertRaises(exception.InvalidImageData, check,
                                  data, 'raw')
            self.assertIn('the data is %s, not the disk_format raw'
                          % detected, str(e))

    def test_iso_with_gpt_is_iso(self):
        inspect(hybrid_iso(), 'iso')
        inspect(iso(), 'iso')
        e = self.assertRaises(exception.InvalidImageData, check, gpt(),
                              'iso')
        self.assertIn('the data is gpt, not the disk_format iso', str(e))

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
