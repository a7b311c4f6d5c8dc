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

import itertools

from mcimage.common.policies import base
from mcimage.common.policies import images
from mcimage.common.policies import members
from mcimage.common.policies import metadefs
from mcimage.common.policies import tasks
from mcimage.common.policies import uploads
from mcimage.common.policies import vims


def list_rules():
    return itertools.chain(
        base.list_rules(),
        images.list_rules(),
        members.list_rules(),
        metadefs.list_rules(),
        tasks.list_rules(),
        uploads.list_rules(),
        vims.list_rules(),
    )
