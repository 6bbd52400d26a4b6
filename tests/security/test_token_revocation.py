"""Access tokens of a deactivated user, or of a session that signed out, stop working within
a few seconds (the gateway's cached RevokedAccess, refreshed every 2 s); tokens issued after a
reactivation work."""
import datetime as dt

import pytest

from api_client import ApiClient, ApiError
from gateway.tenant_status import RevokedAccess
from gateway.tests.test_app import PRIVATE_JWK, FakeRpc, auth, client
from mooc_common.infra.signing_keys import SigningKey
from services.accounts.security import issue_access_token
from tests.e2e.accounts_fixtures import API, make_user, new_tenant
from tests.polling import eventually

T1 = "1" * 32


class Clock:
    def __init__(self):
        self.now = 0.0

    def __call__(self):
        return self.now


def test_the_cache_follows_revocations_within_its_ttl():
    when = dt.datetime(2026, 12, 1, 9, tzinfo=dt.timezone.utc)
    answers = [{"users": {}, "sessions": {}}, {"users": {"u1": when.isoformat()}, "sessions": {"s1": when.isoformat()}}]
    rpc, clock = FakeRpc(), Clock()
    rpc.answers[("accounts", "revoked_access")] = answers[0]
    revoked = RevokedAccess(rpc, ttl=2.0, clock=clock)
    before, after = when.timestamp() - 60, when.timestamp() + 1
    assert not revoked.revoked("u1", None, before)
    rpc.answers[("accounts", "revoked_access")] = answers[1]
    clock.now = 1.0
    assert not revoked.revoked("u1", None, before)  # cached
    clock.now = 2.5
    assert revoked.revoked("u1", None, before) and revoked.revoked("u9", "s1", before)
    assert not revoked.revoked("u1", None, after)  # a token issued after the revocation


def test_the_gateway_refuses_a_revoked_token():
    now = dt.datetime.now(dt.timezone.utc)
    rpc = FakeRpc({("accounts", "revoked_access"): {"users": {"u1": now.isoformat()}, "sessions": {}},
                   ("accounts", "get_tenant"): {"tenant_id": T1}})
    result = client(rpc).simulate_get(f"/api/v1/tenants/{T1}",
                                      headers=auth("tenant_admin", iat=now - dt.timedelta(seconds=5)))
    assert result.status_code == 401 and "revoked" in result.json["message"]


def test_a_token_issued_after_a_revocation_in_the_same_second_works_and_one_issued_before_does_not():
    """A user deactivated and reactivated who signs in again within the same second: the token's
    iat carries the sub-second time, so the gateway tells it from the tokens issued before the
    deactivation (with whole seconds, a token of that second stayed refused until it expired)."""
    second = dt.datetime.now(dt.timezone.utc).replace(microsecond=0) - dt.timedelta(seconds=1)
    revoked_at = second + dt.timedelta(milliseconds=500)
    rpc = FakeRpc({("accounts", "revoked_access"): {"users": {"u1": revoked_at.isoformat()}, "sessions": {}},
                   ("accounts", "get_tenant"): {"tenant_id": T1}})
    gateway, key = client(rpc), SigningKey(PRIVATE_JWK)
    for issued_ms, status in ((800, 200), (200, 401)):
        access = issue_access_token(key, "u1", T1, "tenant_admin", now=second + dt.timedelta(milliseconds=issued_ms))
        result = gateway.simulate_get(f"/api/v1/tenants/{T1}", headers={"Authorization": f"Bearer {access}"})
        assert result.status_code == status, (issued_ms, result.json)


def _works(token_client, path):
    try:
        token_client.get(path)
        return True
    except ApiError as exc:
        assert exc.status == 401
        return False


@pytest.mark.e2e
def test_deactivation_and_sign_out_end_access_tokens(platform, operator):
    tenant = new_tenant(operator)
    user, body = make_user(operator, tenant["tenant_id"], "report_viewer")
    me = f"{API}/users/{user['user_id']}"
    signed_in = ApiClient(platform.base_url).signed_in(body["username"], body["password"])
    assert _works(signed_in, me)
    operator.post(f"{me}/deactivate")
    eventually(lambda: not _works(signed_in, me), timeout=15)
    operator.post(f"{me}/reactivate")
    assert _works(ApiClient(platform.base_url).signed_in(body["username"], body["password"]), me)

    anonymous = ApiClient(platform.base_url)
    tokens = anonymous.post(f"{API}/auth/token", {"username": body["username"], "password": body["password"]})
    session = ApiClient(platform.base_url, tokens["access_token"])
    assert _works(session, me)
    anonymous.post(f"{API}/auth/logout", {"refresh_token": tokens["refresh_token"]})
    eventually(lambda: not _works(session, me), timeout=15)
