"""Item 10: internal trust. A broker user can no longer forge an actor: every RPC's actor is
verified by the receiving service (the user's access token, or a service identity allowed by
principals.PRINCIPALS); each service connects as its own broker user, which cannot consume
another service's queues or publish another's RPCs."""
import datetime as dt
import json
import re
import uuid
from pathlib import Path
from types import SimpleNamespace

import amqp
import jwt
import pytest
from kombu import Connection, Queue

import broker_users
import platformctl
from mooc_common.contracts import errors, tokens
from mooc_common.infra import actor_trust
from mooc_common.infra.actor_trust import ACTOR_TOKEN, CALLER_TOKEN, ActorVerifier, CallerIdentity
from mooc_common.infra.events import EventPublisher
from mooc_common.infra.principals import PRINCIPALS, service_kid_prefix, system_actor
from mooc_common.infra.signing_keys import PublicKeys, SigningKey, jwk_set, new_private_jwk
from services.accounts.security import issue_access_token
from tests.e2e.accounts_fixtures import tenant_world
from tests.signed_actors import access_token, rpc_as

OPERATOR = {"user_id": "0" * 32, "tenant_id": None, "role": "operator_admin"}
LEARNER = {"user_id": "1" * 32, "tenant_id": "2" * 32, "role": "learner"}


@pytest.fixture(scope="module")
def keys():
    access = new_private_jwk(tokens.ACCESS_KEY_ID_PREFIX)
    services = {name: new_private_jwk(service_kid_prefix(name)) for name in PRINCIPALS}
    verifier = ActorVerifier(PublicKeys(jwk_set([access])), PublicKeys(jwk_set(list(services.values()))))
    return {"access": SigningKey(access), "services": services, "verifier": verifier}


def user_token(keys, actor, **when):
    return issue_access_token(keys["access"], actor["user_id"], actor["tenant_id"], actor["role"], **when)


def caller(keys, name, method, key_of=None):
    """A service token of ``name`` for ``method``; ``key_of``: signed with another service's key."""
    if key_of is None:
        return CallerIdentity(name, keys["services"][name]).token_for(method)
    claims = {"iss": name, "sub": method, "aud": actor_trust.SERVICE_AUDIENCE, "iat": 0, "exp": 2 ** 31}
    return SigningKey(keys["services"][key_of]).sign(claims, actor_trust.SERVICE_TOKEN_TYPE)


def refused(keys, method, actor, context):
    with pytest.raises(errors.AuthenticationFailed):
        keys["verifier"].verified(method, actor, context)


def test_an_actor_without_proof_or_with_another_users_token_is_refused(keys):
    refused(keys, "accounts.create_tenant", OPERATOR, {})
    refused(keys, "accounts.create_tenant", OPERATOR, {ACTOR_TOKEN: user_token(keys, LEARNER)})
    refused(keys, "accounts.create_tenant", "operator", {})
    other = SigningKey(new_private_jwk(tokens.ACCESS_KEY_ID_PREFIX))
    forged = issue_access_token(other, OPERATOR["user_id"], None, "operator_admin")
    refused(keys, "accounts.create_tenant", OPERATOR, {ACTOR_TOKEN: forged})
    long_ago = dt.datetime.now(dt.timezone.utc) - dt.timedelta(hours=1)
    refused(keys, "accounts.create_tenant", OPERATOR, {ACTOR_TOKEN: user_token(keys, OPERATOR, now=long_ago)})


def test_the_users_token_vouches_for_exactly_its_actor(keys):
    context = {ACTOR_TOKEN: user_token(keys, LEARNER)}
    assert keys["verifier"].verified("progress.my_courses", {**LEARNER, "role": "learner", "extra": 1}, context) == LEARNER
    refused(keys, "progress.my_courses", {**LEARNER, "tenant_id": "3" * 32}, context)


def test_a_service_acts_in_its_own_name_only_on_its_registered_calls(keys):
    actor = system_actor("courses")
    ok = keys["verifier"].verified
    assert ok("accounts.get_tenant", actor, {CALLER_TOKEN: caller(keys, "courses", "accounts.get_tenant")}) == actor
    # not registered for courses, a token minted for another method, another service's key
    refused(keys, "accounts.create_tenant", actor, {CALLER_TOKEN: caller(keys, "courses", "accounts.create_tenant")})
    refused(keys, "accounts.get_tenant", actor, {CALLER_TOKEN: caller(keys, "courses", "accounts.get_user")})
    refused(keys, "accounts.get_tenant", actor, {CALLER_TOKEN: caller(keys, "courses", "accounts.get_tenant",
                                                                       key_of="reports")})
    # its identity does not make it the operator, nor another service
    refused(keys, "accounts.get_tenant", OPERATOR, {CALLER_TOKEN: caller(keys, "courses", "accounts.get_tenant")})
    refused(keys, "accounts.get_tenant", system_actor("progress"),
            {CALLER_TOKEN: caller(keys, "courses", "accounts.get_tenant")})
    # the gateway vouches for a learner (cmi5 session) on its registered call only
    gateway = {CALLER_TOKEN: caller(keys, "gateway", "progress.enrollment_context")}
    assert ok("progress.enrollment_context", LEARNER, gateway) == LEARNER
    refused(keys, "progress.enrollment_context", OPERATOR, gateway)
    # progress passes such a learner on to courses when the enrollment's events are in flight
    progress = {CALLER_TOKEN: caller(keys, "progress", "courses.my_enrollment_announcements")}
    assert ok("courses.my_enrollment_announcements", LEARNER, progress) == LEARNER
    refused(keys, "courses.my_enrollment_announcements", OPERATOR, progress)
    refused(keys, "courses.enroll", LEARNER, {CALLER_TOKEN: caller(keys, "progress", "courses.enroll")})


def test_service_tokens_are_short_lived_and_bound_to_one_method(keys):
    token = CallerIdentity("gateway", keys["services"]["gateway"]).token_for("accounts.get_tenant")
    claims = jwt.decode(token, options={"verify_signature": False})
    assert claims["sub"] == "accounts.get_tenant" and claims["exp"] - claims["iat"] == 60
    with pytest.raises(RuntimeError):
        CallerIdentity("gateway", keys["services"]["courses"])  # a key is its own service's only


def service_classes():
    from services.accounts.service import AccountsService
    from services.courses.service import CoursesService
    from services.integrations.service import IntegrationsService
    from services.progress.service import ProgressService
    from services.reports.service import ReportsService
    return (AccountsService, CoursesService, IntegrationsService, ProgressService, ReportsService)


def rpc_methods(cls):
    return {name for name, member in vars(cls).items() if any(
        isinstance(e, actor_trust.TrustedRpc) for e in getattr(member, "nameko_entrypoints", ()))} | {"ping"}


def test_the_registration_fits_the_services_rpcs():
    """Every RPC can be published by the gateway and bound by its service; every service's
    RpcProxy targets a service it is registered to call; system calls name real RPCs."""
    methods = {cls.name: rpc_methods(cls) for cls in service_classes()}
    gateway = PRINCIPALS["gateway"].broker_permissions()["topic"]
    for service, names in methods.items():
        assert service in PRINCIPALS
        for name in names:
            assert re.search(gateway["write"], f"{service}.{name}"), (service, name)
        assert re.search(PRINCIPALS[service].broker_permissions()["topic"]["read"], f"{service}.*")
    for cls in service_classes():
        for member in vars(cls).values():
            if isinstance(member, actor_trust.RpcProxy):
                assert member.target_service in PRINCIPALS[cls.name].calls, (cls.name, member.target_service)
    for principal in PRINCIPALS.values():
        for call in principal.system_calls + principal.vouches_for_learner:
            service, name = call.split(".")
            assert name in methods[service], call
            assert re.search(principal.broker_permissions()["topic"]["write"], call)


def test_rpc_credentials_stay_out_of_events():
    worker_ctx = SimpleNamespace(context_data={"correlation_id": "c", ACTOR_TOKEN: "user", CALLER_TOKEN: "svc"})
    assert EventPublisher().get_message_headers(worker_ctx) == {"nameko.correlation_id": "c"}


def test_the_kubernetes_bootstrap_applies_the_registered_permissions():
    on_disk = json.loads((Path(__file__).resolve().parents[2] / "deploy/k8s/base/rabbitmq/principals.json").read_text())
    assert on_disk == broker_users.kubernetes_principals(), "run: python scripts/broker_users.py > that file"


# Over the real broker and the running services.

@pytest.mark.e2e
def test_a_forged_operator_actor_is_refused_over_the_broker(platform, operator):
    with rpc_as(platform.env) as rpc:  # any broker user, no token: today's attack
        with pytest.raises(errors.AuthenticationFailed):
            rpc.accounts.list_tenants(OPERATOR)
        with pytest.raises(errors.AuthenticationFailed):
            rpc.accounts.create_tenant({"role": "operator_admin", "user_id": "x", "tenant_id": None}, {})
    world = tenant_world(platform, operator, roles=("learner",))
    tenant, learner = world.tenant, world.users["learner"]
    learner_actor = {"user_id": learner["user_id"], "tenant_id": tenant["tenant_id"], "role": "learner"}
    with rpc_as(platform.env, learner_actor) as rpc:  # a real learner's token, an operator's actor
        with pytest.raises(errors.AuthenticationFailed):
            rpc.accounts.list_tenants(OPERATOR)
        assert rpc.accounts.get_user(learner_actor, learner["user_id"])["user_id"] == learner["user_id"]
    operator_token = operator.session.headers["Authorization"].split()[1]
    operator_actor = tokens.actor_of(tokens.verify_access_token(
        operator_token, PublicKeys(platform.env["ACCESS_TOKEN_PUBLIC_KEYS"])))
    with rpc_as(platform.env, token=operator_token) as rpc:  # the real operator's token: allowed
        assert rpc.accounts.get_tenant(operator_actor, tenant["tenant_id"])["tenant_id"] == tenant["tenant_id"]


@pytest.mark.e2e
def test_a_test_may_sign_actors_with_its_own_platforms_key(platform, operator):
    world = tenant_world(platform, operator, roles=("tenant_admin",))
    tenant, admin = world.tenant, world.users["tenant_admin"]
    actor = {"user_id": admin["user_id"], "tenant_id": tenant["tenant_id"], "role": "tenant_admin"}
    assert jwt.get_unverified_header(access_token(platform.env, actor))["alg"] == "EdDSA"
    with rpc_as(platform.env, actor) as rpc:
        assert rpc.accounts.get_tenant(actor, tenant["tenant_id"])["tenant_id"] == tenant["tenant_id"]


def broker_user(platform, name):
    return platform.env[platformctl.broker_uri_variable(name)]


@pytest.mark.e2e
def test_a_services_broker_user_cannot_consume_another_services_queue(platform):
    with Connection(broker_user(platform, "courses"), connect_timeout=5) as conn:
        channel = conn.channel()
        own = f"courses.trust-probe-{uuid.uuid4().hex}"
        Queue(own, exclusive=True, auto_delete=True)(channel).declare()
        channel.basic_consume(own, callback=lambda m: None)  # a queue of its own: allowed
        for queue in ("rpc-accounts", "progress.activities", "dead-letter.reports", "reports.projector"):
            channel = conn.channel()
            with pytest.raises(amqp.exceptions.AccessRefused):
                channel.basic_consume(queue, callback=lambda m: None)
        # nor listen in on another service's RPCs by binding a queue of its own to them
        channel = conn.channel()
        name = f"rpc.reply-courses-{uuid.uuid4()}"
        Queue(name, exclusive=True, auto_delete=True)(channel).declare()
        with pytest.raises(amqp.exceptions.AccessRefused):
            channel.queue_bind(name, "nameko-rpc", routing_key="accounts.*")


@pytest.mark.e2e
def test_a_services_broker_user_publishes_only_its_own_rpcs_and_events(platform):
    def publish(name, exchange, routing_key):
        with Connection(broker_user(platform, name), connect_timeout=5) as conn:
            channel = conn.channel()
            channel.basic_publish(amqp.Message("{}"), exchange=exchange, routing_key=routing_key)
            channel.basic_qos(0, 1, False)  # a round trip: a refused publish has closed the channel by then
    publish("courses", "nameko-rpc", str(uuid.uuid4()))  # a reply (routes nowhere here): allowed
    for name, exchange, key in (("courses", "nameko-rpc", "progress.my_courses"),  # not one of its callees
                                ("reports", "nameko-rpc", "integrations.list_subscribers"),  # not one of its callees
                                ("courses", "accounts.events", "accounts.tenant.created.v1"),  # another's events
                                ("gateway", "", "rpc-accounts")):  # the gateway cannot write into queues directly
        with pytest.raises(amqp.exceptions.AccessRefused):
            publish(name, exchange, key)
