"""Bearer-token authentication: verifies access JWTs locally (no RPC per request)."""
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

    def __init__(self, secret, suspended=(), revoked=None):
        self.secret = secret
        self.suspended = suspended
        self.revoked = revoked

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
        return self.admit(actor)

    def admit(self, actor):
        if actor["tenant_id"] and actor["tenant_id"] in self.suspended:
            raise ApiError(falcon.HTTP_403, "tenant_suspended",
                           "Your organisation's access to the platform is suspended.")
        return actor

    def verify(self, token):
        try:
            if jwt.get_unverified_header(token).get("typ") != tokens.TOKEN_TYPE:
                raise _unauthorized("Not an access token.")
            claims = jwt.decode(token, self.secret, algorithms=tokens.ALGORITHMS,
                                audience=tokens.AUDIENCE, issuer=tokens.ISSUER,
                                options={"require": tokens.REQUIRED_CLAIMS})
        except jwt.ExpiredSignatureError:
            raise _unauthorized("The access token has expired.")
        except jwt.InvalidTokenError:
            raise _unauthorized("The access token is invalid.")
        return {"user_id": claims["sub"], "tenant_id": claims.get("tid"), "role": claims["role"]}, claims


def _unauthorized(message):
    return ApiError(falcon.HTTP_401, "authentication_failed", message,
                    headers={"WWW-Authenticate": "Bearer"})


def require_role(req, *roles):
    if req.context.actor["role"] not in roles:
        raise ApiError(falcon.HTTP_403, "permission_denied", "Your role does not allow this action.")
