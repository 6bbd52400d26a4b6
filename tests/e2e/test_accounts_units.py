"""Organisational units: a tree per tenant, published with each unit's path."""
import pytest

from api_client import ApiError
from tests.e2e.accounts_fixtures import API, event_tap, new_tenant  # noqa: F401

pytestmark = pytest.mark.e2e


def test_unit_tree_create_rename_move_deactivate_with_events(operator, event_tap):
    tenant = new_tenant(operator)
    units_path = f"{API}/tenants/{tenant['tenant_id']}/units"
    tap = event_tap("accounts.unit.*.v1")

    def unit(code, name, parent=None):
        return operator.post(units_path, {"code": code, "name": name,
                                          "parent_id": parent and parent["unit_id"]})
    province = unit("LC", "Tỉnh Lào Cai")
    district = unit("SAPA", "Thị xã Sa Pa", province)
    commune = unit("TAVAN", "Xã Tả Van", district)
    other = unit("BATXAT", "Huyện Bát Xát", province)
    assert commune["path"] == [province["unit_id"], district["unit_id"], commune["unit_id"]]

    with pytest.raises(ApiError) as err:
        unit("sapa", "Trùng mã", province)  # codes are unique per tenant, case-insensitively
    assert err.value.status == 409

    renamed = operator.request("PATCH", f"{API}/units/{commune['unit_id']}", json={"name": "Xã Tả Van mới"})
    assert renamed["name"] == "Xã Tả Van mới"

    with pytest.raises(ApiError) as err:  # under its own descendant: a cycle
        operator.post(f"{API}/units/{district['unit_id']}/move", {"parent_id": commune["unit_id"]})
    assert err.value.status == 422 and "parent_id" in err.value.body["errors"]

    moved = operator.post(f"{API}/units/{district['unit_id']}/move", {"parent_id": other["unit_id"]})
    assert moved["path"] == [province["unit_id"], other["unit_id"], district["unit_id"]]
    listed = {u["unit_id"]: u for u in operator.get(units_path)}
    assert listed[commune["unit_id"]]["path"] == [province["unit_id"], other["unit_id"],
                                                  district["unit_id"], commune["unit_id"]]

    assert operator.post(f"{API}/units/{other['unit_id']}/deactivate")["status"] == "inactive"

    # 4 created, 1 renamed, 2 moved (the unit and its descendant), 1 deactivated
    events = tap.drain(8)
    kinds = [(e["type"], e["payload"]["unit_id"]) for e in events]
    assert kinds.count(("accounts.unit.created.v1", commune["unit_id"])) == 1
    moved_events = [e["payload"] for e in events[5:7]]
    assert {p["unit_id"] for p in moved_events} == {district["unit_id"], commune["unit_id"]}
    assert all(p["path"][:2] == [province["unit_id"], other["unit_id"]] for p in moved_events)
    assert events[-1]["payload"]["status"] == "inactive"

    with pytest.raises(ApiError) as err:  # users cannot join an inactive unit
        operator.post(f"{API}/tenants/{tenant['tenant_id']}/users", {
            "username": f"u.{tenant['code'].lower()}", "full_name": "Lò Văn Páo", "phone": "0987654321",
            "category": "citizen", "unit_id": other["unit_id"]})
    assert err.value.status == 422 and "unit_id" in err.value.body["errors"]
