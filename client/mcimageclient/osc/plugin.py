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

"""OpenStackClient plugin: ``openstack multicloud ...``."""

import re

from osc_lib import exceptions as osc_exceptions
from osc_lib import utils

from mcimageclient.common import http
from mcimageclient.v1 import client

API_NAME = 'multicloud'
API_VERSION_OPTION = 'os_multicloud_image_api_version'
DEFAULT_API_VERSION = http.DEFAULT_API_VERSION
API_VERSIONS = {'1': 'mcimageclient.v1.client.Client'}
_VERSION_RE = re.compile(r'1(\.\d+)?')


def check_api_version(check_version):
    """A microversion of v1 (1, 1.0...): openstackclient asks first."""
    if not _VERSION_RE.fullmatch(check_version or ''):
        raise osc_exceptions.CommandError(
            '--os-multicloud-image-api-version: %r is not a version 1.N '
            'of the multicloud image API' % check_version)
    # The versions are checked here; osc need not check API_VERSIONS.
    return True


def make_client(instance):
    """The mcimage client of an openstackclient ClientManager.

    The endpoint is found as every osc plugin finds it: an override
    (--os-endpoint-override), the catalog, or the endpoint of an auth
    plugin without a catalog (--os-auth-type none --os-endpoint URL).
    """
    endpoint = instance.get_endpoint_for_service_type(
        http.SERVICE_TYPE, region_name=instance.region_name,
        interface=instance.interface)
    version = instance._api_version[API_NAME]
    return client.Client(
        session=instance.session, endpoint_override=endpoint,
        api_version=version if '.' in version else None,
        region_name=instance.region_name, interface=instance.interface)


def build_option_parser(parser):
    """The global option of the API version."""
    parser.add_argument(
        '--os-multicloud-image-api-version',
        metavar='<multicloud-image-api-version>',
        default=utils.env('OS_MULTICLOUD_IMAGE_API_VERSION'),
        help='Multicloud image API microversion, default=%s '
             '(Env: OS_MULTICLOUD_IMAGE_API_VERSION)' % DEFAULT_API_VERSION)
    return parser
