"""Users and roles: creation rules, updates, deactivation freeing seats, events."""
import pytest

from api_client import ApiClient, ApiError
from tests.e2e.accounts_fixtures import (API, event_tap, make_user, new_tenant,  # noqa: F401
                                         password, world_a)

pytestmark = pytest.mark.e2e


def test_learner_lifecycle_counts_seats_and_publishes_ids_only(operator, world_a, event_tap):
    tap = event_tap("accounts.user.*.v1")
    admin = world_a.clients["tenant_admin"]
    seats = admin.get(f"{API}/tenants/{world_a.id}")["seats_used"]
    learner, _ = make_user(admin, world_a.id, "learner", world_a.unit["unit_id"], job_title="Chuyên viên",
                           phone="+84987654321")
    assert learner["job_title"] == "Chuyên viên" and learner["unit_id"] == world_a.unit["unit_id"]
    assert admin.get(f"{API}/tenants/{world_a.id}")["seats_used"] == seats + 1

    updated = admin.request("PATCH", f"{API}/users/{learner['user_id']}", json={"category": "cadre"})
    assert updated["category"] == "cadre"
    assert admin.post(f"{API}/users/{learner['user_id']}/deactivate")["status"] == "inactive"
    assert admin.get(f"{API}/tenants/{world_a.id}")["seats_used"] == seats  # its seat is free again
    assert admin.post(f"{API}/users/{learner['user_id']}/reactivate")["status"] == "active"
    assert admin.get(f"{API}/tenants/{world_a.id}")["seats_used"] == seats + 1

    events = [e for e in tap.drain(4) if e["payload"]["user_id"] == learner["user_id"]]
    assert [e["type"] for e in events] == ["accounts.user.registered.v1"] + ["accounts.user.updated.v1"] * 3
    for event in events:
        assert set(event["payload"]) == {"user_id", "tenant_id", "role", "unit_id", "category", "status"}
    assert events[2]["payload"]["status"] == "inactive"


@pytest.mark.parametrize("change, field", [
    ({"username": "A"}, "username"),
    ({"email": None, "phone": None}, "email"),
    ({"phone": "12345"}, "phone"),
    ({"category": "alien"}, "category"),
    ({"role": "operator_admin"}, "role"),
    ({"password": "short"}, "password"),
    ({"password": "1234567890"}, "password"),
])
def test_user_fields_are_validated_with_clear_messages(operator, world_a, change, field):
    with pytest.raises(ApiError) as err:
        make_user(operator, world_a.id, "learner", fields=change)
    assert err.value.status == 422 and field in err.value.body["errors"]
    assert all(isinstance(m, str) and m for m in err.value.body["errors"][field])


def test_password_containing_username_is_refused(operator, world_a):
    with pytest.raises(ApiError) as err:
        make_user(operator, world_a.id, "learner", username="ngoc.tran", password="xx-ngoc.tran-2026")
    assert err.value.body["errors"]["password"] == ["must not contain the username"]


def test_usernames_are_unique_platform_wide(operator, world_a):
    other = new_tenant(operator)
    user, body = make_user(operator, world_a.id, "instructor")
    with pytest.raises(ApiError) as err:
        make_user(operator, other["tenant_id"], "instructor", username=body["username"])
    assert err.value.status == 409


def test_deactivated_user_cannot_sign_in(platform, operator, world_a):
    user, body = make_user(operator, world_a.id, "report_viewer")
    operator.post(f"{API}/users/{user['user_id']}/deactivate")
    with pytest.raises(ApiError) as err:
        ApiClient(platform.base_url).signed_in(body["username"], body["password"])
    assert err.value.status == 401
