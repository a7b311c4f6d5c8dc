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

from oslo_config import cfg

from mcimage.conf import api
from mcimage.conf import default
from mcimage.conf import service_user
from mcimage.conf import staging
from mcimage.conf import tasks
from mcimage.conf import upload
from mcimage.conf import vims

CONF = cfg.CONF

api.register_opts(CONF)
default.register_opts(CONF)
service_user.register_opts(CONF)
staging.register_opts(CONF)
tasks.register_opts(CONF)
upload.register_opts(CONF)
vims.register_opts(CONF)
