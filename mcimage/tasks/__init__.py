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

"""Import tasks: asynchronous copies of an image into many VIMs."""

from oslo_utils import importutils


def load_engine():
    """mcimage.tasks.engine, imported at the first use of a process.

    The engine brings taskflow, its graph library and its persistence's
    migrations: about 20 MiB that an API process serving no task has no
    use for (doc/source/contributor/tasks.rst).
    """
    return importutils.import_module('mcimage.tasks.engine')
