"""Tenants (operator), suspension, annual training plans: through the gateway."""
import pytest

from api_client import ApiClient, ApiError
from tests.e2e.accounts_fixtures import (API, FOCAL, make_user, new_tenant,  # noqa: F401
                                         world_a, world_b)
from tests.polling import eventually

pytestmark = pytest.mark.e2e


def test_create_tenant_defaults_and_nfc_name(operator):
    decomposed = "Bo\u0302\u0323 Ta\u0300i chi\u0301nh"  # "Bộ Tài chính" in NFD
    tenant = new_tenant(operator, name=decomposed, kind="ministry")
    assert tenant["name"] == "Bộ Tài chính"
    assert tenant["learner_quota"] == 20_000 and tenant["seats_used"] == 0
    assert tenant["status"] == "active" and tenant["quota_override"] is None
    assert operator.get(f"{API}/tenants/{tenant['tenant_id']}")["name"] == "Bộ Tài chính"


@pytest.mark.parametrize("change, field", [
    ({"learner_quota": 19_999}, "learner_quota"),
    ({"learner_quota": 45_000}, "learner_quota"),
    ({"kind": "village"}, "kind"),
    ({"code": "a"}, "code"),
    ({"focal_contact": dict(FOCAL, mobile="0212345678")}, "focal_contact"),
    ({"focal_contact": dict(FOCAL, email="not-an-email")}, "focal_contact"),
    ({"storage_quota_bytes": -1}, "storage_quota_bytes"),
])
def test_create_tenant_refuses_invalid_fields(operator, change, field):
    with pytest.raises(ApiError) as err:
        new_tenant(operator, **change)
    assert err.value.status == 422
    assert err.value.body["code"] == "validation_failed" and field in err.value.body["errors"]


def test_quota_above_40000_needs_override_recorded_with_who_and_when(operator):
    tenant = new_tenant(operator, learner_quota=45_000, quota_override=True)
    assert tenant["learner_quota"] == 45_000
    assert tenant["quota_override"]["by"] and tenant["quota_override"]["at"]


def test_duplicate_code_is_a_conflict(operator):
    tenant = new_tenant(operator)
    with pytest.raises(ApiError) as err:
        new_tenant(operator, code=tenant["code"])
    assert err.value.status == 409


def test_update_tenant(operator):
    tenant = new_tenant(operator)
    path = f"{API}/tenants/{tenant['tenant_id']}"
    updated = operator.request("PATCH", path, json={"name": "Sở Y tế tỉnh Điện Biên", "learner_quota": 30_000})
    assert (updated["name"], updated["learner_quota"]) == ("Sở Y tế tỉnh Điện Biên", 30_000)
    with pytest.raises(ApiError) as err:
        operator.request("PATCH", path, json={"learner_quota": 50_000})
    assert err.value.status == 422


def test_suspended_tenant_cannot_sign_in_and_tokens_are_refused(platform, operator):
    tenant = new_tenant(operator)
    user, body = make_user(operator, tenant["tenant_id"], "tenant_admin")
    admin = ApiClient(platform.base_url).signed_in(body["username"], body["password"])
    tenant_path = f"{API}/tenants/{tenant['tenant_id']}"
    admin.get(tenant_path)

    assert operator.post(f"{tenant_path}/suspend")["status"] == "suspended"
    with pytest.raises(ApiError) as err:
        ApiClient(platform.base_url).signed_in(body["username"], body["password"])
    assert (err.value.status, err.value.body["code"]) == (403, "tenant_suspended")

    assert eventually(lambda: _answer(admin, tenant_path) == (403, "tenant_suspended"), timeout=15)

    assert operator.post(f"{tenant_path}/reactivate")["status"] == "active"
    assert eventually(lambda: _answer(admin, tenant_path) == (200, None), timeout=15)
    assert operator.get(tenant_path)["seats_used"] == 0  # nothing was deleted or changed


def test_training_plan_submitted_by_tenant_admin_visible_to_operator(operator, world_a):
    path = f"{API}/tenants/{world_a.id}/training-plans/2027"
    admin = world_a.clients["tenant_admin"]
    plan = admin.request("PUT", path, json={"planned_courses": 12, "planned_learners": 15_000})
    assert (plan["year"], plan["planned_learners"]) == (2027, 15_000)
    assert operator.get(path)["planned_courses"] == 12
    admin.request("PUT", path, json={"planned_courses": 14, "planned_learners": 15_000})
    assert operator.get(path)["planned_courses"] == 14
    with pytest.raises(ApiError) as err:
        admin.request("PUT", path, json={"planned_courses": -1, "planned_learners": 1})
    assert err.value.status == 422
    with pytest.raises(ApiError) as err:
        operator.get(f"{API}/tenants/{world_a.id}/training-plans/2031")
    assert err.value.status == 404


def _answer(client, path):
    try:
        client.get(path)
        return 200, None
    except ApiError as exc:
        return exc.status, exc.body["code"]
