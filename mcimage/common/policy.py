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


def _remembered(context, key):
    if key is None:
        return None
    return context.policy_decisions.get(key)


def _remember(context, key, allowed):
    if key is not None:
        context.policy_decisions[key] = allowed


def _enforce(context, rule, target, **kwargs):
    """The enforcer's authorize(), on the rules read for this request."""
    enforcer = init()
    decisions = getattr(context, 'policy_decisions', None)
    if getattr(decisions, 'enforcer', None) is not enforcer:
        # The request's first enforcement (by this enforcer): it reads
        # the policy files if they changed.
        result = enforcer.authorize(rule, target, context, **kwargs)
        if decisions is not None:
            decisions.enforcer = enforcer
        return result
    token = _RULES_READ.set(True)
    try:
        return enforcer.authorize(rule, target, context, **kwargs)
    finally:
        _RULES_READ.reset(token)


def authorize(context, rule, target, conceal=False, **kwargs):
    """Enforce ``rule``; raise Forbidden, or ``conceal``'s NotFound.

    ``conceal`` is the exception to raise instead of Forbidden when the
    caller may not even know the resource exists (a private image). A
    grant is remembered for the rest of the request; a refusal is enforced
    again, so it raises as it always does.
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
    """Like authorize() but answers True or False."""
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
