"""Test-only: RPCs with an actor the services accept, without weakening their verification.

A test that calls a service directly (not through the gateway) signs the actor's access token
with the test platform's own access-token private key (``ACCESS_TOKEN_SIGNING_KEY`` of its
environment, generated per test run), exactly as accounts would: the service verifies it
like any other.
"""
import contextlib

from nameko.standalone.rpc import ClusterRpcProxy

from mooc_common.infra.actor_trust import ACTOR_TOKEN
from services.accounts.security import access_token_signer, issue_access_token


def access_token(env, actor):
    return issue_access_token(access_token_signer(env), actor["user_id"], actor.get("tenant_id"), actor["role"])


@contextlib.contextmanager
def rpc_as(env, actor=None, token=None, amqp_uri=None, timeout=15):
    """A standalone RPC proxy whose calls carry ``actor``'s access token, or ``token`` (neither:
    no token, as a forger would call)."""
    token = access_token(env, actor) if actor else token
    context = {ACTOR_TOKEN: token} if token else {}
    with ClusterRpcProxy({"AMQP_URI": amqp_uri or env["AMQP_URI"]}, context_data=context, timeout=timeout) as rpc:
        yield rpc
