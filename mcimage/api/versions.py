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

"""API versions and microversions (the API-SIG guideline).

Microversions start at 1.0 and bump only when the API changes:
  1.0  the first v1 API.
"""

import microversion_parse

from mcimage.common import exception

SERVICE_TYPE = 'multicloud-image'
HEADER = 'OpenStack-API-Version'
MIN_VERSION = (1, 0)
MAX_VERSION = (1, 0)


def to_string(version):
    return '%d.%d' % version


def parse(headers):
    """The microversion a request asks for (the minimum if none)."""
    try:
        value = microversion_parse.get_version(headers,
                                               service_type=SERVICE_TYPE)
    except ValueError:
        value = None
    if value is None:
        return MIN_VERSION
    if value.strip().lower() == 'latest':
        return MAX_VERSION
    try:
        version = microversion_parse.parse_version_string(value)
    except (TypeError, ValueError):
        raise exception.Invalid(
            reason='%s: %r is not a version of the form %s X.Y' %
                   (HEADER, value, SERVICE_TYPE))
    version = (version.major, version.minor)
    if not MIN_VERSION <= version <= MAX_VERSION:
        raise exception.NotAcceptable(
            reason='Version %s is not supported by this API: it supports '
                   '%s to %s.' % (to_string(version),
                                  to_string(MIN_VERSION),
                                  to_string(MAX_VERSION)))
    return version


def version_document(base_url):
    return {
        'id': 'v1',
        'status': 'CURRENT',
        'min_version': to_string(MIN_VERSION),
        'version': to_string(MAX_VERSION),
        'links': [{'rel': 'self', 'href': base_url + '/v1/'}],
        'media-types': [{
            'base': 'application/json',
            'type': 'application/vnd.openstack.%s.v1+json' % SERVICE_TYPE}],
    }


# The Glance v2 API versions the Glance endpoint (/glance/{vim_id})
# answers for, newest first, as Glance lists them: the images API with
# tags, members, actions and schemas, the /v2/info documents and
# multiple stores. Not offered: the image cache API (2.14, 2.16, 2.18).
GLANCE_CURRENT = '2.17'
GLANCE_SUPPORTED = ('2.15', '2.13', '2.12', '2.11', '2.10', '2.9', '2.8',
                    '2.7', '2.6', '2.5', '2.4', '2.3', '2.2', '2.1', '2.0')


def glance_versions_document(endpoint_url):
    """Glance's versions document, every link into ``endpoint_url``/v2/."""
    href = endpoint_url.rstrip('/') + '/v2/'

    def version(number, status):
        return {'id': 'v' + number, 'status': status,
                'links': [{'rel': 'self', 'href': href}]}

    return {'versions': [version(GLANCE_CURRENT, 'CURRENT')] + [
        version(number, 'SUPPORTED') for number in GLANCE_SUPPORTED]}
