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

"""``mcimageclient.client.Client(version, ...)``: the client of a version."""

from mcimageclient import exceptions
from mcimageclient.v1 import client as v1_client

_CLIENTS = {'1': v1_client.Client}


def Client(version='1', **kwargs):
    """The client of API ``version`` ('1', or a microversion '1.0').

    A microversion is sent with every request; a major version alone
    sends the client's default one.
    """
    major, _sep, minor = str(version).partition('.')
    if major not in _CLIENTS:
        raise exceptions.ClientException(
            'mcimage API version %s is not known to this client: it knows '
            '%s' % (version, ', '.join(sorted(_CLIENTS))))
    if minor:
        kwargs.setdefault('api_version', str(version))
    return _CLIENTS[major](**kwargs)
