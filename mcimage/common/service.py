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

"""What every mcimage command does first: options, logging, state."""

import os

from oslo_config import cfg
from oslo_log import log as logging

from mcimage import conf as mcimage_conf  # noqa: F401 (registers options)
from mcimage.conf import opts
from mcimage import version

CONF = cfg.CONF
LOG = logging.getLogger(__name__)


def prepare_service(argv=None, conf=CONF, default_config_files=None):
    logging.register_options(conf)
    opts.set_lib_defaults()
    conf(argv or [], project='mcimage',
         version=version.version_string(),
         default_config_files=default_config_files)
    logging.setup(conf, 'mcimage')
    os.makedirs(conf.state_path, mode=0o750, exist_ok=True)
    return conf
