"""The xAPI endpoints' protocol rules: the version header, and who is calling (Bearer, Basic
with the access token as password, or Basic ``cmi5:<auth-token>`` of a cmi5 launch)."""
import base64
import binascii
import re

import falcon

from mooc_common.contracts import xapi

from .errors import ApiError

VERSION_HEADER = "X-Experience-API-Version"
CMI5_USER = "cmi5"


def bad_statement(message, errors=None):
    return ApiError(falcon.HTTP_400, "invalid_statement", message, errors,
                    headers={VERSION_HEADER: xapi.XAPI_VERSION})


def _unauthorized():
    return ApiError(falcon.HTTP_401, "authentication_failed", "Bearer or Basic credentials are required.",
                    headers={"WWW-Authenticate": 'Basic realm="xAPI"', VERSION_HEADER: xapi.XAPI_VERSION})


def check_version(req):
    if not re.fullmatch(r"1\.0(\.\d+)?", req.get_header(VERSION_HEADER) or ""):
        raise bad_statement(f"The {VERSION_HEADER} header must name version 1.0.x.",
                            {VERSION_HEADER: ["missing or unsupported"]})


def authenticate(req, auth, rpc):
    """(actor, cmi5 session or None) from Bearer, Basic with the access token as password,
    or Basic ``cmi5:<auth-token>`` of a cmi5 launch."""
    scheme, _, credentials = (req.get_header("Authorization") or "").partition(" ")
    if scheme.lower() == "bearer" and credentials:
        return auth.actor_of(credentials), None
    if scheme.lower() != "basic" or not credentials:
        raise _unauthorized()
    try:
        user, _, password = base64.b64decode(credentials, validate=True).decode().partition(":")
    except (binascii.Error, UnicodeDecodeError):
        raise _unauthorized()
    if user == CMI5_USER:
        session = rpc.call("integrations", "cmi5_session", password[:200])
        return auth.admit(session["actor"]), session
    return auth.actor_of(password), None
