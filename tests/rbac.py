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

"""The RBAC matrix (tests/rbac.yaml), expanded into one case per request.

Shared by the unit suite (FakeGlance) and the functional suite (a real
Glance): both seed the image a case describes, send the case's request and
compare the status, so the two suites hold mcimage to the same table.
"""

import collections
import json
import os

import yaml

MATRIX_FILE = os.path.join(os.path.dirname(os.path.abspath(__file__)),
                           'rbac.yaml')

_CASE_KEYS = frozenset(['status', 'listed', 'functional'])
_EXTRA_KEYS = _CASE_KEYS | frozenset(['route', 'persona', 'visibility',
                                      'tenant'])
_ROUTE_KEYS = frozenset(['method', 'path', 'body', 'content_type', 'image',
                         'image_status'])

Request = collections.namedtuple('Request',
                                 ['method', 'path', 'headers', 'body'])


def _fill(value, names):
    """``value`` (a string, list or dict) with its {placeholders} filled."""
    if isinstance(value, str):
        return value.format(**names)
    if isinstance(value, list):
        return [_fill(v, names) for v in value]
    if isinstance(value, dict):
        return {k: _fill(v, names) for k, v in value.items()}
    return value


class Case(object):
    """One request of the matrix and the status it must get.

    ``__name__`` names the test (ddt uses it): route__persona__visibility,
    plus __as_<tenant> when the path names a tenant that is not the
    persona's own.
    """

    def __init__(self, matrix, route, persona, visibility, expect,
                 tenant=None):
        if route not in matrix.routes:
            raise ValueError('unknown route %r' % route)
        if persona not in matrix.personas:
            raise ValueError('unknown persona %r' % persona)
        if visibility not in matrix.visibilities:
            raise ValueError('unknown visibility %r' % visibility)
        if isinstance(expect, int):
            expect = {'status': expect}
        unknown = set(expect) - _CASE_KEYS
        if unknown or not isinstance(expect.get('status'), int):
            raise ValueError('%s/%s/%s: bad expectation %r' % (
                route, persona, visibility, expect))
        self.route = route
        self.persona = persona
        self.visibility = visibility
        self.spec = matrix.routes[route]
        persona_spec = matrix.personas[persona]
        self.project = persona_spec['project']
        self.roles = persona_spec['roles']
        self.tenant = tenant or persona_spec['tenant']
        if tenant is not None and tenant not in matrix.projects:
            raise ValueError('unknown tenant %r' % tenant)
        self.status = expect['status']
        self.listed = expect.get('listed')
        self.functional = bool(expect.get('functional', False))
        seed = matrix.visibilities[visibility]
        # What the seeded image is in Glance.
        self.image_visibility = seed['visibility']
        self.image_members = dict(seed.get('members') or {})
        self.image_status = self.spec.get('image_status', 'active')
        self.needs_image = self.spec.get('image', True)
        self.image = matrix.image
        name = '%s__%s__%s' % (route, persona, visibility)
        if self.tenant != persona_spec['tenant']:
            name += '__as_%s' % self.tenant
        self.__name__ = name

    def __repr__(self):
        return '<Case %s: %d>' % (self.__name__, self.status)

    def request(self, vim_id, image_id, projects):
        """The Request to send; ``projects`` maps project keys to ids."""
        names = dict(projects, image_id=image_id or 'no-image',
                     visibility=self.image_visibility)
        path = '/v1/%s/%s%s' % (vim_id, projects[self.tenant],
                                _fill(self.spec['path'], names))
        headers = {'X-Project-Id': projects[self.project],
                   'X-User-Id': '%s-user' % self.persona,
                   'X-Roles': self.roles}
        body = None
        if 'body' in self.spec:
            body = json.dumps(_fill(self.spec['body'], names)).encode()
            headers['Content-Type'] = self.spec.get('content_type',
                                                    'application/json')
        return Request(self.spec['method'], path, headers, body)


class Matrix(object):

    def __init__(self, document):
        self.projects = document['projects']
        self.personas = document['personas']
        self.visibilities = document['visibilities']
        self.image = document['image']
        self.routes = document['routes']
        for name, spec in self.routes.items():
            unknown = set(spec) - _ROUTE_KEYS
            if unknown:
                raise ValueError('route %s: unknown keys %s' % (
                    name, sorted(unknown)))
        for name, spec in self.personas.items():
            for key in ('project', 'tenant'):
                if spec[key] not in self.projects:
                    raise ValueError('persona %s: unknown %s %r' % (
                        name, key, spec[key]))
        self.cases = []
        self._grid(document['cases'])
        for extra in document.get('extra') or []:
            unknown = set(extra) - _EXTRA_KEYS
            if unknown:
                raise ValueError('extra case %r: unknown keys %s' % (
                    extra, sorted(unknown)))
            expect = {k: v for k, v in extra.items() if k in _CASE_KEYS}
            self.cases.append(Case(self, extra['route'], extra['persona'],
                                   extra['visibility'], expect,
                                   tenant=extra.get('tenant')))
        names = [case.__name__ for case in self.cases]
        duplicates = sorted(n for n, count in
                            collections.Counter(names).items() if count > 1)
        if duplicates:
            raise ValueError('cases given twice: %s' % duplicates)

    def _grid(self, table):
        """Every route x persona x visibility, each exactly once."""
        if set(table) != set(self.routes):
            raise ValueError('routes without cases: %s; cases without a '
                             'route: %s' % (
                                 sorted(set(self.routes) - set(table)),
                                 sorted(set(table) - set(self.routes))))
        for route, by_persona in table.items():
            if set(by_persona) != set(self.personas):
                raise ValueError('route %s: personas %s, expected %s' % (
                    route, sorted(by_persona), sorted(self.personas)))
            for persona, by_visibility in by_persona.items():
                if set(by_visibility) != set(self.visibilities):
                    raise ValueError(
                        'route %s, persona %s: visibilities %s, expected '
                        '%s' % (route, persona, sorted(by_visibility),
                                sorted(self.visibilities)))
                for visibility, expect in by_visibility.items():
                    self.cases.append(Case(self, route, persona, visibility,
                                           expect))

    @property
    def grid_size(self):
        return len(self.routes) * len(self.personas) * len(
            self.visibilities)


def load(path=MATRIX_FILE):
    with open(path) as f:
        return Matrix(yaml.safe_load(f))


def cases(functional_only=False, path=MATRIX_FILE):
    """The matrix's cases (only those marked functional, if asked)."""
    return [case for case in load(path).cases
            if case.functional or not functional_only]


def check_404(test, case, error, image_id):
    """A 404 of the matrix is a concealed image, or a missing membership."""
    if case.status != 404:
        return
    if case.route.startswith('member_') and error['code'] == (
            'mcimage.not_found'):
        # The image is visible; the membership is what is missing.
        test.assertIn('is not a member of image %s' % image_id,
                      error['detail'])
    else:
        # Concealed: the same answer as for no image at all.
        test.assertEqual('mcimage.image_not_found', error['code'])
        test.assertIn(image_id, error['detail'])
