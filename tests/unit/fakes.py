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

"""Test data for the unit tests, and their in-memory Glance.

The in-memory Glance is the ``fake`` backend driver
(mcimage.backends.fake), selected by configuration: a test reaches a
VIM's instance as ``backends.get(vim_id).backend``.
"""

from mcimage.backends import fake
from mcimage.common import exception  # noqa: F401 (tests use fakes.exception)

DEFAULT_LIMIT = fake.DEFAULT_LIMIT
_Once = fake.OneRead

# The 112-byte header qemu-img writes for a 1 MiB qcow2 (v3) image: enough
# for the format inspector to take the bytes after it for a qcow2 image.
QCOW2_HEADER = bytes.fromhex(
    '514649fb00000003000000000000000000000000000000100000000000100000'
    '0000000000000001000000000003000000000000000100000000000100000000'
    '0000000000000000000000000000000000000000000000000000000000000000'
    '00000004000000700000000000000000')
