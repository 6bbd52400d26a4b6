"""Sign-in: access + rotating refresh tokens, sign-out, rate limiting of failed attempts."""
import pytest

from api_client import ApiClient, ApiError
from tests.e2e.accounts_fixtures import API, make_user, world_a  # noqa: F401

pytestmark = pytest.mark.e2e


@pytest.fixture
def account(operator, world_a):
    user, body = make_user(operator, world_a.id, "instructor")
    return user, body["username"], body["password"]


def _post(client, path, body):
    try:
        return 200, client.post(path, body)
    except ApiError as exc:
        return exc.status, exc.body


def test_refresh_rotates_and_reuse_revokes_the_family(anonymous, account):
    user, username, pw = account
    first = anonymous.post(f"{API}/auth/token", {"username": username, "password": pw})
    assert first["expires_in"] <= 900 and first["refresh_token"]
    second = anonymous.post(f"{API}/auth/refresh", {"refresh_token": first["refresh_token"]})
    assert second["refresh_token"] != first["refresh_token"]
    me = ApiClient(anonymous.base_url, second["access_token"]).get(f"{API}/users/{user['user_id']}")
    assert me["username"] == username

    # the spent token comes back (stolen?): refused, and the whole family is revoked
    status, body = _post(anonymous, f"{API}/auth/refresh", {"refresh_token": first["refresh_token"]})
    assert (status, body["code"]) == (401, "authentication_failed")
    status, _ = _post(anonymous, f"{API}/auth/refresh", {"refresh_token": second["refresh_token"]})
    assert status == 401


def test_logout_revokes_the_refresh_token(anonymous, account):
    _, username, pw = account
    tokens = anonymous.post(f"{API}/auth/token", {"username": username, "password": pw})
    assert anonymous.post(f"{API}/auth/logout", {"refresh_token": tokens["refresh_token"]})["signed_out"]
    status, _ = _post(anonymous, f"{API}/auth/refresh", {"refresh_token": tokens["refresh_token"]})
    assert status == 401
    status, _ = _post(anonymous, f"{API}/auth/refresh", {"refresh_token": "garbage.token"})
    assert status == 401


def test_failed_sign_ins_are_rate_limited_per_account(anonymous, account, operator, world_a):
    _, username, pw = account
    _, other = make_user(operator, world_a.id, "instructor")
    for _ in range(5):
        status, body = _post(anonymous, f"{API}/auth/token", {"username": username, "password": "wrong-password"})
        assert status == 401
    response = anonymous.session.post(f"{anonymous.base_url}{API}/auth/token",
                                      json={"username": username, "password": pw})
    assert response.status_code == 429 and response.json()["code"] == "rate_limited"
    assert 1 <= int(response.headers["Retry-After"]) <= 60
    # another account is not affected
    assert anonymous.post(f"{API}/auth/token", {"username": other["username"], "password": other["password"]})


def test_bad_sign_in_bodies_are_422(anonymous):
    status, body = _post(anonymous, f"{API}/auth/token", {"username": "x"})
    assert status == 422 and "password" in body["errors"]
