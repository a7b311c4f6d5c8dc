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

from oslo_context import context
from oslo_serialization import jsonutils


class RequestContext(context.RequestContext):
    """The caller of one request; a passive value, never calls policy."""

    def __init__(self, service_catalog=None, **kwargs):
        super().__init__(**kwargs)
        # keystonemiddleware's X-Service-Catalog: where auth_mode = token
        # finds the VIM's Glance when no endpoint_override is set.
        self.service_catalog = service_catalog or []
        # What policy decided for this caller in this request
        # (mcimage.common.policy): an image list asks the same a few times.
        self.policy_decisions = {}

    @classmethod
    def from_environ(cls, environ, **kwargs):
        catalog = environ.get('HTTP_X_SERVICE_CATALOG')
        if catalog and 'service_catalog' not in kwargs:
            try:
                kwargs['service_catalog'] = jsonutils.loads(catalog)
            except (ValueError, RecursionError):
                # Only noauth lets a caller send this header: nested too
                # deep, json raises RecursionError.
                pass
        return super().from_environ(environ, **kwargs)


def get_admin_context():
    """A context for mcimage's own work (start-up clean-up)."""
    return RequestContext(user_id='mcimage', project_id=None,
                          roles=['admin', 'member', 'reader'],
                          is_admin=True, overwrite=False)
