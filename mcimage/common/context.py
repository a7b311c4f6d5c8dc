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

import copy

from oslo_context import context
from oslo_serialization import jsonutils


class PolicyDecisions(dict):
    """What policy decided in one request, keyed by mcimage.common.policy.

    ``enforcer`` is the enforcer that has read the policy files for this
    request, if one has, and ``generation`` the rules it read.
    """

    enforcer = None
    generation = None


class RequestContext(context.RequestContext):
    """The caller of one request; a passive value, never calls policy."""

    def __init__(self, service_catalog=None, **kwargs):
        super().__init__(**kwargs)
        # keystonemiddleware's X-Service-Catalog: where auth_mode = token
        # finds the VIM's Glance when no endpoint_override is set.
        self.service_catalog = service_catalog or []
        # What policy decided for this caller in this request
        # (mcimage.common.policy): an image list asks the same a few times.
        self.policy_decisions = PolicyDecisions()
        # The project policy sees the caller act as, and the (VIM, tenant)
        # that is in (mcimage.images.access.in_tenant); None: its own.
        self.policy_project_id = None
        self.policy_scope = None
        self._caller = None
        # (VIM id, tenant id) -> the copy acting there, decided once per
        # request (its copies share it).
        self.tenant_scopes = {}

    def to_policy_values(self):
        """The caller's credentials, in ``policy_project_id`` if set.

        A VIM of another Keystone names its tenants with ids of its own:
        the rules (``project_id:%(tenant_id)s``, ``project_id:%(owner)s``)
        compare them with the project the caller acts as there.
        """
        values = super().to_policy_values()
        if self.policy_project_id is None:
            return values
        values = dict(values)
        values['project_id'] = self.policy_project_id
        return values

    def acting_as(self, project_id, scope):
        """A copy that policy sees as acting as ``project_id``.

        ``scope`` says where (a VIM and a tenant). Everything else is the
        caller's, ``project_id`` too: what is recorded (tasks, staged
        uploads) stays the caller's own project.
        """
        caller = self.caller()
        acting = copy.copy(caller)
        acting.policy_project_id = project_id
        acting.policy_scope = scope
        acting._caller = caller
        return acting

    def caller(self):
        """The caller's own context, as the request brought it."""
        return self if self._caller is None else self._caller

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
