"""Accounts' unit tree and bulk import at the service layer (services/accounts/service.py over
the real store). Units are changed only through AccountsStore.unit_tree (the tenant's lock in
this process plus a lease document other instances wait for): two moves racing cannot build
a cycle, a rename racing a move of its parent keeps both, a unit created under a moving
parent gets the parent's new path, and a lease left by a crashed instance is taken over
while a live one is waited for. A bulk import runs from its queued message to activation
codes downloadable once."""
import base64
import datetime as dt
import uuid

import eventlet
import pytest

from mooc_common.contracts.errors import Conflict, NotFound, ValidationFailed
from mooc_common.contracts.events.accounts import IMPORT_FINISHED, UNIT_CREATED, UNIT_UPDATED, USERS_IMPORTED
from mooc_common.infra.outbox import COLLECTION
from services.accounts import unit_tree
from services.accounts.service import AccountsService
from services.accounts.storage import AccountsStore
from tests.service.conftest import build_worker

pytestmark = pytest.mark.service

OPERATOR = {"user_id": "op", "role": "operator_admin", "tenant_id": None}
JWT_SECRET = "service-tier-secret-" + "x" * 24


@pytest.fixture(scope="module")
def accounts_worker(probe_env):
    """One worker and database for the module (creating accounts' collections takes seconds
    on FerretDB); each test works in a tenant of its own."""
    return build_worker(probe_env, AccountsService, AccountsStore, config={"JWT_SECRET": JWT_SECRET})


@pytest.fixture
def accounts(accounts_worker):
    worker, published = accounts_worker
    published.clear()
    code = f"T{uuid.uuid4().hex[:8].upper()}"
    tenant = worker.create_tenant(OPERATOR, {
        "code": code, "name": "Tỉnh Hà Giang", "kind": "province",
        "focal_contact": {"full_name": "Đầu mối", "mobile": "0912345678", "email": "dau.moi@hagiang.gov.vn"}})
    admin = {"user_id": "admin", "role": "tenant_admin", "tenant_id": tenant["tenant_id"]}
    return worker, published, tenant["tenant_id"], admin


def _unit(worker, admin, tenant_id, code, parent=None):
    return worker.create_unit(admin, tenant_id, {"code": code, "name": f"Đơn vị {code}",
                                                 "parent_id": parent["unit_id"] if parent else None})


def _consistent_paths(worker, tenant_id):
    """Every unit's path is its parent's path and its own id (no cycle, no stale place)."""
    units = {u["_id"]: u for u in worker.store.tenant_units(tenant_id)}
    for unit in units.values():
        parent = units.get(unit.get("parent_id"))
        assert unit["path"] == (parent["path"] if parent else []) + [unit["_id"]], unit["code"]
    return units


def _outcome(call):
    try:
        call()
        return "moved"
    except ValidationFailed:
        return "refused"


def test_two_racing_moves_cannot_build_a_cycle(accounts):
    worker, published, tenant_id, admin = accounts
    a, b = _unit(worker, admin, tenant_id, "DV-A"), _unit(worker, admin, tenant_id, "DV-B")
    pool = eventlet.GreenPool(2)
    outcomes = list(pool.imap(lambda pair: _outcome(lambda: worker.move_unit(admin, pair[0]["unit_id"], {
        "parent_id": pair[1]["unit_id"]})), [(a, b), (b, a)]))
    assert sorted(outcomes) == ["moved", "refused"]  # the second sees the first's move: a cycle
    units = _consistent_paths(worker, tenant_id)
    assert sum(1 for u in units.values() if u.get("parent_id")) == 1
    assert len(published.of_type(UNIT_UPDATED)) == 1
    assert worker.store.db[COLLECTION].count_documents({}) == 0
    assert worker.store.unit_tree_leases.count_documents({}) == 0  # every lease given back


def test_a_rename_racing_a_move_of_its_parent_keeps_both(accounts):
    worker, published, tenant_id, admin = accounts
    top, other = _unit(worker, admin, tenant_id, "TOP"), _unit(worker, admin, tenant_id, "KHAC")
    child = _unit(worker, admin, tenant_id, "CON", top)
    pool = eventlet.GreenPool(4)
    pool.spawn(worker.move_unit, admin, top["unit_id"], {"parent_id": other["unit_id"]})
    pool.spawn(worker.rename_unit, admin, child["unit_id"], {"name": "Phòng mới"})
    pool.spawn(worker.create_unit, admin, tenant_id, {"code": "CHAU", "name": "Cháu", "parent_id": child["unit_id"]})
    pool.waitall()
    units = _consistent_paths(worker, tenant_id)
    assert units[child["unit_id"]]["name"] == "Phòng mới"
    assert units[child["unit_id"]]["path"] == [other["unit_id"], top["unit_id"], child["unit_id"]]
    grandchild = next(u for u in units.values() if u["code"] == "CHAU")
    assert grandchild["path"][:3] == [other["unit_id"], top["unit_id"], child["unit_id"]]
    latest = max((e for e in published.of_type(UNIT_UPDATED) if e["payload"]["unit_id"] == child["unit_id"]),
                 key=lambda e: dt.datetime.fromisoformat(e["occurred_at"]))  # what consumers keep (event time)
    assert (latest["payload"]["name"], latest["payload"]["path"]) == ("Phòng mới", units[child["unit_id"]]["path"])
    assert len(published.of_type(UNIT_CREATED)) == 4


def test_a_duplicate_code_is_refused_and_leaves_no_outbox_entry(accounts):
    worker, published, tenant_id, admin = accounts
    _unit(worker, admin, tenant_id, "DV-A")
    with pytest.raises(Conflict):
        _unit(worker, admin, tenant_id, "DV-A")
    with pytest.raises(ValidationFailed):
        worker.create_unit(admin, tenant_id, {"code": "DV-B", "name": "DV-B", "parent_id": "f" * 32})
    assert len(published.of_type(UNIT_CREATED)) == 1
    assert worker.store.db[COLLECTION].count_documents({}) == 0


def test_a_crashed_instances_lease_is_taken_over_and_a_live_one_waited_for(accounts, monkeypatch):
    worker, published, tenant_id, admin = accounts
    a = _unit(worker, admin, tenant_id, "DV-A")
    leases = worker.store.unit_tree_leases
    leases.insert_one({"_id": tenant_id, "holder": "crashed", "expires_at": dt.datetime.now(dt.timezone.utc)})
    assert worker.rename_unit(admin, a["unit_id"], {"name": "Đổi tên"})["name"] == "Đổi tên"
    assert leases.count_documents({}) == 0

    leases.insert_one({"_id": tenant_id, "holder": "elsewhere",
                       "expires_at": dt.datetime.now(dt.timezone.utc) + dt.timedelta(minutes=1)})
    monkeypatch.setattr(unit_tree, "LEASE_TRIES", 3)
    with pytest.raises(Conflict):
        worker.rename_unit(admin, a["unit_id"], {"name": "Không được"})
    assert worker.store.get_unit(a["unit_id"])["name"] == "Đổi tên"
    releaser = eventlet.spawn_after(0.05, leases.delete_one, {"_id": tenant_id})  # the other instance finishes
    monkeypatch.setattr(unit_tree, "LEASE_TRIES", 300)  # up to 30 s: a loaded machine is slow to release
    assert worker.rename_unit(admin, a["unit_id"], {"name": "Sau khi chờ"})["name"] == "Sau khi chờ"
    releaser.wait()


def _csv(rows):
    lines = ["username,full_name,unit_code,category,email"] + [",".join(r + (f"{r[0]}@hagiang.gov.vn",)) for r in rows]
    return base64.b64encode("\n".join(lines).encode()).decode("ascii")


def test_an_import_runs_from_its_queued_message_to_codes_downloaded_once(accounts):
    worker, published, tenant_id, admin = accounts
    _unit(worker, admin, tenant_id, "SNV")
    job = worker.start_import(admin, tenant_id, _csv([(f"hv.{tenant_id[:6]}.{n}", f"Học viên {n}", "SNV", "cadre")
                                                     for n in range(3)]))
    assert job["state"] == "queued"
    (message,), kwargs = worker.dispatch_import.call_args
    assert kwargs == {"routing_key": "run"}
    worker.run_import(message)
    worker.run_import(message)  # redelivered after it finished: nothing twice
    view = worker.get_import(admin, job["job_id"])
    assert view["result"] == {"valid": True, "created": 3, "batches": 1}, view["errors"]
    assert worker.store.get_tenant(tenant_id)["seats_used"] == 3
    (imported,) = published.of_type(USERS_IMPORTED)  # one event per batch of learners
    assert sorted(u["status"] for u in imported["payload"]["users"]) == ["pending_activation"] * 3
    assert [e["payload"]["state"] for e in published.of_type(IMPORT_FINISHED)] == ["done"]
    (mails,), _ = worker.hand_over_mails.call_args  # their activation codes go to notifications
    assert len(mails["recipients"]) == 3
    codes = worker.import_activation_codes(admin, job["job_id"]).splitlines()
    assert codes[0] == "\ufeffusername,full_name,activation_code,expires_at" and len(codes) == 4
    with pytest.raises(Conflict):
        worker.import_activation_codes(admin, job["job_id"])
    assert worker.store.db[COLLECTION].count_documents({}) == 0


def test_an_import_with_an_unknown_unit_fails_and_creates_nobody(accounts):
    worker, published, tenant_id, admin = accounts
    job = worker.start_import(admin, tenant_id, _csv([(f"hv.{tenant_id[:6]}", "Học viên 1", "KHONG", "cadre")]))
    worker.run_import(worker.dispatch_import.call_args[0][0])
    view = worker.get_import(admin, job["job_id"])
    assert view["state"] == "failed" and view["error_count"] == 1
    assert view["errors"][0]["column"] == "unit_code"
    assert worker.store.get_tenant(tenant_id)["seats_used"] == 0 and not published.of_type(USERS_IMPORTED)
    other_admin = {"user_id": "x", "role": "tenant_admin", "tenant_id": "e" * 32}
    with pytest.raises(NotFound) as refused:
        worker.get_import(other_admin, job["job_id"])
    assert isinstance(refused.value, NotFound)  # another tenant's job does not exist for it
