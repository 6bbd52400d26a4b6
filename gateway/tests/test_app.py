"""Gateway behaviour with fake collaborators (falcon.testing.TestClient, no broker)."""
import datetime as dt
import uuid

import falcon.testing
import jwt
import pytest

from gateway.app import Deps, create_app
from gateway.config import GatewayConfig
from gateway.errors import ServiceUnavailable
from mooc_common.contracts import errors, tokens

SECRET = "s" * 48
T1 = "1" * 32  # path ids have the platform's shape (gateway/path_ids.py)


# What the services answer to the gateway's own bookkeeping calls.
ENROLLED_IN_C1 = {"cancelled": False, "intake_id": None, "attempt_ids": {},
                  "lessons": {"l1": {"kind": "rich_text", "max_attempts": None,
                                     "accepts": ["lesson_opened", "lesson_completed"]}}}
BOOKKEEPING = {("accounts", "suspended_tenants"): [], ("accounts", "revoked_access"): {"users": {}, "sessions": {}},
               ("progress", "enrollment_context"): ENROLLED_IN_C1}


class FakeRpc:
    def __init__(self, answers=None, failures=None):
        self.answers = {**BOOKKEEPING, **(answers or {})}
        self.failures, self.calls = failures or {}, []

    def call(self, service, method, *args):
        self.calls.append((service, method, args))
        if (service, method) in self.failures:
            raise self.failures[(service, method)]
        return self.answers.get((service, method), {"service": service, "store": True})


class FakePublisher:
    def __init__(self, fail=False):
        self.fail, self.messages = fail, []

    def publish(self, message):
        if self.fail:
            raise ServiceUnavailable("Activity could not be queued: the message broker is unavailable.")
        self.messages.append(message)

    def ping(self):
        return not self.fail


class FakeDeadLetters:
    def __init__(self, counts=None):
        self.found = counts or {}

    def counts(self, services):
        return {f"dead-letter.{s}": self.found.get(s, 0) for s in services}


def token(role="learner", tenant="t1", secret=SECRET, typ=tokens.TOKEN_TYPE, alg="HS256", **overrides):
    now = dt.datetime.now(dt.timezone.utc)
    claims = {"iss": tokens.ISSUER, "aud": tokens.AUDIENCE, "sub": "u1", "tid": tenant, "role": role,
              "iat": now, "exp": now + dt.timedelta(minutes=5), **overrides}
    return jwt.encode(claims, secret, algorithm=alg, headers={"typ": typ})


def client(rpc=None, publisher=None, max_body_bytes=1024 * 1024, dead_letters=None):
    config = GatewayConfig(amqp_uri="amqp://unused", jwt_secret=SECRET, max_body_bytes=max_body_bytes)
    return falcon.testing.TestClient(create_app(Deps(config, rpc or FakeRpc(), publisher or FakePublisher(),
                                                     dead_letters or FakeDeadLetters())))


def auth(role="learner", **kwargs):
    return {"Authorization": f"Bearer {token(role, **kwargs)}"}


def assert_error_body(result, status, code):
    assert result.status_code == status
    assert set(result.json) == {"code", "message", "errors"}
    assert result.json["code"] == code


def test_unknown_route_has_the_common_error_body():
    # Other unknown paths belong to the web app (gateway/tests/test_web.py).
    assert_error_body(client().simulate_get("/api/v1/nope"), 404, "not_found")


def test_missing_expired_forged_and_alg_none_tokens_are_refused():
    c = client()
    assert_error_body(c.simulate_get(f"/api/v1/tenants/{T1}"), 401, "authentication_failed")
    expired = token(exp=dt.datetime.now(dt.timezone.utc) - dt.timedelta(seconds=1))
    for bad in (expired, token(secret="x" * 48), token(typ="JWT"),
                jwt.encode({"sub": "u1", "role": "operator_admin"}, key=None, algorithm="none")):
        result = c.simulate_get(f"/api/v1/tenants/{T1}", headers={"Authorization": f"Bearer {bad}"})
        assert_error_body(result, 401, "authentication_failed")


def test_service_errors_map_to_statuses_with_their_field_errors():
    rpc = FakeRpc(failures={
        ("accounts", "get_tenant"): errors.NotFound("Tenant not found."),
        ("accounts", "create_user"): errors.QuotaExceeded("Learner quota exceeded", {"seats_remaining": 0}),
        ("accounts", "get_user"): errors.ValidationFailed("bad", {"username": ["taken"]}),
    })
    c = client(rpc)
    assert_error_body(c.simulate_get(f"/api/v1/tenants/{T1}", headers=auth("tenant_admin")), 404, "not_found")
    result = c.simulate_post(f"/api/v1/tenants/{T1}/users", json={}, headers=auth("tenant_admin"))
    assert_error_body(result, 409, "quota_exceeded")
    assert result.json["errors"] == {"seats_remaining": 0}
    assert c.simulate_get(f"/api/v1/users/{T1}", headers=auth()).json["errors"] == {"username": ["taken"]}


def test_role_checked_before_any_rpc():
    rpc = FakeRpc()
    result = client(rpc).simulate_post("/api/v1/tenants", json={}, headers=auth("tenant_admin"))
    assert_error_body(result, 403, "permission_denied")
    assert [call for call in rpc.calls if (call[0], call[1]) not in BOOKKEEPING] == []


def test_body_over_the_limit_is_refused_with_413():
    result = client(max_body_bytes=100).simulate_post(
        "/api/v1/activities", body="x" * 200, headers=dict(auth(), **{"Content-Type": "application/json"}))
    assert_error_body(result, 413, "payload_too_large")


def activity(**overrides):
    return {"activity_id": str(uuid.uuid4()), "kind": "lesson_completed", "course_id": "c1",
            "lesson_id": "l1", "occurred_at": "2026-11-23T08:00:00+07:00", **overrides}


def test_activity_is_published_with_identity_from_the_token_then_202():
    publisher = FakePublisher()
    result = client(publisher=publisher).simulate_post("/api/v1/activities", json=activity(), headers=auth())
    assert result.status_code == 202
    (message,) = publisher.messages
    assert (message["learner_id"], message["tenant_id"]) == ("u1", "t1")
    assert message["activities"][0]["occurred_at"].startswith("2026-11-23T08:00:00")


def test_invalid_activity_lists_field_errors_and_publishes_nothing():
    publisher = FakePublisher()
    result = client(publisher=publisher).simulate_post(
        "/api/v1/activities", json=activity(kind="teleport", activity_id="x"), headers=auth())
    assert_error_body(result, 422, "validation_failed")
    assert set(result.json["errors"]) == {"kind", "activity_id"}
    assert publisher.messages == []


def test_batch_is_bounded_to_500():
    result = client().simulate_post("/api/v1/activities/batch",
                                    json={"activities": [activity() for _ in range(501)]}, headers=auth())
    assert_error_body(result, 422, "validation_failed")


def test_broker_down_gives_503_with_retry_after():
    result = client(publisher=FakePublisher(fail=True)).simulate_post(
        "/api/v1/activities", json=activity(), headers=auth())
    assert_error_body(result, 503, "service_unavailable")
    assert result.headers["Retry-After"]


def test_ready_lists_the_services_that_failed_and_only_an_operator_sees_why():
    rpc = FakeRpc(failures={("reports", "ping"): ServiceUnavailable("The reports service is not running.")})
    anonymous = client(rpc).simulate_get("/ready")
    assert anonymous.status_code == 503
    assert anonymous.json == {"ready": False, "failed": ["reports"]}  # no internal details
    learner = client(rpc).simulate_get("/ready", headers=auth())
    assert learner.json == {"ready": False, "failed": ["reports"]}
    operator = client(rpc).simulate_get("/ready", headers={"Authorization": f"Bearer {token(role='operator_admin')}"})
    assert operator.status_code == 503 and operator.json["failed"] == ["reports"]
    assert operator.json["checks"]["accounts"] == "ok"
    assert operator.json["checks"]["reports"] == "The reports service is not running."


def test_ready_warns_of_dead_letters_without_failing():
    operator = {"Authorization": f"Bearer {token(role='operator_admin')}"}
    result = client(dead_letters=FakeDeadLetters({"progress": 2})).simulate_get("/ready", headers=operator)
    assert result.status_code == 200 and result.json["ready"] is True
    assert result.json["warnings"] == {"dead_letters": {"dead-letter.progress": 2}}
    clean = client().simulate_get("/ready", headers=operator)
    assert clean.json["warnings"] == {}


def test_ready_is_computed_once_per_cache_period_and_recovers_by_itself():
    from gateway.resources.health import Ready
    rpc = FakeRpc(failures={("progress", "ping"): ServiceUnavailable("down")})
    cached = Ready(rpc, FakePublisher(), 1.0, FakeDeadLetters(), verify_token=None, cache_seconds=3600)
    assert cached._state()["failed"] == ["progress"]
    pings = len(rpc.calls)
    rpc.failures.clear()  # progress came back, but the cached answer stands for the period
    assert cached._state()["failed"] == ["progress"] and len(rpc.calls) == pings
    fresh = Ready(rpc, FakePublisher(), 1.0, FakeDeadLetters(), verify_token=None, cache_seconds=0)
    rpc.failures[("progress", "ping")] = ServiceUnavailable("down")
    assert fresh._state()["ready"] is False
    rpc.failures.clear()
    assert fresh._state()["ready"] is True  # nothing to restart: the next answer is true again


def test_rpc_client_turns_outages_into_503_and_passes_service_errors_through():
    from nameko.exceptions import RemoteError
    from gateway.rpc import RpcClient

    class Proxy:
        def __init__(self, exc):
            self.exc = exc

        def __getattr__(self, name):
            def fail(*args, **kwargs):
                raise self.exc
            return type("Service", (), {"method": staticmethod(fail)})()

    for outage in (RemoteError("ServerSelectionTimeoutError", "127.0.0.1:27017: connection refused"),
                   RemoteError("AutoReconnect", "connection closed"), ConnectionRefusedError()):
        rpc = RpcClient("amqp://unused", timeout=1)
        rpc._proxy, rpc._local.context = (lambda exc=outage: Proxy(exc)), {}
        with pytest.raises(ServiceUnavailable) as answer:
            rpc.call("progress", "method")
        assert answer.value.body["code"] == "service_unavailable" and answer.value.headers["Retry-After"]
    rpc = RpcClient("amqp://unused", timeout=1)
    rpc._proxy, rpc._local.context = (lambda: Proxy(RemoteError("KeyError", "'x'"))), {}
    with pytest.raises(RemoteError):
        rpc.call("progress", "method")


@pytest.mark.parametrize("path", ["/health", "/ready"])
def test_probes_need_no_token(path):
    assert client().simulate_get(path).status_code == 200


def test_a_stored_report_goes_out_gzipped_to_who_accepts_it_and_plain_to_others():
    import base64
    import gzip
    import json
    report = {"tenant_id": "t1", "name": "Ủy ban nhân dân tỉnh Lào Cai", "enrollments": 3}
    packed = gzip.compress(json.dumps(report, ensure_ascii=False).encode("utf-8"))
    rpc = FakeRpc({("reports", "tenant_report"): {"gzip": base64.b64encode(packed).decode("ascii")}})
    headers = {"Authorization": f"Bearer {token(role='tenant_admin')}"}
    zipped = client(rpc).simulate_get(f"/api/v1/tenants/{T1}/report", headers=dict(headers, **{"Accept-Encoding": "gzip"}))
    assert zipped.status_code == 200 and zipped.headers["content-encoding"] == "gzip"
    assert zipped.content == packed and json.loads(gzip.decompress(zipped.content)) == report
    plain = client(rpc).simulate_get(f"/api/v1/tenants/{T1}/report", headers=headers)
    assert plain.status_code == 200 and "content-encoding" not in plain.headers
    assert plain.json == report and "Accept-Encoding" in plain.headers["vary"]
