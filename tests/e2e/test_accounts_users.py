"""Users and roles: creation rules, updates, deactivation freeing seats, events."""
import secrets

import pytest

from api_client import ApiClient, ApiError
from tests.e2e.accounts_fixtures import (API, event_tap, make_user, new_tenant,  # noqa: F401
                                         password, world_a, world_b)

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


def test_users_list_is_searched_and_filtered_by_the_store_within_the_tenant(operator, world_a, world_b):
    """The console's users page: search and filters answered by the API, a page at a time;
    another tenant's admin gets 404, a report viewer 403, a bad filter 422."""
    admin = world_a.clients["tenant_admin"]
    other_unit = admin.post(f"{API}/tenants/{world_a.id}/units", {"code": "P" + secrets.token_hex(3).upper(),
                                                                  "name": "Phòng Tổ chức"})
    anh, _ = make_user(admin, world_a.id, "learner", other_unit["unit_id"], full_name="Đặng Thị Ánh")
    bao, _ = make_user(admin, world_a.id, "learner", other_unit["unit_id"], full_name="Vũ Quốc Bảo")
    admin.post(f"{API}/users/{bao['user_id']}/deactivate")
    make_user(world_b.clients["tenant_admin"], world_b.id, "learner", world_b.unit["unit_id"], full_name="Đặng Thị Ánh")

    def ids(**query):
        return {u["user_id"] for u in admin.get(f"{API}/tenants/{world_a.id}/users", params=query)}

    assert ids(unit_id=other_unit["unit_id"]) == {anh["user_id"], bao["user_id"]}
    assert ids(unit_id=other_unit["unit_id"], status="inactive") == {bao["user_id"]}
    assert ids(q="thị ánh") == {anh["user_id"]}  # part of the name, any case; not tenant B's namesake
    assert ids(q=anh["username"][:8]) >= {anh["user_id"]}  # start of the username
    assert ids(q="(.*") == set()  # regex characters are text
    assert {u["role"] for u in admin.get(f"{API}/tenants/{world_a.id}/users", params={"role": "instructor"})} == {
        "instructor"}
    assert len(admin.get(f"{API}/tenants/{world_a.id}/users", params={"unit_id": other_unit["unit_id"], "limit": 1})) == 1

    for query, field in (({"role": "pilot"}, "role"), ({"status": "x"}, "status"), ({"unit_id": "1"}, "unit_id"),
                         ({"q": "a\x00b"}, "q")):
        with pytest.raises(ApiError) as err:
            admin.get(f"{API}/tenants/{world_a.id}/users", params=query)
        assert err.value.status == 422 and field in err.value.body["errors"], query
    with pytest.raises(ApiError) as err:
        world_b.clients["tenant_admin"].get(f"{API}/tenants/{world_a.id}/users", params={"q": "ánh"})
    assert err.value.status == 404
    with pytest.raises(ApiError) as err:
        world_a.clients["report_viewer"].get(f"{API}/tenants/{world_a.id}/users")
    assert err.value.status == 403
