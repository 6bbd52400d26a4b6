"""A verifiable actor on every RPC: the receiving service checks who the caller acts for.

Any RPC whose first parameter is ``actor`` gets the actor checked by the ``rpc`` entrypoint
of this module, in one place, before a worker runs: a broker user cannot forge
``{"role": "operator_admin"}`` any more. The actor is believed when either
- the call carries the user's access token (context ``actor_token``, forwarded by the gateway
  and passed on by every service call made while handling it) and the token, verified with
  the access tokens' public keys, stands for exactly that actor; or
- the call carries a service identity (context ``caller_token``: a short-lived EdDSA JWT
  signed by the calling process's own key, for this one ``service.method``) and the
  registration of that caller (``principals.PRINCIPALS``) allows it: its own system actor on
  its ``system_calls``, or a learner on the RPCs it ``vouches_for_learner``.
Anything else is refused with ``AuthenticationFailed`` (401 at the gateway). The service then
receives the verified actor (user_id, tenant_id, role), nothing else from the caller's dict.

Outgoing calls of a service go through ``RpcProxy`` of this module, which adds the
service's own ``caller_token``; the gateway adds both tokens in ``gateway/rpc.py``.
"""
import inspect
import logging
import threading
import time

import jwt
from nameko.rpc import MethodProxy, Rpc, ServiceProxy
from nameko.rpc import RpcProxy as NamekoRpcProxy

from mooc_common.contracts import roles, tokens
from mooc_common.contracts.errors import AuthenticationFailed

from .principals import PRINCIPALS, service_kid_prefix, system_actor
from .signing_keys import PublicKeys, SigningKey

log = logging.getLogger(__name__)

ACTOR_TOKEN = "actor_token"    # nameko context_data keys (AMQP headers nameko.<key>)
CALLER_TOKEN = "caller_token"
CREDENTIAL_HEADERS = (f"nameko.{ACTOR_TOKEN}", f"nameko.{CALLER_TOKEN}")  # as nameko names them
SERVICE_TOKEN_TYPE = "svc+jwt"
SERVICE_AUDIENCE = "mooc-platform/rpc"
SERVICE_TOKEN_TTL_SECONDS = 60
# An access token verified by the gateway may expire while its request still makes calls
# (a long document download): the services accept it this long after its expiry.
ACCESS_TOKEN_LEEWAY_SECONDS = 120
ACTOR_KEYS = ("user_id", "tenant_id", "role")


class CallerIdentity:
    """Signs this process's service tokens, one per ``service.method``, reused for half their life."""

    def __init__(self, name, signing_key_jwk, clock=time.time):
        self.name, self.key, self.clock = name, SigningKey(signing_key_jwk), clock
        if not self.key.kid.startswith(service_kid_prefix(name) + ":"):
            raise RuntimeError(f"SERVICE_SIGNING_KEY is not the key of {name}")
        self._cache, self._lock = {}, threading.Lock()

    def token_for(self, method):
        now = self.clock()
        cached = self._cache.get(method)
        if cached and cached[1] - now > SERVICE_TOKEN_TTL_SECONDS / 2:
            return cached[0]
        expires = int(now) + SERVICE_TOKEN_TTL_SECONDS
        token = self.key.sign({"iss": self.name, "sub": method, "aud": SERVICE_AUDIENCE,
                               "iat": int(now), "exp": expires}, SERVICE_TOKEN_TYPE)
        with self._lock:
            self._cache[method] = (token, expires)
        return token


def caller_identity(name, config):
    """The identity of process ``name`` from its ``SERVICE_SIGNING_KEY``, or None without one."""
    key = config.get("SERVICE_SIGNING_KEY")
    return CallerIdentity(name, key) if key else None


class ActorVerifier:
    # Verified access tokens are remembered until they expire: a user's requests make many
    # RPCs with one token, and an Ed25519 verification costs ~0.3 ms (docs/security.md).
    REMEMBERED_TOKENS = 20_000

    def __init__(self, access_keys, service_keys, clock=time.time):
        self.access_keys, self.service_keys, self.clock = access_keys, service_keys, clock
        self._verified = {}  # access token -> (actor, accepted until)

    @classmethod
    def from_config(cls, config):
        return cls(PublicKeys(config.get("ACCESS_TOKEN_PUBLIC_KEYS") or None),
                   PublicKeys(config.get("SERVICE_PUBLIC_KEYS") or None))

    def verified(self, method, actor, context):
        """The actor {user_id, tenant_id, role} if ``context`` vouches for ``actor`` on ``method``
        ("service.method"); ``AuthenticationFailed`` otherwise."""
        claimed = {k: actor.get(k) for k in ACTOR_KEYS} if isinstance(actor, dict) else None
        if claimed is None or not isinstance(claimed["role"], str):
            raise AuthenticationFailed("The call's actor is malformed.")
        user_token = context.get(ACTOR_TOKEN)
        if user_token and self._actor_of_token(user_token) == claimed:
            return claimed
        caller = self._caller(method, context.get(CALLER_TOKEN))
        principal = PRINCIPALS.get(caller)
        if principal is not None:
            if claimed == system_actor(caller) and method in principal.system_calls:
                return claimed
            if claimed["role"] == roles.LEARNER and method in principal.vouches_for_learner:
                return claimed
        log.warning("refused an unverifiable actor on %s (caller %s, role %s)", method, caller, claimed["role"])
        raise AuthenticationFailed("The call's actor is not verifiable.")

    def _actor_of_token(self, token):
        """The actor of a valid access token, or None (then a service call made while handling
        the user's request may still be vouched for by the caller's identity)."""
        known = self._verified.get(token)
        if known is not None and known[1] > self.clock():
            return known[0]
        try:
            claims = tokens.verify_access_token(token, self.access_keys, leeway=ACCESS_TOKEN_LEEWAY_SECONDS)
        except jwt.InvalidTokenError:
            return None
        if len(self._verified) >= self.REMEMBERED_TOKENS:
            self._verified.clear()
        actor = tokens.actor_of(claims)
        self._verified[token] = (actor, claims["exp"] + ACCESS_TOKEN_LEEWAY_SECONDS)
        return actor

    def _caller(self, method, token):
        """The name of the service that signed ``token`` for ``method``, or None."""
        if not token:
            return None
        try:
            claims = self.service_keys.decode(token, SERVICE_TOKEN_TYPE, audience=SERVICE_AUDIENCE,
                                              options={"require": ["iss", "sub", "exp", "iat"]})
            kid = jwt.get_unverified_header(token)["kid"]
        except jwt.InvalidTokenError:
            return None
        if claims["sub"] != method or not kid.startswith(service_kid_prefix(claims["iss"]) + ":"):
            return None  # a token for another method, or a key of another service
        return claims["iss"]


_verifiers = {}


def _verifier(config):
    key = (str(config.get("ACCESS_TOKEN_PUBLIC_KEYS")), str(config.get("SERVICE_PUBLIC_KEYS")))
    if key not in _verifiers:
        _verifiers[key] = ActorVerifier.from_config(config)
    return _verifiers[key]


class TrustedRpc(Rpc):
    """nameko's ``rpc`` entrypoint, verifying the ``actor`` argument before a worker starts.
    A refusal is answered to the caller as ``AuthenticationFailed`` by nameko's RpcConsumer."""

    def setup(self):
        super().setup()
        method = getattr(self.container.service_cls, self.method_name)
        params = list(inspect.signature(method).parameters)
        self.takes_actor = len(params) > 1 and params[1] == "actor"
        self.qualified = f"{self.container.service_name}.{self.method_name}"
        self.verifier = _verifier(self.container.config) if self.takes_actor else None

    def handle_message(self, body, message):
        if self.takes_actor:
            args, kwargs = body.get("args"), body.get("kwargs")
            if isinstance(args, list) and args:
                args[0] = self.verifier.verified(self.qualified, args[0], self.unpack_message_headers(message))
            elif isinstance(kwargs, dict) and "actor" in kwargs:
                kwargs["actor"] = self.verifier.verified(self.qualified, kwargs["actor"],
                                                         self.unpack_message_headers(message))
        super().handle_message(body, message)


rpc = TrustedRpc.decorator


class _MethodProxy(MethodProxy):
    def __init__(self, identity, *args, **kwargs):
        self.identity = identity
        super().__init__(*args, **kwargs)

    def get_message_headers(self, worker_ctx):
        headers = super().get_message_headers(worker_ctx)
        header = self._get_header_name(CALLER_TOKEN)
        if self.identity is not None:
            headers[header] = self.identity.token_for(f"{self.service_name}.{self.method_name}")
        else:
            headers.pop(header, None)  # never pass on the caller token this service received
        return headers


class _ServiceProxy(ServiceProxy):
    def __init__(self, identity, *args, **kwargs):
        self.identity = identity
        super().__init__(*args, **kwargs)

    def __getattr__(self, name):
        return _MethodProxy(self.identity, self.worker_ctx, self.service_name, name, self.reply_listener,
                            **self.options)


class RpcProxy(NamekoRpcProxy):
    """nameko's ``RpcProxy`` whose calls carry this service's own identity (``caller_token``);
    the user's ``actor_token`` of the call being handled travels on unchanged."""

    def setup(self):
        super().setup()
        self.identity = caller_identity(self.container.service_name, self.container.config)

    def get_dependency(self, worker_ctx):
        return _ServiceProxy(self.identity, worker_ctx, self.target_service, self.rpc_reply_listener,
                             **self.options)
