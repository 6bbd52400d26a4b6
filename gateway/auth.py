"""Bearer-token authentication: verifies access JWTs locally (no RPC per request), with the
access tokens' public keys only (accounts alone holds the private key).

The verified token of the request is also kept for the request's thread
(``current_access_token``): ``rpc.RpcClient`` forwards it with every RPC, so that the
service can verify the actor itself (mooc_common/infra/actor_trust.py).
"""
import threading
import time

import jwt

from mooc_common.contracts import tokens

from .errors import ApiError

import falcon


class AuthMiddleware:
    """Sets ``req.context.actor`` = {user_id, tenant_id, role} for authenticated requests.

    Resources with ``auth_required = False`` are public (health, sign-in, verification).
    Tokens of a suspended tenant (``suspended``: a container of tenant ids) are refused, and
    so are tokens issued before their user was deactivated or their session signed out
    (``revoked``: tenant_status.RevokedAccess).
    """

    def __init__(self, access_keys, suspended=(), revoked=None):
        self.access_keys = access_keys
        self.suspended = suspended
        self.revoked = revoked
        self.verified = VerifiedTokens()

    def process_request(self, req, resp):
        _request.token = None  # gunicorn threads serve one request after another

    def process_resource(self, req, resp, resource, params):
        req.context.actor = None
        if resource is None or not getattr(resource, "auth_required", True):
            return
        header = req.get_header("Authorization") or ""
        scheme, _, token = header.partition(" ")
        if scheme.lower() != "bearer" or not token:
            raise _unauthorized("A bearer token is required.")
        req.context.actor = self.actor_of(token)

    def actor_of(self, token):
        """The actor of a verified, unrevoked access token of a tenant that is not suspended."""
        actor, claims = self.verify(token)
        if self.revoked is not None and self.revoked.revoked(actor["user_id"], claims.get("sid"), claims["iat"]):
            raise _unauthorized("The access token was revoked; sign in again.")
        actor = self.admit(actor)
        _request.token = token
        return actor

    def admit(self, actor):
        if actor["tenant_id"] and actor["tenant_id"] in self.suspended:
            raise ApiError(falcon.HTTP_403, "tenant_suspended",
                           "Your organisation's access to the platform is suspended.")
        return actor

    def verify(self, token):
        claims = self.verified.get(token)
        if claims is not None:
            return tokens.actor_of(claims), claims
        try:
            claims = tokens.verify_access_token(token, self.access_keys)
        except jwt.ExpiredSignatureError:
            raise _unauthorized("The access token has expired.")
        except jwt.InvalidTokenError:
            raise _unauthorized("The access token is invalid.")
        self.verified.put(token, claims)
        return tokens.actor_of(claims), claims


class VerifiedTokens:
    """Claims of access tokens verified lately, by token: a learner's stream of activities pays
    the signature check (and JWT parsing: a fifth of an ingestion request's CPU, measured) once
    a minute instead of per request. An entry serves until the token expires and at most
    ``seconds`` (a withdrawn signing key stops working within that); revocation and suspension
    are still checked on every request. Bounded: emptied when full."""

    def __init__(self, seconds=60.0, size=10_000):
        self.seconds, self.size, self.entries = seconds, size, {}

    def get(self, token):
        entry = self.entries.get(token)
        if entry is None:
            return None
        claims, until = entry
        if time.time() >= until:
            self.entries.pop(token, None)
            return None
        return claims

    def put(self, token, claims):
        if len(self.entries) >= self.size:
            self.entries = {}
        self.entries[token] = (claims, min(claims["exp"], time.time() + self.seconds))


_request = threading.local()


def current_access_token():
    """The access token this thread's request was authenticated with, or None."""
    return getattr(_request, "token", None)


def _unauthorized(message):
    return ApiError(falcon.HTTP_401, "authentication_failed", message,
                    headers={"WWW-Authenticate": "Bearer"})
