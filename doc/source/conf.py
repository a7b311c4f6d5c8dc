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

# mcimage documentation build configuration.
#
# The configuration and policy references are generated from the code: the
# options of the oslo.config.opts entry points and the rules of
# oslo.policy.policies, with the generator files of etc/mcimage/.

extensions = [
    'openstackdocstheme',
    'oslo_config.sphinxext',
    'oslo_config.sphinxconfiggen',
    'oslo_policy.sphinxext',
    'oslo_policy.sphinxpolicygen',
]

# oslo_config.sphinxconfiggen: _static/mcimage.conf.sample
config_generator_config_file = (
    '../../etc/mcimage/mcimage-config-generator.conf')
sample_config_basename = '_static/mcimage'

# oslo_policy.sphinxpolicygen: _static/mcimage.policy.yaml.sample
policy_generator_config_file = (
    '../../etc/mcimage/mcimage-policy-generator.conf')
sample_policy_basename = '_static/mcimage'

openstackdocs_repo_name = 'openstack/mcimage'
openstackdocs_bug_project = 'mcimage'
openstackdocs_bug_tag = 'doc'
openstackdocs_auto_name = False

templates_path = []
source_suffix = '.rst'
master_doc = 'index'
project = 'mcimage'
copyright = '2026, mcimage developers'
exclude_patterns = []
add_module_names = True
pygments_style = 'native'
html_theme = 'openstackdocs'
htmlhelp_basename = 'mcimagedoc'
