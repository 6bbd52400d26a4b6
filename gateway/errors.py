"""One JSON error body for every 4xx/5xx: ``{"code", "message", "errors"}``.

Service errors arrive as the contract classes (nameko re-raises them by type); their stable
``code`` picks the HTTP status here. Anything unexpected becomes a 500 with no internals.
"""
import logging
import re

import falcon
from marshmallow import ValidationError

from mooc_common.contracts import errors as contract

log = logging.getLogger(__name__)
_PARAM_NAME = re.compile(r'The "([^"]+)" parameter')

STATUS_BY_CODE = {
    contract.ValidationFailed.code: falcon.HTTP_422,
    contract.NotFound.code: falcon.HTTP_404,
    contract.Conflict.code: falcon.HTTP_409,
    contract.PermissionDenied.code: falcon.HTTP_403,
    contract.AuthenticationFailed.code: falcon.HTTP_401,
    contract.TenantSuspended.code: falcon.HTTP_403,
    contract.QuotaExceeded.code: falcon.HTTP_409,
    contract.RateLimited.code: falcon.HTTP_429,
}

FALCON_CODES = {400: "bad_request", 404: "not_found", 405: "method_not_allowed",
                411: "length_required", 413: "payload_too_large", 415: "unsupported_media_type"}

# Every ``code`` an error body can carry, with its status and meaning: the list in docs/api.md
# and the OpenAPI document are made from (and tested against) this table.
ERROR_CODES = {
    "bad_request": (400, "the body is not well-formed JSON (or not the media type announced)"),
    "invalid_statement": (400, "xAPI only: the statements are not valid xAPI 1.0.3, or cannot be applied"),
    "authentication_failed": (401, "no bearer token, or an invalid, expired or revoked one; wrong credentials"),
    "permission_denied": (403, "your role may not do this"),
    "tenant_suspended": (403, "your organisation's access is suspended"),
    "not_found": (404, "no such route or object, or an object of another tenant"),
    "method_not_allowed": (405, "the route exists but not with this method"),
    "conflict": (409, "the object exists already, or its state forbids the change"),
    "quota_exceeded": (409, "the tenant's learner seats or storage are used up"),
    "length_required": (411, "a file upload without Content-Length"),
    "payload_too_large": (413, "the body (or a file, a batch, an archive) is over its limit"),
    "unsupported_media_type": (415, "the body's Content-Type is not one the route reads"),
    "validation_failed": (422, "fields are missing or invalid: see `errors`"),
    "rate_limited": (429, "too many attempts: wait `Retry-After` seconds"),
    "internal_error": (500, "a bug: reported with its request id in the logs"),
    "service_unavailable": (503, "the broker or a service is unreachable: retry after `Retry-After`"),
}


class ApiError(falcon.HTTPError):
    """An HTTP error raised by the gateway itself, rendered in the common body."""

    def __init__(self, status, code, message, errors=None, headers=None):
        super().__init__(status, headers=headers)
        self.body = {"code": code, "message": message, "errors": errors or {}}

    def to_dict(self, obj_type=dict):
        return obj_type(self.body)


class ServiceUnavailable(ApiError):
    def __init__(self, message, errors=None):
        super().__init__(falcon.HTTP_503, "service_unavailable", message, errors,
                         headers={"Retry-After": "5"})


def _service_error(req, resp, ex, params):
    status = STATUS_BY_CODE.get(ex.code, falcon.HTTP_500)
    if ex.code == contract.RateLimited.code:
        resp.set_header("Retry-After", str(ex.errors.get("retry_after", 60)))
    resp.status = status
    resp.media = ex.to_dict()


def _invalid_param(req, resp, ex, params):
    """Falcon's ``req.get_param_as_*`` refusals: a bad query parameter is invalid input (422)."""
    name = _PARAM_NAME.search(ex.description or "")
    resp.status = falcon.HTTP_422
    resp.media = {"code": "validation_failed", "message": ex.description or "A parameter is invalid.",
                  "errors": {name.group(1): [ex.description]} if name else {}}


def _validation_error(req, resp, ex, params):
    resp.status = falcon.HTTP_422
    resp.media = {"code": "validation_failed", "message": "The request has invalid fields.",
                  "errors": ex.messages}


def _http_error(req, resp, ex, params):
    resp.status = ex.status
    for name, value in (ex.headers or {}).items():
        resp.set_header(name, value)
    if isinstance(ex, ApiError):
        resp.media = ex.body
    else:  # falcon's own (unknown route, wrong method, malformed JSON...): same body shape
        code = FALCON_CODES.get(ex.status_code, "bad_request" if ex.status_code < 500 else "internal_error")
        resp.media = {"code": code, "message": ex.description or ex.title or "", "errors": {}}


def _unexpected(req, resp, ex, params):
    log.exception("unhandled error on %s %s", req.method, req.path)
    resp.status = falcon.HTTP_500
    resp.media = {"code": "internal_error", "message": "Internal error.", "errors": {}}


def register(app):
    # Falcon picks the most specific handler for an exception type.
    app.add_error_handler(Exception, _unexpected)
    app.add_error_handler(falcon.HTTPError, _http_error)
    app.add_error_handler(ValidationError, _validation_error)
    app.add_error_handler(falcon.HTTPInvalidParam, _invalid_param)
    app.add_error_handler(falcon.HTTPMissingParam, _invalid_param)
    app.add_error_handler(contract.ServiceError, _service_error)
