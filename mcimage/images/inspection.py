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

"""Format inspection on the byte path, by Glance's rules.

oslo.utils' format inspector reads every piece as it flows; at the end of
the stream the detected format must agree with the declared disk_format,
and the image must pass the inspector's safety checks (no qcow2 backing
file or external data file, no vmdk with external extents...). The rules
are Glance's (glance/location.py, ImageProxy.set_data) made as strict as
nova's at boot (nova/virt/images.py, do_image_deep_inspection): the data
must be the format declared, where Glance lets raw take any safe format
and nova then refuses to boot it. The exceptions are nova's: raw takes a
whole disk with a partition table (GPT or MBR, both of which the inspector
calls gpt), an ISO with a GPT in front is an ISO, and a format the
inspector cannot recognise (ami, aki, ari...) takes data that looks raw.
Inspection is for container_format bare only, as in Glance.
"""

from oslo_log import log as logging
from oslo_utils.imageutils import format_inspector

from mcimage.common import exception

LOG = logging.getLogger(__name__)

# Kernel and ramdisk images may carry an intentionally invalid MBR.
_MBR_TOLERANT = ('aki', 'ari')
# What the inspector may find in data declared as each format, besides the
# format itself: a raw whole-disk image starts with a partition table.
_ALSO_DETECTED = {'raw': ('gpt',)}


class Inspection(object):
    """Wrap a piece source (read()); check() once it answered b''."""

    def __init__(self, source, disk_format, container_format):
        self.disk_format = disk_format
        self.enabled = container_format == 'bare' and bool(disk_format)
        self._wrapper = (format_inspector.InspectWrapper(source)
                         if self.enabled else source)
        self.virtual_size = None

    def read(self, size=None):
        return self._wrapper.read(size)

    def check(self):
        """Raise InvalidImageData unless the data is what it claims."""
        if not self.enabled:
            return
        self._wrapper.close()
        try:
            matches = {str(i): i for i in self._wrapper.formats or []}
            if matches.keys() == {'iso', 'gpt'}:
                inspector = matches['iso']
            else:
                # Raises on several formats at once (one hidden in another).
                inspector = self._wrapper.format
        except format_inspector.ImageFormatError as e:
            raise exception.InvalidImageData(reason=str(e))
        # An unsafe image is refused as such, whatever it claims to be.
        self._safety_check(inspector)
        detected = str(inspector)
        if detected == self.disk_format:
            self.virtual_size = inspector.virtual_size
        elif (detected == 'raw'
              and self.disk_format not in format_inspector.ALL_FORMATS):
            pass
        elif detected not in _ALSO_DETECTED.get(self.disk_format, ()):
            raise exception.InvalidImageData(
                reason="the data is %s, not the disk_format %s declared"
                % (detected, self.disk_format))

    def _safety_check(self, inspector):
        try:
            inspector.safety_check()
        except format_inspector.SafetyCheckFailed as e:
            fatal = set(e.failures)
            if self.disk_format in _MBR_TOLERANT:
                fatal.discard('mbr')
            if fatal:
                raise exception.InvalidImageData(
                    reason='the %s image fails safety checks: %s' % (
                        inspector, '; '.join(
                            '%s (%s)' % (name, e.failures[name])
                            for name in sorted(fatal))))
            LOG.warning('Non-fatal safety check failures: %(f)s',
                        {'f': e.failures})
        except format_inspector.ImageFormatError as e:
            raise exception.InvalidImageData(reason=str(e))
