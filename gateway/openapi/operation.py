"""``@operation(...)``: what a responder accepts and answers, read by the OpenAPI builder.

Every responder of every route carries one (``tests`` fail otherwise), so the document at
``/api/v1/openapi.json`` cannot silently miss a route. Schemas are the marshmallow schemas the
services load and dump at their RPC boundary (or, for HTTP-only shapes, ``openapi/wire.py``).
"""
from dataclasses import dataclass, field

from mooc_common.contracts.events.accounts import ROLES
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


def operation(summary, roles, **details):
    """Attach an :class:`Operation` to a responder (``on_get``, ``on_post_batch``, ...)."""
    def attach(responder):
        responder.openapi = Operation(summary, tuple(roles), **details)
        return responder
    return attach
