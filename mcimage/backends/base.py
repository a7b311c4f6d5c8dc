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

"""What a VIM backend driver does: Glance v2's image API, as plain calls.

One driver instance per VIM, chosen by ``[vim:ID] driver`` among the
``mcimage.backends`` entry points. Every operation takes the caller's
RequestContext and the tenant (project) it acts in, and returns plain
values: Glance v2's JSON documents as dicts. Drivers know nothing of
mcimage's HTTP requests; what they raise is one of
mcimage.common.exception's:

- Invalid (400), Forbidden (403), Conflict (409), RequestTooLarge (413),
  RangeNotSatisfiable (416): the VIM refused the request for that reason;
  the caller sees the same status. Image data the VIM refuses (Glance's
  415 to data failing its format checks) is an Invalid.
- ImageNotFound (404): the VIM has no such image for this tenant;
  NotFound for anything else missing (a membership).
- BackendError (502): the VIM answered with any other error; its message
  is passed on without URLs of the VIM's network.
- BackendUnavailable (503): the VIM did not answer (refused, timed out)
  or answered 503 (down for now).
- Unauthorized (401): the caller brought no credentials to pass on.
- InvalidParameterValue (400): a value that cannot be sent to the VIM at
  all (an id that is not one URL path segment); nothing was sent.

``as_service`` asks for the call as mcimage itself rather than the
caller (clean-up after a crash, recovery sweeps).
"""

import abc

from mcimage.common import exception


# Sent by a driver on every call to a VIM, naming the VIM: mcimage's
# Glance endpoint refuses a request that carries it (a VIM configured, or
# found in the catalog, as mcimage's own endpoint would loop).
RELAY_HEADER = 'X-MCImage-Relay'

# The JSON schemas of Glance's metadata definitions catalog, each
# /v2/schemas/metadefs/<name>.
METADEF_SCHEMAS = ('namespace', 'namespaces', 'object', 'objects',
                   'property', 'properties', 'tag', 'tags', 'resource_type',
                   'resource_types')

# What get_document() may be asked for.
DOCUMENTS = ('versions', 'info/import', 'info/stores') + tuple(
    'schemas/metadefs/' + name for name in METADEF_SCHEMAS)

# The methods of Glance's metadata definitions API (metadefs()).
METADEF_METHODS = ('GET', 'POST', 'PUT', 'DELETE')
# The one request header of it Glance reads: POST .../tags adds to the
# namespace's tags rather than replacing them.
METADEF_APPEND_HEADER = 'X-Openstack-Append'


class Backend(metaclass=abc.ABCMeta):
    """One VIM's image service."""

    def __init__(self, vim):
        """``vim`` is the mcimage.backends.Vim: id, group and options."""
        self.vim = vim

    # -- images ---------------------------------------------------------------

    @abc.abstractmethod
    def create_image(self, context, tenant_id, fields):
        """Create an image record with these Glance fields; the image.

        ``fields`` may carry the image's ``id``: Conflict if the VIM holds
        one with that id already.
        """

    @abc.abstractmethod
    def get_image(self, context, tenant_id, image_id, as_service=False):
        """The image; ImageNotFound if the VIM has none by this id."""

    @abc.abstractmethod
    def list_images(self, context, tenant_id, params, as_service=False):
        """One page of images: {"images": [...], "first", "next"...}.

        ``params`` are Glance v2's list query parameters (filters, sort,
        marker, limit); a list value is one repeated parameter. Invalid
        for a marker the VIM does not know.
        """

    @abc.abstractmethod
    def update_image(self, context, tenant_id, image_id, patch,
                     as_service=False):
        """Apply a JSON patch (a list of Glance 2.1 ops); the new image.

        Forbidden for a property that may not change, Conflict for one to
        replace or remove that is not there.
        """

    @abc.abstractmethod
    def delete_image(self, context, tenant_id, image_id, as_service=False):
        """Delete the image and its data; Forbidden if it is protected."""

    @abc.abstractmethod
    def image_action(self, context, tenant_id, image_id, action,
                     as_service=False):
        """``deactivate`` or ``reactivate`` the image.

        Forbidden when its status allows neither.
        """

    # -- tags -------------------------------------------------------------

    @abc.abstractmethod
    def add_tag(self, context, tenant_id, image_id, tag):
        """Add a tag (adding one the image has is not an error)."""

    @abc.abstractmethod
    def delete_tag(self, context, tenant_id, image_id, tag):
        """Remove a tag; ImageNotFound if the image does not have it."""

    # -- members ------------------------------------------------------------

    @abc.abstractmethod
    def list_members(self, context, tenant_id, image_id):
        """{"members": [...]} of the image; Forbidden unless shared."""

    @abc.abstractmethod
    def get_member(self, context, tenant_id, image_id, member_id):
        """The membership of member_id; NotFound if it is not one."""

    @abc.abstractmethod
    def add_member(self, context, tenant_id, image_id, member_id):
        """Share the image with member_id (pending); the membership.

        Conflict if it is a member already, Forbidden unless shared.
        """

    @abc.abstractmethod
    def update_member(self, context, tenant_id, image_id, member_id,
                      status):
        """Set the membership's status (pending, accepted, rejected)."""

    @abc.abstractmethod
    def delete_member(self, context, tenant_id, image_id, member_id):
        """End the membership; NotFound if it is not one."""

    def member_status(self, context, tenant_id, image_id, member_id):
        """The membership status of member_id in the image, or None."""
        try:
            member = self.get_member(context, tenant_id, image_id, member_id)
        except exception.NotFound:
            return None
        return (member or {}).get('status')

    # -- schemas, data, the VIM itself ----------------------------------------

    @abc.abstractmethod
    def get_schema(self, context, tenant_id, name):
        """Glance v2's JSON schema ``name`` (image, images, member...)."""

    @abc.abstractmethod
    def upload(self, context, tenant_id, image_id, reader, size=None,
               store=None):
        """Send ``reader``'s bytes as the image's data.

        ``reader.read(n)`` gives the next piece, b'' at the end; an error
        it raises goes on unchanged (or as whatever the transport made of
        it: the caller checks its reader first). ``size``, when known, is
        how many bytes are coming. ``store`` names the VIM's store to
        write (one of info/stores'; None: its default one). Conflict when
        another upload has the image, Invalid when the VIM refuses the
        data (or knows no such store), RequestTooLarge beyond its quota.
        """

    def copy_image(self, context, tenant_id, image_id, stores=None,
                   all_stores=False, all_stores_must_succeed=True,
                   as_service=False):
        """Ask the VIM to copy an active image into more of its stores.

        Glance's copy-image import: into ``stores`` (ids of info/stores),
        or into every store it is not in yet (``all_stores``); the VIM
        copies after answering, and shows how it goes on the image
        (os_glance_importing_to_stores, os_glance_failed_import). What the
        VIM refuses raises as any other call (Conflict for an image that
        is not active or a store it does not know, Invalid for a store
        that holds the image already, Forbidden by its policy).
        ``as_service``: asked by mcimage itself, where an import into
        several stores needs the copies the caller may not ask for.
        """
        raise exception.NotFound(
            'VIM %s has no multiple stores (its driver %s has none).'
            % (self.vim.id, self.vim.driver))

    def delete_from_store(self, context, tenant_id, image_id, store_id):
        """Delete the image's data from one of the VIM's stores.

        Glance's DELETE /v2/stores/{store_id}/{image_id}: NotFound when the
        VIM has no such store or the image is not in it, Forbidden for
        the image's only store, Conflict when the image is not active.
        """
        raise exception.NotFound(
            'VIM %s has no multiple stores (its driver %s has none).'
            % (self.vim.id, self.vim.driver))

    @abc.abstractmethod
    def download(self, context, tenant_id, image_id, byte_range=None):
        """Start a download: (status, headers, body or None).

        ``byte_range`` is one ``bytes=first-last`` range, answered 206
        with a Content-Range header (RangeNotSatisfiable if outside the
        data). ``body`` iterates over the data's pieces and has close();
        None (status 204) when the image has no data. Forbidden for a
        deactivated image. A body may also offer splice_source() (see
        mcimage.backends.glance.DownloadBody) for the API to relay it
        without copying it through Python.
        """

    @abc.abstractmethod
    def get_document(self, context, tenant_id, name):
        """A document the VIM publishes about itself, as it sends it.

        ``name`` is one of DOCUMENTS: Glance's versions document, its
        /v2/info documents (import methods, stores) and the schemas of its
        metadata definitions (schemas/metadefs/...).
        """

    def metadefs(self, context, tenant_id, method, path, query=None,
                 body=None, append=None):
        """One request of Glance's metadata definitions API, relayed.

        ``method`` is one of METADEF_METHODS, ``path`` the segments below
        /v2/metadefs (('namespaces', 'OS::Compute::Quota', 'objects')),
        ``query`` a list of (name, value) pairs, ``body`` the JSON document
        to send (None: none) and ``append`` the value of
        METADEF_APPEND_HEADER, if any. Answers (status, headers, body):
        ``headers`` holds Content-Type, and Location as a path below the
        VIM's Glance endpoint (/v2/metadefs/...) when the VIM sends one;
        ``body`` is the decoded JSON document, None when there is none
        (204). What the VIM refuses raises as any other call (NotFound for
        its 404, Forbidden, Conflict, Invalid, MethodNotAllowed).

        mcimage adds nothing to metadata definitions: the VIM's Glance
        decides, for whoever the call is made as. A driver without them
        answers as a Glance without them: NotFound.
        """
        raise exception.NotFound(
            'VIM %s offers no metadata definitions (its driver %s has none).'
            % (self.vim.id, self.vim.driver))

    def project_by_name(self, context, name, domain_name):
        """The id of project ``name`` of ``domain_name`` in the VIM, or None.

        The project of the VIM's own Keystone (auth_mode = service) that
        mcimage may act in by that name ([vim:ID] project_map_domain_name);
        None when there is none. A driver that cannot tell finds none.
        """
        return None

    @abc.abstractmethod
    def probe(self, context, tenant_id):
        """{"versions": [...], "import_methods": [...]}, or None.

        None when the VIM does not answer or refuses: never raises.
        """
