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

"""The VIM registry: one Vim per ``[DEFAULT] enabled_vims`` entry.

Each Vim drives its VIM through a backend driver (mcimage.backends.base),
chosen by ``[vim:ID] driver`` among the "mcimage.backends" entry points
(stevedore), as the staging store chooses its driver.
"""

import importlib.metadata
import ipaddress
import re
import threading
import urllib.parse

from oslo_config import cfg
from oslo_log import log as logging
from stevedore import driver as stevedore_driver
from stevedore import exception as stevedore_exc

from mcimage.backends import base
from mcimage.backends import service_user
from mcimage.common import exception
from mcimage.conf import vims as vims_conf

LOG = logging.getLogger(__name__)
CONF = cfg.CONF
NAMESPACE = 'mcimage.backends'

# ONAP's {cloud-owner}_{cloud-region-id}; no '/' so it fits a path segment.
_VIM_ID_RE = re.compile(r'[A-Za-z0-9][A-Za-z0-9._~-]*')

_REGISTRY = None
_LOCK = threading.Lock()


class Vim(object):
    """One configured VIM: its id, its options group and its backend."""

    def __init__(self, conf, vim_id):
        self.id = vim_id
        self.group = vims_conf.group_name(vim_id)
        self.conf = conf
        self.options = conf[self.group]
        self.auth_mode = self._read('auth_mode')
        self.description = self._read('description')
        self.driver = self._read('driver')
        # Where a caller of mcimage's Keystone acts in a VIM of another
        # (auth_mode = service): mcimage.images.access.in_tenant.
        self.project_map = self._read('project_map')
        self.project_map_domain_name = self._read('project_map_domain_name')
        self._check()
        self._backend = self._load_driver()

    @property
    def backend(self):
        """This VIM's driver instance (a mcimage.backends.base.Backend)."""
        return self._backend

    def _read(self, option):
        try:
            return getattr(self.options, option)
        except (ValueError, cfg.Error) as e:
            raise exception.ConfigInvalid(group=self.group, option=option,
                                          reason=e)

    def _invalid(self, option, reason):
        return exception.ConfigInvalid(group=self.group, option=option,
                                       reason=reason)

    def _check(self):
        endpoint = self._read('endpoint_override')
        if self.auth_mode == 'trusted':
            if not endpoint:
                raise self._invalid(
                    'endpoint_override',
                    'auth_mode = trusted needs the Glance endpoint set here '
                    '(there is no Keystone catalog to find it in).')
            if (not _is_loopback(endpoint)
                    and not self._read('allow_trusted_remote')):
                raise self._invalid(
                    'auth_mode',
                    'auth_mode = trusted sends unauthenticated identity '
                    'headers, so its endpoint must be on loopback; set '
                    'allow_trusted_remote = true to accept %s' %
                    urllib.parse.urlsplit(endpoint).hostname)
        elif self.auth_mode == 'service':
            if not self._read('auth_type'):
                raise self._invalid(
                    'auth_type',
                    'auth_mode = service needs the service user\'s '
                    'credentials in this group (auth_type, auth_url, '
                    'username, password...).')
        elif self.auth_mode == 'token' and service_user.enabled(self.conf):
            # Its service token goes with the caller's: [service_user]
            # must make one.
            service_user.auth_and_session(self.conf)
        self._check_project_map()

    def _check_project_map(self):
        """The mapping options make sense for this VIM, or ConfigInvalid.

        Refused rather than ignored: they decide who may act where, and an
        operator who set them expects them to.
        """
        for option in ('project_map', 'project_map_domain_name'):
            if getattr(self, option) and self.auth_mode != 'service':
                raise self._invalid(
                    option, 'only auth_mode = service maps projects: with '
                    'auth_mode = %s a tenant is a project of the caller\'s '
                    'own Keystone' % self.auth_mode)
        for project, vim_project in self.project_map.items():
            if not project.strip() or not vim_project.strip():
                raise self._invalid(
                    'project_map', 'each entry is "<project id>:<VIM '
                    'project id>", neither of them empty; got %r' %
                    ('%s:%s' % (project, vim_project)))
        if (self.project_map_domain_name and self._read('auth_type')
                in vims_conf.FIXED_SCOPE_AUTH_TYPES):
            raise self._invalid(
                'project_map_domain_name', 'an application credential is '
                'bound to one project and cannot be scoped to another found '
                'by name; list the projects that act as that one in '
                'project_map')

    def _load_driver(self):
        """The driver's instance; ConfigInvalid naming [vim:ID] driver.

        Loaded on demand by stevedore: the glance driver pulls in
        glanceclient, which the config generator does not need.
        """
        def failed(_manager, entry_point, error):
            raise self._invalid('driver', 'cannot load the backend driver '
                                '%r (%s): %s' % (self.driver,
                                                 entry_point.value, error))

        try:
            manager = stevedore_driver.DriverManager(
                NAMESPACE, self.driver, on_load_failure_callback=failed)
        except stevedore_exc.NoMatches:
            raise self._invalid(
                'driver', 'no backend driver is named %r; the installed ones '
                'are: %s' % (self.driver, ', '.join(driver_names())))
        if not (isinstance(manager.driver, type)
                and issubclass(manager.driver, base.Backend)):
            raise self._invalid('driver', '%r is not a backend driver' %
                                self.driver)
        return manager.driver(self)


def driver_names():
    """The names of the installed backend drivers, sorted."""
    return sorted({entry_point.name for entry_point in
                   importlib.metadata.entry_points(group=NAMESPACE)})


def _is_loopback(url):
    host = urllib.parse.urlsplit(url).hostname or ''
    if host == 'localhost':
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


class Registry(object):

    def __init__(self, conf):
        self.vims = {}
        for vim_id in conf.enabled_vims:
            if not _VIM_ID_RE.fullmatch(vim_id) or vim_id in self.vims:
                raise exception.ConfigInvalid(
                    group='DEFAULT', option='enabled_vims',
                    reason='%r is not a valid, unique VIM id' % vim_id)
            vims_conf.register_vim_opts(conf, vim_id)
            self.vims[vim_id] = Vim(conf, vim_id)


def init(conf=CONF):
    """Build the registry from the configuration; raises ConfigInvalid."""
    global _REGISTRY
    with _LOCK:
        if _REGISTRY is None:
            _REGISTRY = Registry(conf)
            LOG.info('VIMs enabled: %(vims)s',
                     {'vims': ', '.join(_REGISTRY.vims) or '(none)'})
    return _REGISTRY


def reset():
    global _REGISTRY
    with _LOCK:
        _REGISTRY = None
    service_user.reset()


def get(vim_id):
    vim = init().vims.get(vim_id)
    if vim is None:
        raise exception.VimNotFound(vim_id=vim_id)
    return vim


def exists(vim_id):
    return vim_id in init().vims


def list_vims():
    return list(init().vims.values())
