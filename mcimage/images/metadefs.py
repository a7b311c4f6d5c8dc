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

"""Glance's metadata definitions catalog of a VIM, relayed.

mcimage keeps nothing of it: each request goes to the VIM's Glance, in
the caller's own tenant there (access.own_tenant), once policy lets it
through (mcimage:metadef:get to read, mcimage:metadef:modify to write).
What the caller then sees is what that Glance shows to whoever the call is
made as: the caller itself in auth_mode token or trusted, mcimage's
service user in auth_mode service, where mcimage hides, from a caller who
is no admin, the namespaces of other projects that user may see.
"""

from mcimage.common import exception
from mcimage.common import policy
from mcimage.images import access

GET_RULE = 'mcimage:metadef:get'
MODIFY_RULE = 'mcimage:metadef:modify'


def relay(context, vim, method, path, query=None, body=None, append=None):
    """One metadata definitions request: (status, headers, body).

    ``path`` is the segments below /v2/metadefs; the rest is as
    backends.base.Backend.metadefs takes it.
    """
    tenant_id = access.own_tenant(context, vim)
    context = access.in_tenant(context, vim, tenant_id)
    target = {'tenant_id': tenant_id, 'vim_id': vim.id}
    path = tuple(path)
    if method == 'GET':
        policy.authorize(context, GET_RULE, target)
    elif not policy.check(context, MODIFY_RULE, target):
        _refuse_write(context, vim, tenant_id, path, target)
    screen = _screens(context, vim, target)
    if screen and path[:1] == ('namespaces',) and len(path) >= 2:
        _check_visible(context, vim, tenant_id, path[1])
    answer = vim.backend.metadefs(context, tenant_id, method, path,
                                  query=query, body=body, append=append)
    if screen and path == ('namespaces',) and method == 'GET':
        status, headers, listed = answer
        if isinstance(listed, dict) and isinstance(
                listed.get('namespaces'), list):
            listed = dict(listed, namespaces=[
                ns for ns in listed['namespaces']
                if _visible(ns, tenant_id)])
        answer = status, headers, listed
    return answer


def _screens(context, vim, target):
    """Whether mcimage must hide what the VIM's Glance would show.

    In auth_mode service the VIM answers mcimage's own user, who may see
    every project's private namespaces (an admin there); a caller who is
    no admin here sees what Glance would show it: public namespaces and
    its own project's.
    """
    return (vim.auth_mode == 'service'
            and not policy.check(context, 'admin_api', target))


def _visible(namespace, tenant_id):
    return (namespace.get('visibility') == 'public'
            or namespace.get('owner') == tenant_id)


def _check_visible(context, vim, tenant_id, name):
    """NotFound, as Glance's, for a namespace the caller may not see."""
    _status, _headers, namespace = vim.backend.metadefs(
        context, tenant_id, 'GET', ('namespaces', name))
    if not isinstance(namespace, dict) or not _visible(namespace, tenant_id):
        raise exception.NotFound(
            'Metadata definition namespace=%s was not found.' % name)


def _refuse_write(context, vim, tenant_id, path, target):
    """The 403 of a write policy refuses; a 404 if its namespace is hidden.

    Glance answers a write on a namespace the caller cannot see with a
    404, so that its existence does not leak: the VIM is asked whether the
    caller sees it (a read, which policy must allow first).
    """
    if len(path) >= 2 and path[0] == 'namespaces' and policy.check(
            context, GET_RULE, target):
        # NotFound when the caller may see no such namespace.
        _check_visible(context, vim, tenant_id, path[1])
    raise exception.Forbidden(action=MODIFY_RULE)
