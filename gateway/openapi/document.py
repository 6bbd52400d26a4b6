"""Builds the OpenAPI 3.1 document from the route table and each responder's ``@operation``.

Schemas are converted by apispec's marshmallow plugin and named after their class without the
``Schema`` suffix (``Tenant``, ``CourseSummary``), prefixed with the service when two services
use the same class name (``CoursesPage``): the web app generates its TypeScript types from
these names, so they are kept stable and readable.
"""
import re

from apispec import APISpec
from apispec.ext.marshmallow import MarshmallowPlugin

from mooc_common.infra.json_schema import open_objects

from ..errors import ERROR_CODES
from .operation import JSON, PUBLIC
from .wire import ErrorSchema

METHODS = ("get", "post", "put", "patch", "delete")
TITLE = "Nền tảng đào tạo trực tuyến — API v1"
VERSION = "1.0.0"
DESCRIPTION = (
    "The HTTP API of the multi-tenant training platform. Every error has the body "
    "`{code, message, errors}` with a stable `code` (listed in docs/api.md). Objects of another "
    "tenant answer 404. Send `X-Request-Id` to follow one request through the logs; it is "
    "echoed (or generated) on every answer.")
PAGE_HEADERS = {
    "Link": {"description": "RFC 8288 links to the `first`, `prev`, `next` and (with a total) `last` pages",
             "schema": {"type": "string"}},
    "X-Total-Count": {"description": "the number of items in all pages, when the route knows it",
                      "schema": {"type": "integer"}},
}
REQUEST_ID_HEADER = {"X-Request-Id": {"$ref": "#/components/headers/RequestId"}}
_PARAM = re.compile(r"\{(\w+)(?::(\w+))?\}")


class UndocumentedRoute(Exception):
    pass


def responders(routes):
    """(path template, HTTP method, responder) for every responder of every route."""
    for route in routes:
        for method in METHODS:
            name = f"on_{method}" + (f"_{route.suffix}" if route.suffix else "")
            responder = getattr(route.resource, name, None)
            if responder is not None:
                yield route.uri_template, method, responder


def openapi_path(uri_template):
    return _PARAM.sub(lambda m: "{" + m.group(1) + "}", uri_template)


def _path_parameters(uri_template):
    return [{"in": "path", "name": name, "required": True,
             "schema": {"type": "integer"} if converter == "int" else {"type": "string", "maxLength": 64}}
            for name, converter in _PARAM.findall(uri_template)]


def _operation_id(method, path):
    words = [method]
    for segment in path.removeprefix("/api/v1").strip("/").split("/"):
        name = segment.strip("{}")
        parts = re.split(r"[-_.]", name)
        words.append(("By" if segment.startswith("{") else "") + "".join(p.capitalize() for p in parts))
    return "".join(words)


def _error_codes(op, has_path_params):
    codes = {"service_unavailable"}
    if op.roles != PUBLIC:
        codes |= {"authentication_failed", "permission_denied", "tenant_suspended"}
    if has_path_params:
        codes.add("not_found")
    if op.request is not None:
        codes |= {"bad_request", "unsupported_media_type", "payload_too_large", "validation_failed"}
    if op.request_media:
        codes |= {"payload_too_large", "validation_failed"}
    if op.query is not None:
        codes.add("validation_failed")
    return codes | set(op.errors)


def _error_responses(codes):
    by_status = {}
    for code in sorted(codes):
        by_status.setdefault(ERROR_CODES[code][0], []).append(code)
    return {str(status): {"description": " or ".join(f"`{c}`: {ERROR_CODES[c][1]}" for c in names),
                          "headers": dict(REQUEST_ID_HEADER), "content": {JSON: {"schema": "Error"}}}
            for status, names in sorted(by_status.items())}


def _success_content(op):
    content = {}
    for media in op.response_media:
        if media == JSON:
            content[media] = {"schema": op.response} if op.response is not None else {"schema": {"type": "object"}}
        else:
            content[media] = {"schema": {"type": "string", "contentMediaType": media}}
    return content


def _operation(path, uri_template, method, responder):
    op = getattr(responder, "openapi", None)
    if op is None:
        raise UndocumentedRoute(f"{method.upper()} {path}: the responder has no @operation")
    roles = "anyone (no token)" if op.roles == PUBLIC else ", ".join(op.roles)
    result = {
        "operationId": _operation_id(method, path),
        "summary": op.summary,
        "description": (op.description + "\n\n" if op.description else "") + f"**Who:** {roles}.",
        "tags": list(op.tags) or [path.split("/")[3] if path.startswith("/api/v1/") else "platform"],
        "x-roles": list(op.roles),
        "security": [] if op.roles == PUBLIC else [{"bearer": []}],
        "responses": {str(op.status): {"description": op.summary, "content": _success_content(op),
                                       "headers": {**REQUEST_ID_HEADER, **(PAGE_HEADERS if op.paginated else {})}},
                      **_error_responses(_error_codes(op, "{" in path)),
                      **{str(status): {"description": text, "headers": dict(REQUEST_ID_HEADER),
                                       "content": {JSON: {"schema": schema}}} for status, schema, text in op.answers}},
    }
    if op.query is not None:
        result["parameters"] = [{"in": "query", "schema": op.query}]
    body = {}
    if op.request is not None:
        body[JSON] = {"schema": op.request}
        if op.example is not None:
            body[JSON]["example"] = op.example
    for media in op.request_media:
        body[media] = {"schema": {"type": "string", "contentMediaType": media}}
    if body:
        result["requestBody"] = {"required": True, "content": body}
    return result


class _Names:
    """Schema class -> component name: class name without ``Schema``; the service's name in
    front when another class already has that name."""

    def __init__(self):
        self.taken = {}

    def __call__(self, schema):
        cls = schema if isinstance(schema, type) else type(schema)
        name = cls.__name__.removesuffix("Schema") or cls.__name__
        if self.taken.setdefault(name, cls) is not cls:
            area = cls.__module__.split(".")[1] if cls.__module__.startswith("services.") else "gateway"
            name = area.capitalize() + name
            self.taken.setdefault(name, cls)
        return name


def build(routes, server_url=None):
    spec = APISpec(title=TITLE, version=VERSION, openapi_version="3.1.0",
                   plugins=[MarshmallowPlugin(schema_name_resolver=_Names())],
                   info={"description": DESCRIPTION},
                   servers=[{"url": server_url}] if server_url else [])
    spec.components.security_scheme("bearer", {"type": "http", "scheme": "bearer", "bearerFormat": "JWT"})
    spec.components.schema("Error", schema=ErrorSchema)
    spec.components.header("RequestId", {
        "description": "the request's id: the client's `X-Request-Id` when it is a plain token of at most 128 "
                       "characters, else one made by the gateway; the correlation id in every log line",
        "schema": {"type": "string", "maxLength": 128}})
    paths = {}
    for uri_template, method, responder in responders(routes):
        path = openapi_path(uri_template)
        entry = paths.setdefault(path, {"parameters": _path_parameters(uri_template), "operations": {}})
        entry["operations"][method] = _operation(path, uri_template, method, responder)
    for path, entry in paths.items():
        spec.path(path=path, operations=entry["operations"], parameters=entry["parameters"] or None)
    return open_objects(spec.to_dict())
