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

"""VIMs: ``[DEFAULT] enabled_vims`` and one ``[vim:ID]`` group per VIM.

Each group holds the keystoneauth1 session, auth and adapter options, so
credentials, CA bundles, region, interface and endpoint_override work as in
nova's ``[glance]`` section, plus mcimage's own per-VIM options.
"""

import copy

from keystoneauth1 import loading as ks_loading
from oslo_config import cfg

GROUP_PREFIX = 'vim:'
AUTH_MODES = ('token', 'service', 'trusted')
# Keystone binds an application credential to one project and refuses it
# any scope asked for: its token is always of that project.
FIXED_SCOPE_AUTH_TYPES = ('v3applicationcredential',)
# Seconds of keystoneauth's session ``timeout``: each connect and each read
# or write of a socket to the VIM, not a whole transfer. Without a bound, a
# VIM that stops reading or answering holds a request or a task forever.
DEFAULT_TIMEOUT = 60
# Seconds a project found by name (project_map_domain_name) is
# remembered, and a name no project answers to: a project created or
# given mcimage's role since is seen after that long.
PROJECT_NAME_TTL = 600
NO_PROJECT_NAME_TTL = 60
TIMEOUT_HELP = ('Seconds mcimage waits on each connect to this VIM and on '
                'each read or write of its socket (default %d). It bounds '
                'a VIM that stops reading or answering, never a whole '
                'transfer: an upload or download of any length goes on '
                'while data moves.' % DEFAULT_TIMEOUT)

default_opts = [
    cfg.ListOpt('enabled_vims',
                default=[],
                help='VIMs (OpenStack cloud regions) served by this mcimage, '
                     'as a comma list of ids in the ONAP form '
                     '{cloud-owner}_{cloud-region-id}. Each one is '
                     'configured in its own [vim:ID] group.'),
]

vim_opts = [
    cfg.StrOpt('auth_mode',
               default='service',
               choices=[('token', "Pass the caller's Keystone token through; "
                         'the VIM trusts the same Keystone.'),
                        ('service', "mcimage's service user of this VIM "
                         '(the auth options of this group), scoped to the '
                         "tenant of the request, acts for the caller."),
                        ('trusted', 'No Keystone: the VIM runs Glance with '
                         "its context filter in place of authtoken and "
                         "mcimage asserts the caller's identity in headers. "
                         'Refused unless the endpoint is on loopback or '
                         'allow_trusted_remote is set.')],
               help='How mcimage authenticates to this VIM.'),
    cfg.StrOpt('driver',
               default='glance',
               help='The backend driver of this VIM: a name among the '
                    '"mcimage.backends" entry points. "glance" talks to '
                    "the VIM's Glance v2 with the options of this group; "
                    '"fake" is an in-memory Glance for tests, which keeps '
                    'nothing and reaches no VIM.'),
    cfg.StrOpt('description',
               default='',
               help='Free text shown to users in GET /v1/vims.'),
    cfg.BoolOpt('allow_trusted_remote',
                default=False,
                help='Allow auth_mode = trusted to an endpoint that is not '
                     'on loopback. Anyone who can reach such a Glance can '
                     'claim any identity: only for an isolated network.'),
    cfg.DictOpt('project_map',
                default={},
                help='auth_mode = service only. Projects of mcimage\'s own '
                     "Keystone and their counterparts in this VIM's "
                     'Keystone, as "<mcimage project id>:<VIM project id>" '
                     'pairs, comma separated. A caller whose project is '
                     'listed may act in its counterpart (the tenant_id of '
                     'the path) with the roles its token holds: member to '
                     'write, reader to read; anywhere else in this VIM only '
                     'if policy mcimage:vim:act_in_any_tenant allows it. '
                     'Looked up before project_map_domain_name. Refused '
                     'with auth_mode token or trusted, whose tenants are '
                     "projects of mcimage's own Keystone."),
    cfg.StrOpt('project_map_domain_name',
               help='auth_mode = service only. The name of a domain of this '
                    "VIM's Keystone: a caller whose project is not in "
                    'project_map has as counterpart the project of that '
                    'domain whose name is its own project\'s name, and acts '
                    'there as project_map says (projects of the same name '
                    "in several domains of mcimage's Keystone share it). "
                    'mcimage finds it by asking '
                    "this VIM's Keystone for its service user's token "
                    'scoped to that project by name: the service user needs '
                    'a role there, as it does to act there at all, and no '
                    'right to read the identity API. A name Keystone '
                    'refuses to scope to has no counterpart. An answer is '
                    'remembered for %d minutes (%d seconds when there is no '
                    'such project). Unset (the default): no mapping by '
                    'name. Refused with auth_mode token or trusted, and '
                    'with an application credential, which is bound to one '
                    'project (list the projects that act as that one in '
                    'project_map).' %
                    (PROJECT_NAME_TTL // 60, NO_PROJECT_NAME_TTL)),
    cfg.IntOpt('upload_chunk_size',
               default=64 * 1024,
               min=4096,
               help='Largest chunk of an upload sent chunked to this VIM: '
                    'one whose size is not known ahead (an ONAP upload '
                    'that declares no size, a URL import without a '
                    'Content-Length). Glance under uWSGI slices a chunked '
                    'body at every read of its store, copying what is '
                    'left of the chunk each time: a chunk of the size its '
                    'store reads (filesystem_store_chunk_size, 64 KiB by '
                    'default) costs it least; 1 MiB chunks cost it a fifth '
                    'more CPU. An upload of known size goes under a '
                    'Content-Length, where this does not apply.'),
]


def group_name(vim_id):
    return GROUP_PREFIX + vim_id


def _adapter_opts():
    opts = ks_loading.get_adapter_conf_options(include_deprecated=False)
    cfg.set_defaults(opts, service_type='image')
    return opts


def register_opts(conf):
    conf.register_opts(default_opts)


def _session_opts():
    """keystoneauth's session options, with mcimage's timeout default."""
    opts = ks_loading.get_session_conf_options()
    cfg.set_defaults(opts, timeout=DEFAULT_TIMEOUT)
    for opt in opts:
        if opt.dest == 'timeout':
            # A fresh copy made for the sample configuration.
            opt.help = TIMEOUT_HELP
    return opts


def register_vim_opts(conf, vim_id):
    """Register the options of one VIM's group; returns the group name."""
    group = group_name(vim_id)
    conf.register_opts(copy.deepcopy(vim_opts), group=group)
    ks_loading.register_session_conf_options(conf, group)
    conf.set_default('timeout', DEFAULT_TIMEOUT, group=group)
    ks_loading.register_auth_conf_options(conf, group)
    ks_loading.register_adapter_conf_options(conf, group)
    conf.set_default('service_type', 'image', group=group)
    return group


def list_vim_opts():
    """The options of a [vim:ID] group, for the sample configuration."""
    return (vim_opts
            + _session_opts()
            + ks_loading.get_auth_common_conf_options()
            + ks_loading.get_auth_plugin_conf_options('password')
            + _adapter_opts())
