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

"""Options for oslo-config-generator and the defaults of the libraries."""

from oslo_config import cfg
from oslo_db import options as db_options
from oslo_log import log
from oslo_middleware import cors
from oslo_middleware.healthcheck import opts as healthcheck_opts
from oslo_policy import opts as policy_opts

import mcimage.conf.api
import mcimage.conf.default
import mcimage.conf.service_user
import mcimage.conf.staging
import mcimage.conf.tasks
import mcimage.conf.upload
import mcimage.conf.vims

_DEFAULT_SQL_CONNECTION = 'sqlite:///$state_path/mcimage.sqlite'


def list_opts():
    # Kept in alphabetical order of group.
    return [
        ('DEFAULT', mcimage.conf.default.opts
         + mcimage.conf.vims.default_opts),
        ('api', mcimage.conf.api.opts),
        (mcimage.conf.service_user.group,
         mcimage.conf.service_user.list_opts()),
        ('staging_store', mcimage.conf.staging.opts),
        ('task', mcimage.conf.tasks.opts),
        ('upload', mcimage.conf.upload.opts),
        (mcimage.conf.vims.group_name('vim_id'),
         mcimage.conf.vims.list_vim_opts()),
    ]


def set_lib_defaults():
    """Defaults of the libraries mcimage uses, for the generator too."""
    cors.set_defaults(
        allow_headers=['X-Auth-Token', 'X-OpenStack-Request-ID',
                       'X-Identity-Status', 'X-Roles', 'X-Project-Id',
                       'X-User-Id', 'OpenStack-API-Version', 'Content-MD5',
                       'Content-Type', 'Range'],
        expose_headers=['X-Auth-Token', 'X-OpenStack-Request-ID',
                        'OpenStack-API-Version', 'Content-MD5',
                        'Content-Range', 'Location',
                        'OpenStack-Staged-Upload-Id'],
        allow_methods=['GET', 'HEAD', 'PUT', 'POST', 'PATCH', 'DELETE'])
    log.set_defaults(default_log_levels=log.get_default_log_levels() + [
        'glanceclient=WARN', 'keystoneauth=WARN', 'cheroot=WARN',
        'alembic=WARN'])
    db_options.set_defaults(cfg.CONF, connection=_DEFAULT_SQL_CONNECTION)
    policy_opts.set_defaults(cfg.CONF)
    # Touch this file to take the node out of its load balancer.
    cfg.set_defaults(healthcheck_opts.DISABLE_BY_FILE_OPTS,
                     disable_by_file_path='$state_path/healthcheck_disable')
