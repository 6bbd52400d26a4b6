"""``@operation(...)``: what a responder accepts and answers, and who may call it.

It is read by the OpenAPI builder, and its roles are also checked before the responder runs
(403 ``permission_denied`` for another role): a route's roles are declared once, documented
and enforced from the same tuple. ``service_checks_role=True`` leaves the check to the
service, for the routes where the answer to another role depends on the object (another
tenant's object answers 404, not 403) or that authenticate in their own way (xAPI, cmi5).

Every responder of every route carries one (``tests`` fail otherwise), so the document at
``/api/v1/openapi.json`` cannot silently miss a route. Schemas are the marshmallow schemas the
services load and dump at their RPC boundary (or, for HTTP-only shapes, ``openapi/wire.py``).
"""
import functools
from dataclasses import dataclass, field

from mooc_common.contracts.roles import ROLES, require_role
from mooc_common.infra.export_formats import MEDIA_TYPES

PUBLIC = ()  # roles of a route anyone may call (no bearer token)
ANY_ROLE = ROLES  # any signed-in user; the service decides what each may see

JSON = "application/json"
CSV = "text/csv"
XLSX = MEDIA_TYPES["xlsx"]
PDF = "application/pdf"
BINARY = "application/octet-stream"


@dataclass(frozen=True)
class Operation:
    summary: str
    roles: tuple
    request: object = None          # marshmallow schema of a JSON body
    request_media: tuple = ()       # raw bodies (file uploads): media types
    response: object = None         # marshmallow schema of the JSON answer
    response_media: tuple = (JSON,)
    status: int = 200
    query: object = None            # marshmallow schema of the query parameters
    errors: tuple = ()              # error codes beyond the ones every route of its kind has
    description: str = ""
    example: dict = field(default=None)  # a request body example
    tags: tuple = ()
    paginated: bool = False         # answers a page: Link header and page parameters (pagination.py)
    answers: tuple = ()             # (status, schema, description): other answers with their own body
    service_checks_role: bool = False  # the gateway does not refuse other roles (the service decides)


def operation(summary, roles, **details):
    """Attach an :class:`Operation` to a responder (``on_get``, ``on_post_batch``, ...), which
    refuses the roles not in ``roles`` unless the route is public, open to any role, or
    ``service_checks_role``."""
    op = Operation(summary, tuple(roles), **details)

    def attach(responder):
        if op.service_checks_role or op.roles in (PUBLIC, tuple(ANY_ROLE)):
            responder.openapi = op
            return responder

        @functools.wraps(responder)
        def checked(resource, req, resp, *args, **kwargs):
            require_role(req.context.actor, op.roles)
            return responder(resource, req, resp, *args, **kwargs)
        checked.openapi = op
        return checked
    return attach
