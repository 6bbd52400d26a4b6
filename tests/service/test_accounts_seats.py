"""Accounts' seats at the service layer (services/accounts/service.py over the real store):
the learner quota holds under concurrent creations (the per-tenant write lock now lives in
AccountsStore.take_seats / release_seats / update_tenant, not in the service), a refused or
failed creation leaves the counter as it was, deactivation frees a seat and reactivation
takes one back, and each change is announced once through the outbox, which ends empty."""
import uuid

import eventlet
import pytest

from mooc_common.contracts.errors import Conflict, QuotaExceeded
from mooc_common.contracts.events.accounts import TENANT_CREATED, USER_REGISTERED, USER_UPDATED
from mooc_common.infra.outbox import COLLECTION
from services.accounts.service import AccountsService
from services.accounts.storage import AccountsStore
from tests.service.conftest import build_worker

pytestmark = pytest.mark.service

OPERATOR = {"user_id": "op", "role": "operator_admin", "tenant_id": None}


@pytest.fixture(scope="module")
def accounts_worker(probe_env):
    """One worker and database for the module (creating accounts' collections takes seconds
    on FerretDB); each test works in a tenant of its own."""
    return build_worker(probe_env, AccountsService, AccountsStore)


@pytest.fixture
def accounts(accounts_worker):
    worker, published = accounts_worker
    published.clear()
    tenant = worker.create_tenant(OPERATOR, {
        "code": f"T{uuid.uuid4().hex[:8].upper()}", "name": "Tỉnh Lai Châu", "kind": "province",
        "focal_contact": {"full_name": "Đầu mối", "mobile": "0912345678", "email": "dau.moi@laichau.gov.vn"}})
    worker.store.update_tenant(tenant["tenant_id"], {"learner_quota": 3})  # below the minimum, for the test
    admin = {"user_id": "admin", "role": "tenant_admin", "tenant_id": tenant["tenant_id"]}
    return worker, published, tenant["tenant_id"], admin


def _learner(n, tenant_id):
    return {"username": f"hoc.vien{n}.{tenant_id[:8]}", "full_name": f"Học viên {n}",
            "email": f"hv{n}@laichau.gov.vn", "category": "civil_servant"}


def _seats(worker, tenant_id):
    return worker.store.get_tenant(tenant_id)["seats_used"]


def test_concurrent_creations_never_exceed_the_quota(accounts):
    worker, published, tenant_id, admin = accounts
    outcomes = list(eventlet.GreenPool(8).imap(
        lambda n: _outcome(lambda: worker.create_user(admin, tenant_id, _learner(n, tenant_id))), range(8)))
    assert outcomes.count("created") == 3 and outcomes.count("QuotaExceeded") == 5
    assert _seats(worker, tenant_id) == 3
    assert worker.store.users.count_documents({"tenant_id": tenant_id}) == 3
    assert len(published.of_type(TENANT_CREATED)) == 1 and len(published.of_type(USER_REGISTERED)) == 3
    assert worker.store.db[COLLECTION].count_documents({}) == 0  # every staged entry was sent or discarded


def _outcome(call):
    try:
        call()
        return "created"
    except (QuotaExceeded, Conflict) as exc:
        return type(exc).__name__


def test_a_refused_creation_gives_its_seat_back(accounts):
    worker, published, tenant_id, admin = accounts
    worker.create_user(admin, tenant_id, _learner(1, tenant_id))
    with pytest.raises(Conflict):  # the username is taken: the seat taken for it is released
        worker.create_user(admin, tenant_id, _learner(1, tenant_id))
    assert _seats(worker, tenant_id) == 1
    assert len(published.of_type(USER_REGISTERED)) == 1
    assert worker.store.db[COLLECTION].count_documents({}) == 0


def test_deactivation_frees_a_seat_and_reactivation_takes_one_back_within_the_quota(accounts):
    worker, published, tenant_id, admin = accounts
    users = [worker.create_user(admin, tenant_id, _learner(n, tenant_id)) for n in range(3)]
    worker.deactivate_user(admin, users[0]["user_id"])
    assert _seats(worker, tenant_id) == 2
    worker.create_user(admin, tenant_id, _learner(9, tenant_id))  # the freed seat
    with pytest.raises(QuotaExceeded):
        worker.reactivate_user(admin, users[0]["user_id"])  # no seat left for it
    assert worker.store.get_user(users[0]["user_id"])["status"] == "inactive"
    worker.deactivate_user(admin, users[1]["user_id"])
    assert worker.reactivate_user(admin, users[0]["user_id"])["status"] == "pending_activation"
    assert _seats(worker, tenant_id) == 3
    assert len(published.of_type(USER_UPDATED)) == 3


def test_settings_and_seats_written_side_by_side_lose_nothing(accounts):
    """A settings change and seat takers on the same tenant document at once (FerretDB would
    lose one of two unserialised updates, the outbox clearing its marker included)."""
    worker, published, tenant_id, admin = accounts
    pool = eventlet.GreenPool(8)
    for n in range(3):
        pool.spawn(worker.create_user, admin, tenant_id, _learner(n, tenant_id))
    pool.spawn(worker.update_tenant, OPERATOR, tenant_id, {"name": "Tỉnh Lai Châu (mới)"})
    pool.spawn(worker.suspend_tenant, OPERATOR, tenant_id)
    pool.waitall()
    tenant = worker.store.get_tenant(tenant_id)
    assert (tenant["name"], tenant["status"], tenant["seats_used"]) == ("Tỉnh Lai Châu (mới)", "suspended", 3)
    assert len(tenant["outbox"]) == 1  # the creation's marker only (inserted documents keep theirs)
