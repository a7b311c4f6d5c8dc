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

# mcimage API reference build configuration (os-api-ref).
#
# The samples in samples/ were recorded from a live mcimage in front of real
# Glance servers, and are checked against one by
# tests/functional/test_api_ref_samples.py.

extensions = [
    'os_api_ref',
    'openstackdocstheme',
]

html_theme = 'openstackdocs'
html_theme_options = {
    'sidebar_dropdown': 'api_ref',
    'sidebar_mode': 'toc',
}

openstackdocs_repo_name = 'openstack/mcimage'
openstackdocs_bug_project = 'mcimage'
openstackdocs_bug_tag = 'api-ref'
openstackdocs_auto_name = False

# The microversions of the API (mcimage.api.versions).
os_api_ref_min_microversion = '1.0'
os_api_ref_max_microversion = '1.0'

source_suffix = '.rst'
master_doc = 'index'
project = 'mcimage API Reference'
copyright = '2026, mcimage developers'
add_module_names = False
show_authors = False
pygments_style = 'native'
htmlhelp_basename = 'mcimageapirefdoc'
