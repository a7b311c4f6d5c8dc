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

"""The policy enforcer; enforced whatever [DEFAULT] auth_strategy says."""

import collections
import contextvars
import threading

from oslo_config import cfg
from oslo_log import log as logging
from oslo_policy import policy

from mcimage.common import exception
from mcimage.common import policies

LOG = logging.getLogger(__name__)

_ENFORCER = None
_LOCK = threading.Lock()
# True while a request's enforcement runs on rules already read for it.
_RULES_READ = contextvars.ContextVar('mcimage_policy_rules_read',
                                     default=False)


class _Enforcer(policy.Enforcer):
    """Reads the policy files once per request, not once per rule.

    oslo.policy looks at the policy file and policy.d (a stat of each
    place they may be, a read if changed) before every enforcement, a
    good part of its cost; an image list enforces four rules or more. The
    rules read at a request's first enforcement serve the rest of it
    (_enforce); the next request looks again, so a changed policy file
    still applies from the next request on.
    """

    def load_rules(self, force_reload=False):
        if force_reload or not _RULES_READ.get():
            super().load_rules(force_reload)


def init(conf=cfg.CONF):
    global _ENFORCER
    with _LOCK:
        if _ENFORCER is None:
            enforcer = _Enforcer(conf)
            enforcer.register_defaults(policies.list_rules())
            _ENFORCER = enforcer
    return _ENFORCER


def reset():
    global _ENFORCER
    _SHARED.clear()
    with _LOCK:
        if _ENFORCER is not None:
            _ENFORCER.clear()
        _ENFORCER = None


def get_enforcer():
    """The enforcer for oslopolicy-* tools (oslo.policy.enforcer)."""
    cfg.CONF([], project='mcimage')
    return init()


def _decision_key(context, rule, target):
    """What a decision depends on besides the rules, or None if unhashable.

    The caller's credentials are part of it, so a context whose roles or
    scope change is asked again.
    """
    if getattr(context, 'policy_decisions', None) is None:
        return None
    try:
        creds = tuple(sorted(
            (k, tuple(v) if isinstance(v, list) else v)
            for k, v in context.to_policy_values().items()))
        key = (rule, tuple(sorted(target.items())), creds)
        hash(key)
    except TypeError:
        return None
    return key


def _check_kinds():
    """The check classes whose answer depends on nothing but their input.

    true, false, not, and, or, rule:, role: and generic checks read the
    target, the credentials and the rules only; http: checks, or checks
    of a plugin, may ask elsewhere. Found by parsing, since oslo.policy
    does not export them all by name.
    """
    kinds = set()
    pending = [policy.RuleDefault('sample', check_str).check for check_str in
               ('@', '!', 'not role:a', '(rule:a and role:b) or x:%(y)s')]
    while pending:
        check = pending.pop()
        kinds.add(type(check))
        pending.extend(getattr(check, 'rules', ()))
        if isinstance(check, policy.NotCheck):
            pending.append(check.rule)
    return frozenset(kinds)


_CHECK_KINDS = _check_kinds()


def _only_own_input(rules):
    """Whether every check of ``rules`` is of _CHECK_KINDS."""
    pending = list(rules.values())
    while pending:
        check = pending.pop()
        if type(check) not in _CHECK_KINDS:
            return False
        pending.extend(getattr(check, 'rules', ()))
        if isinstance(check, policy.NotCheck):
            pending.append(check.rule)
    return True


class _Generation(object):
    """The rules an enforcer holds at one moment, as the objects they are.

    oslo.policy replaces a rule's check object whenever it reads a policy
    file anew, and the Rules mapping itself when the policy file changed.
    """

    def __init__(self, enforcer):
        self.enforcer = enforcer
        self.rules = enforcer.rules
        self.names = tuple(self.rules)
        self.checks = tuple(self.rules.values())

    def same(self, other):
        return (other is not None
                and self.enforcer is other.enforcer
                and self.rules is other.rules
                and self.names == other.names
                and len(self.checks) == len(other.checks)
                and all(a is b for a, b in zip(self.checks, other.checks)))


# Decisions shared by the requests of this process, at most this many.
MAX_SHARED_DECISIONS = 1024


class _SharedDecisions(object):
    """Decisions remembered across requests while the rules stay the same.

    With the rule, the target and the caller's credentials in the key, an
    answer can only change with the rules; the rules are looked at once
    per request (_read_rules) and a change forgets every decision. Rules
    with a check that may ask elsewhere (http:) are never remembered
    across requests.
    """

    def __init__(self, size=MAX_SHARED_DECISIONS):
        self._lock = threading.Lock()
        self._size = size
        self._current = None
        self._usable = False
        self._decided = collections.OrderedDict()

    def generation(self, enforcer):
        """The enforcer's rules now, the same object while unchanged."""
        now = _Generation(enforcer)
        with self._lock:
            if now.same(self._current):
                return self._current
            self._current = now
            self._usable = _only_own_input(now.rules)
            self._decided.clear()
            return now

    def get(self, generation, key):
        with self._lock:
            if generation is not self._current or not self._usable:
                return None
            allowed = self._decided.get(key)
            if allowed is not None:
                self._decided.move_to_end(key)
            return allowed

    def put(self, generation, key, allowed):
        with self._lock:
            # Decided on rules replaced since: never kept.
            if generation is not self._current or not self._usable:
                return
            self._decided[key] = allowed
            self._decided.move_to_end(key)
            while len(self._decided) > self._size:
                self._decided.popitem(last=False)

    def clear(self):
        with self._lock:
            self._current = None
            self._decided.clear()


_SHARED = _SharedDecisions()


def _read_rules(enforcer, decisions):
    """Read the policy files at the request's first use of ``enforcer``."""
    if decisions.enforcer is not enforcer:
        enforcer.load_rules()
        decisions.enforcer = enforcer
        decisions.generation = _SHARED.generation(enforcer)


def _remembered(context, key):
    if key is None:
        return None
    decisions = context.policy_decisions
    allowed = decisions.get(key)
    if allowed is None:
        _read_rules(init(), decisions)
        allowed = _SHARED.get(decisions.generation, key)
        if allowed is not None:
            decisions[key] = allowed
    return allowed


def _remember(context, key, allowed):
    if key is not None:
        decisions = context.policy_decisions
        decisions[key] = allowed
        _SHARED.put(decisions.generation, key, allowed)


def _enforce(context, rule, target, **kwargs):
    """The enforcer's authorize(), on the rules read for this request."""
    enforcer = init()
    decisions = getattr(context, 'policy_decisions', None)
    if decisions is None:
        return enforcer.authorize(rule, target, context, **kwargs)
    _read_rules(enforcer, decisions)
    token = _RULES_READ.set(True)
    try:
        return enforcer.authorize(rule, target, context, **kwargs)
    finally:
        _RULES_READ.reset(token)


def authorize(context, rule, target, conceal=False, **kwargs):
    """Enforce ``rule``; raise Forbidden, or ``conceal``'s NotFound.

    ``conceal`` is the exception to raise instead of Forbidden when the
    caller may not even know the resource exists (a private image). A
    grant is remembered (for the rest of the request, and for the
    process's next requests of the same credentials while the rules stay
    the same); a refusal is enforced again, so it raises as it always
    does.
    """
    key = _decision_key(context, rule, target)
    if _remembered(context, key):
        return True
    try:
        result = _enforce(context, rule, target, do_raise=True,
                          exc=exception.Forbidden, action=rule)
    except policy.InvalidScope:
        # A system- or domain-scoped token on a project-scoped rule: a
        # refusal like any other, never a 500.
        LOG.debug('Policy %(rule)s refused the scope of the token',
                  {'rule': rule})
        if conceal is not False:
            raise conceal
        raise exception.Forbidden(action=rule)
    except exception.Forbidden:
        LOG.debug('Policy %(rule)s refused %(target)s',
                  {'rule': rule, 'target': target})
        if conceal is not False:
            raise conceal
        raise
    _remember(context, key, bool(result))
    return result


def check(context, rule, target):
    """Like authorize() but answers True or False, both remembered."""
    key = _decision_key(context, rule, target)
    allowed = _remembered(context, key)
    if allowed is None:
        allowed = _enforce(context, rule, target, do_raise=False)
        _remember(context, key, allowed)
    return allowed


def check_policy_file(conf=cfg.CONF):
    """Load the rules from the policy file; raises if it does not parse."""
    enforcer = init(conf)
    enforcer.load_rules(force_reload=True)
    return enforcer
