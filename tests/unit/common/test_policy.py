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

"""The rules in code and mcimage.common.policy.authorize()."""

import os
import time

import fixtures
from oslo_policy import policy as oslo_policy

from mcimage.common import context
from mcimage.common import exception
from mcimage.common import policies
from mcimage.common import policy
from mcimage.images import access
from tests import base


def ctx(project='p1', roles=('member', 'reader'), **kwargs):
    return context.RequestContext(user_id='u-%s' % project,
                                  project_id=project, roles=list(roles),
                                  **kwargs)


def image(owner='p1', visibility='private'):
    return {'id': 'img', 'owner': owner, 'visibility': visibility,
            'protected': False}


class TestRules(base.TestCase):

    def test_rules_in_code(self):
        rules = [r for r in policies.list_rules()
                 if r.name.startswith('mcimage:')]
        names = {r.name for r in rules}
        for expected in ('mcimage:image:get', 'mcimage:image:upload',
                         'mcimage:image:download',
                         'mcimage:image:publicize',
                         'mcimage:image:communitize',
                         'mcimage:vim:get_all', 'mcimage:vim:get'):
            self.assertIn(expected, names)
        self.assertEqual(len(rules), len(names))
        for rule in rules:
            self.assertIsInstance(rule, oslo_policy.DocumentedRuleDefault,
                                  rule.name)
            self.assertEqual(['project'], rule.scope_types, rule.name)
            self.assertTrue(rule.description, rule.name)
            self.assertTrue(rule.operations, rule.name)
            for operation in rule.operations:
                self.assertTrue(
                    operation['path'].startswith(('/v1/', '/glance/')),
                    rule.name)
                self.assertIn(operation['method'],
                              ('GET', 'HEAD', 'POST', 'PUT', 'PATCH',
                               'DELETE'))

    def test_base_rules_referenced_exist(self):
        names = {r.name for r in policies.list_rules()}
        for rule in policies.list_rules():
            words = rule.check_str.replace('(', ' ').replace(')', ' ')
            for word in words.split():
                if word.startswith('rule:'):
                    self.assertIn(word[len('rule:'):], names, rule.name)

    def test_enforcer_registers_every_rule(self):
        enforcer = policy.init()
        self.assertEqual({r.name for r in policies.list_rules()},
                         set(enforcer.registered_rules))


class TestAuthorize(base.TestCase):

    def allowed(self, context, rule, target):
        try:
            policy.authorize(context, rule, target)
        except exception.Forbidden:
            return False
        return True

    def test_upload(self):
        rule = 'mcimage:image:upload'
        target = access.image_target('p1')
        self.assertTrue(self.allowed(ctx(), rule, target))
        self.assertFalse(self.allowed(ctx(roles=['reader']), rule, target))
        self.assertFalse(self.allowed(ctx('p2'), rule, target))
        self.assertFalse(self.allowed(ctx(roles=[]), rule, target))
        self.assertTrue(self.allowed(ctx('p2', roles=['admin']), rule,
                                     target))

    def test_forbidden_names_the_rule(self):
        e = self.assertRaises(exception.Forbidden, policy.authorize,
                              ctx('p2'), 'mcimage:image:upload',
                              access.image_target('p1'))
        self.assertEqual(403, e.code)
        self.assertIn('mcimage:image:upload', str(e))

    def test_publicize_admin_only(self):
        rule = 'mcimage:image:publicize'
        target = access.image_target('p1')
        self.assertFalse(self.allowed(ctx(), rule, target))
        self.assertTrue(self.allowed(ctx(roles=['admin']), rule, target))

    def test_communitize_owner_member(self):
        rule = 'mcimage:image:communitize'
        target = access.image_target('p1')
        self.assertTrue(self.allowed(ctx(), rule, target))
        self.assertFalse(self.allowed(ctx(roles=['reader']), rule, target))
        self.assertFalse(self.allowed(ctx('p2'), rule, target))

    def test_get_visibility(self):
        rule = 'mcimage:image:get'
        for visibility, member_status, reader_may in (
                ('private', None, False),
                ('shared', None, False),
                ('shared', 'pending', True),
                ('shared', 'rejected', True),
                ('shared', 'accepted', True),
                ('public', None, True),
                ('community', None, True)):
            target = access.image_target(
                'p1', image('p2', visibility), member_status)
            for roles in (['reader'], ['member', 'reader']):
                self.assertEqual(
                    reader_may, self.allowed(ctx(roles=roles), rule, target),
                    (visibility, member_status, roles))
            self.assertTrue(self.allowed(ctx(roles=['admin']), rule,
                                         target))
            # Its owner sees it, whatever its visibility.
            own = access.image_target('p2', image('p2', visibility))
            self.assertTrue(self.allowed(ctx('p2', roles=['reader']), rule,
                                         own))

    def test_get_needs_the_path_tenant(self):
        # A public image, asked for on another project's path.
        target = access.image_target('p2', image('p2', 'public'))
        self.assertFalse(self.allowed(ctx(), 'mcimage:image:get', target))

    def test_conceal(self):
        target = access.image_target('p1', image('p2', 'private'))
        missing = exception.ImageNotFound(vim_id='v', image_id='img')
        e = self.assertRaises(exception.ImageNotFound, policy.authorize,
                              ctx(), 'mcimage:image:download', target,
                              conceal=missing)
        self.assertIs(missing, e)
        # Allowed: conceal plays no part.
        policy.authorize(ctx(roles=['admin']), 'mcimage:image:download',
                         target, conceal=missing)

    def test_vims(self):
        for rule in ('mcimage:vim:get_all', 'mcimage:vim:get'):
            self.assertTrue(self.allowed(ctx(roles=['reader']), rule, {}))
            self.assertTrue(self.allowed(ctx(roles=['admin']), rule, {}))
            self.assertFalse(self.allowed(ctx(roles=[]), rule, {}))
            self.assertFalse(self.allowed(ctx(roles=['observer']), rule,
                                          {}))

    def test_act_in_any_tenant(self):
        rule = 'mcimage:vim:act_in_any_tenant'
        target = {'vim_id': 'v', 'tenant_id': 'k2-p1'}
        for roles in (['admin'], ['service'], ['service', 'member']):
            self.assertTrue(self.allowed(ctx(roles=roles), rule, target),
                            roles)
        for roles in (['member', 'reader'], ['reader'], []):
            self.assertFalse(self.allowed(ctx(roles=roles), rule, target),
                             roles)

    def test_acting_as_another_project(self):
        caller = ctx(roles=['member', 'reader'], project_name='p1-name')
        acting = caller.acting_as('k2-p1', ('v', 'k2-p1'))
        self.assertEqual('k2-p1', acting.to_policy_values()['project_id'])
        self.assertEqual('p1', caller.to_policy_values()['project_id'])
        # What is recorded stays the caller's.
        self.assertEqual(('p1', 'p1-name', 'u-p1'),
                         (acting.project_id, acting.project_name,
                          acting.user_id))
        self.assertIs(caller, acting.caller())
        self.assertIs(caller, acting.acting_as('k2-p2', None).caller())
        for rule in ('mcimage:image:upload', 'mcimage:image:get'):
            self.assertTrue(self.allowed(
                acting, rule, access.image_target('k2-p1', image('k2-p1'))))
            self.assertFalse(self.allowed(
                caller, rule, access.image_target('k2-p1', image('k2-p1'))))

    def test_other_scopes_forbidden(self):
        # Every rule is project-scoped: a system- or domain-scoped token is
        # refused as any other caller is (403, or the concealing 404),
        # never with oslo.policy's own exception (a 500).
        target = access.image_target('p1')
        for caller in (ctx(roles=['admin'], system_scope='all'),
                       ctx(roles=['admin'], domain_id='default')):
            self.assertFalse(self.allowed(caller, 'mcimage:image:upload',
                                          target))
            self.assertFalse(self.allowed(caller, 'mcimage:vim:get_all',
                                          {}))
            missing = exception.ImageNotFound(vim_id='v', image_id='img')
            self.assertRaises(exception.ImageNotFound, policy.authorize,
                              caller, 'mcimage:image:get', target,
                              conceal=missing)

    def test_unregistered_rule_is_a_programming_error(self):
        self.assertRaises(oslo_policy.PolicyNotRegistered, policy.authorize,
                          ctx(roles=['admin']), 'mcimage:nothing', {})

    def test_check(self):
        target = access.image_target('p1')
        self.assertTrue(policy.check(ctx(), 'mcimage:image:upload', target))
        self.assertFalse(policy.check(ctx(roles=['reader']),
                                      'mcimage:image:upload', target))

    def test_policy_file_overrides(self):
        path = self.state_path + '/policy.yaml'
        with open(path, 'w') as f:
            f.write('"mcimage:image:upload": "role:admin"\n')
        self.config(policy_file=path, group='oslo_policy')
        policy.reset()
        self.assertFalse(self.allowed(ctx(), 'mcimage:image:upload',
                                      access.image_target('p1')))
        self.assertTrue(self.allowed(ctx(roles=['admin']),
                                     'mcimage:image:upload',
                                     access.image_target('p1')))


class TestDecisionsRemembered(base.TestCase):
    """Within one request (one context) a decision is made once."""

    def setUp(self):
        super().setUp()
        self.enforcer = policy.init()
        self.calls = []
        real = self.enforcer.authorize

        def counting(rule, target, creds, *args, **kwargs):
            self.calls.append(rule)
            return real(rule, target, creds, *args, **kwargs)

        self.useFixture(fixtures.MockPatchObject(
            self.enforcer, 'authorize', side_effect=counting))

    def test_grant_remembered_per_context(self):
        caller = ctx()
        target = access.image_target('p1')
        for _i in range(3):
            policy.authorize(caller, 'mcimage:image:get_all', target)
            self.assertTrue(policy.check(caller, 'mcimage:image:get_all',
                                         target))
        self.assertEqual(['mcimage:image:get_all'], self.calls)
        # Another request of the same credentials: the same answer.
        policy.authorize(ctx(), 'mcimage:image:get_all', target)
        self.assertEqual(1, len(self.calls))
        # Other credentials are decided afresh.
        policy.authorize(ctx(roles=['reader']), 'mcimage:image:get_all',
                         target)
        self.assertEqual(2, len(self.calls))

    def test_per_rule_and_target(self):
        caller = ctx()
        policy.check(caller, 'mcimage:image:get',
                     access.image_target('p1', image('p1')))
        policy.check(caller, 'mcimage:image:get',
                     access.image_target('p1', image('p2')))
        policy.check(caller, 'mcimage:image:get_all',
                     access.image_target('p1'))
        self.assertEqual(3, len(self.calls))
        self.assertFalse(policy.check(
            caller, 'mcimage:image:get',
            access.image_target('p1', image('p2', 'private'))))
        self.assertEqual(3, len(self.calls))

    def test_refusal_raises_every_time(self):
        caller = ctx('p2')
        target = access.image_target('p1')
        for _i in range(2):
            self.assertRaises(exception.Forbidden, policy.authorize, caller,
                              'mcimage:image:upload', target)
        self.assertFalse(policy.check(caller, 'mcimage:image:upload',
                                      target))
        missing = exception.ImageNotFound(vim_id='v', image_id='img')
        self.assertRaises(exception.ImageNotFound, policy.authorize, caller,
                          'mcimage:image:upload', target, conceal=missing)

    def test_changed_credentials_decided_again(self):
        caller = ctx(roles=['reader'])
        target = access.image_target('p1')
        self.assertFalse(policy.check(caller, 'mcimage:image:upload',
                                      target))
        caller.roles = ['member', 'reader']
        self.assertTrue(policy.check(caller, 'mcimage:image:upload',
                                     target))
        self.assertEqual(2, len(self.calls))

    def test_acting_as_another_project_decided_apart(self):
        # One request: the caller (p1) and the copy acting as k2-p1 share
        # what was decided, each under its own credentials.
        caller = ctx()
        acting = caller.acting_as('k2-p1', ('vim', 'k2-p1'))
        self.assertIs(caller.policy_decisions, acting.policy_decisions)
        target = access.image_target('k2-p1')
        policy.authorize(acting, 'mcimage:image:upload', target)
        self.assertRaises(exception.Forbidden, policy.authorize, caller,
                          'mcimage:image:upload', target)
        self.assertFalse(policy.check(
            acting, 'mcimage:image:upload', access.image_target('p1')))
        self.assertTrue(policy.check(
            caller, 'mcimage:image:upload', access.image_target('p1')))
        self.assertEqual(4, len(self.calls))

    def test_unhashable_target_not_remembered(self):
        caller = ctx()
        target = dict(access.image_target('p1'), tags=['a'])
        for _i in range(2):
            policy.authorize(caller, 'mcimage:image:get_all', target)
        self.assertEqual(2, len(self.calls))


class TestRulesReadOncePerRequest(base.TestCase):
    """The policy files are looked at by a request's first enforcement."""

    def setUp(self):
        super().setUp()
        self.path = self.state_path + '/policy.yaml'
        self.write_rules('"mcimage:image:upload": "role:admin"\n')
        self.config(policy_file=self.path, group='oslo_policy')
        self.reads = []
        real = oslo_policy.Enforcer.load_rules

        def counting(enforcer, force_reload=False):
            self.reads.append(force_reload)
            return real(enforcer, force_reload)

        self.useFixture(fixtures.MockPatchObject(
            oslo_policy.Enforcer, 'load_rules', autospec=True,
            side_effect=counting))

    def write_rules(self, text, mtime=None):
        with open(self.path, 'w') as f:
            f.write(text)
        if mtime is not None:
            # oslo.policy rereads a file whose mtime changed.
            os.utime(self.path, (mtime, mtime))

    def test_once_per_context(self):
        admin = ctx(roles=['admin', 'member', 'reader'])
        member = ctx()
        for caller in (admin, member):
            policy.check(caller, 'mcimage:image:upload',
                         access.image_target('p1'))
            policy.check(caller, 'mcimage:image:get',
                         access.image_target('p1', image('p1', 'shared')))
            policy.check(caller, 'mcimage:image:get',
                         access.image_target('p1', image('p1', 'public')))
        # A refusal is not remembered: enforced again, on the same rules.
        for _i in range(2):
            self.assertRaises(exception.Forbidden, policy.authorize,
                              member, 'mcimage:image:delete',
                              access.image_target('p1', image('p2')))
        self.assertEqual(2, len(self.reads))

    def test_acting_copy_shares_the_read(self):
        caller = ctx()
        policy.check(caller, 'mcimage:image:get_all',
                     access.image_target('p1'))
        acting = caller.acting_as('k2-p1', ('vim', 'k2-p1'))
        policy.check(acting, 'mcimage:image:get_all',
                     access.image_target('k2-p1'))
        self.assertEqual(1, len(self.reads))

    def test_changed_file_applies_to_the_next_request(self):
        target = access.image_target('p1')
        first = ctx()
        self.assertFalse(policy.check(first, 'mcimage:image:upload', target))
        self.write_rules('"mcimage:image:upload": "role:member"\n',
                         mtime=os.stat(self.path).st_mtime + 10)
        # The same request keeps the rules it read.
        self.assertFalse(policy.check(
            first, 'mcimage:image:upload', access.image_target('p1', {
                'owner': 'p1', 'visibility': 'shared'})))
        self.assertTrue(policy.check(ctx(), 'mcimage:image:upload', target))

    def test_new_enforcer_reads_its_rules(self):
        caller = ctx(roles=['admin'])
        self.assertTrue(policy.check(caller, 'mcimage:image:upload',
                                     access.image_target('p1')))
        policy.reset()
        self.assertTrue(policy.check(caller, 'mcimage:image:upload',
                                     access.image_target('p2')))
        self.assertEqual(2, len(self.reads))

    def test_not_a_request_context_reads_every_time(self):
        creds = {'roles': ['admin'], 'project_id': 'p1'}
        for _i in range(2):
            policy.check(creds, 'mcimage:image:upload',
                         access.image_target('p1'))
        self.assertEqual(2, len(self.reads))

    def test_forced_reload_still_reads(self):
        caller = ctx()
        policy.check(caller, 'mcimage:image:get_all',
                     access.image_target('p1'))
        policy.check_policy_file()
        self.assertEqual([False, True], self.reads)


class TestDecisionsShared(base.TestCase):
    """Across requests, a decision stands while the rules stay the same."""

    def setUp(self):
        super().setUp()
        self.path = self.state_path + '/policy.yaml'
        self.dirs = self.state_path + '/policy.d'
        os.mkdir(self.dirs)
        self.mtime = time.time()
        self.write(self.path, '"mcimage:image:upload": "role:member"\n')
        self.config(policy_file=self.path, policy_dirs=[self.dirs],
                    group='oslo_policy')
        self.calls = []
        enforcer = policy.init()
        real = enforcer.authorize

        def counting(rule, target, creds, *args, **kwargs):
            self.calls.append(rule)
            return real(rule, target, creds, *args, **kwargs)

        self.useFixture(fixtures.MockPatchObject(
            enforcer, 'authorize', side_effect=counting))

    def write(self, path, text):
        with open(path, 'w') as f:
            f.write(text)
        # oslo.policy rereads what has a newer mtime.
        self.mtime += 10
        os.utime(path, (self.mtime, self.mtime))

    def upload(self, **kwargs):
        return policy.check(ctx(**kwargs), 'mcimage:image:upload',
                            access.image_target('p1'))

    def test_shared_by_requests(self):
        for _i in range(3):
            self.assertTrue(self.upload())
            self.assertFalse(self.upload(roles=['reader']))
        self.assertEqual(2, len(self.calls))

    def test_changed_policy_file_forgets(self):
        self.assertTrue(self.upload())
        self.write(self.path, '"mcimage:image:upload": "role:admin"\n')
        self.assertFalse(self.upload())
        self.write(self.path, '"mcimage:image:upload": "role:member"\n')
        self.assertTrue(self.upload())
        self.assertEqual(3, len(self.calls))

    def test_changed_policy_dir_forgets(self):
        self.assertTrue(self.upload())
        self.write(self.dirs + '/upload.yaml',
                   '"mcimage:image:upload": "role:admin"\n')
        os.utime(self.dirs, (self.mtime, self.mtime))
        self.assertFalse(self.upload())
        self.assertEqual(2, len(self.calls))

    def test_changed_referenced_rule_forgets(self):
        target = access.image_target('p1', image('p1', 'public'))
        self.assertTrue(policy.check(ctx(), 'mcimage:image:get', target))
        self.write(self.path, '"image_visible": "!"\n')
        self.assertFalse(policy.check(ctx(), 'mcimage:image:get', target))
        self.assertEqual(2, len(self.calls))

    def test_new_enforcer_forgets(self):
        self.assertTrue(self.upload())
        policy.reset()
        self.config(policy_file='absent.yaml', policy_dirs=[],
                    group='oslo_policy')
        # The rule in code: a member of the owner.
        self.assertTrue(policy.check(
            ctx(), 'mcimage:image:upload', access.image_target('p1')))
        self.assertFalse(policy.check(
            ctx(), 'mcimage:image:upload', access.image_target('p2')))
        self.assertEqual(1, len(self.calls))

    def test_rules_asking_elsewhere_never_shared(self):
        self.write(self.path, '"mcimage:image:upload": "role:member"\n'
                              '"unused": "http://127.0.0.1:9/%(name)s"\n')
        for _i in range(2):
            self.assertTrue(self.upload())
        self.assertEqual(2, len(self.calls))
        # Within a request it is still decided once.
        caller = ctx()
        for _i in range(2):
            policy.check(caller, 'mcimage:image:upload',
                         access.image_target('p1'))
        self.assertEqual(3, len(self.calls))

    def test_refusal_by_authorize_never_remembered(self):
        for _i in range(2):
            self.assertRaises(exception.Forbidden, policy.authorize,
                              ctx(roles=['reader']), 'mcimage:image:upload',
                              access.image_target('p1'))
        self.assertEqual(2, len(self.calls))

    def test_bounded(self):
        self.useFixture(fixtures.MockPatchObject(
            policy._SHARED, '_size', 2))
        for project in ('p1', 'p2', 'p3', 'p1'):
            policy.check(ctx(project), 'mcimage:image:get_all',
                         access.image_target(project))
        # p1 was the least recently used when p3 came.
        self.assertEqual(4, len(self.calls))
        policy.check(ctx('p3'), 'mcimage:image:get_all',
                     access.image_target('p3'))
        self.assertEqual(4, len(self.calls))

    def test_decided_on_replaced_rules_not_kept(self):
        caller = ctx()
        target = access.image_target('p1')
        self.assertTrue(policy.check(caller, 'mcimage:image:get_all',
                                     target))
        # Another request reads changed rules while this one runs on.
        self.write(self.path, '"mcimage:image:upload": "role:admin"\n')
        self.assertFalse(self.upload())
        self.assertTrue(policy.check(caller, 'mcimage:image:create',
                                     target))
        # Decided in a request that read the rules replaced since: not
        # shared, decided again.
        self.assertTrue(policy.check(ctx(), 'mcimage:image:create', target))
        self.assertEqual(4, len(self.calls))
