"""Service tier: progress's enrollment replica (services/progress/enrollments.py), the batches
of ``enrollment.created`` a unit assignment sends, over the real store: each enrollment stored
once with its unit's path, a redelivered batch changing nothing (no claims: the enrollment id
keys every write), a unit moved while its enrollments are stored, and the queue of the
per-event handler it replaced named as nameko named it."""
import datetime as dt

import pytest

from mooc_common.contracts.events.accounts import UNIT_CREATED, UNIT_UPDATED
from mooc_common.contracts.events.courses import ENROLLMENT_CREATED
from services.progress.enrollments import FORMER_HANDLER, save_enrollments
from services.progress.service import ProgressService
from services.progress.storage import ProgressStore
from tests.service.conftest import delivered

pytestmark = pytest.mark.service

TENANT, COURSE = "t" * 32, "c" * 32
NOW = dt.datetime.now(dt.timezone.utc).replace(microsecond=0)


def _unit(unit_id, path):
    return {"unit_id": unit_id, "tenant_id": TENANT, "code": unit_id.upper(), "name": f"Đơn vị {unit_id}",
            "parent_id": path[-2] if len(path) > 1 else None, "path": path, "level": None, "status": "active"}


def _created(learner, unit_id):
    return ENROLLMENT_CREATED.parse(delivered(ENROLLMENT_CREATED, {
        "enrollment_id": f"e-{learner}", "course_id": COURSE, "course_owner_tenant_id": TENANT,
        "intake_id": None, "learner_id": learner, "unit_id": unit_id, "category": "cadre",
        "enrolled_at": NOW, "source": "unit"}, TENANT, NOW))


@pytest.fixture
def progress(service_worker):
    worker, _ = service_worker(ProgressService, ProgressStore)
    worker.on_unit_created(delivered(UNIT_CREATED, _unit("root", ["root"]), TENANT, NOW))
    worker.on_unit_created(delivered(UNIT_CREATED, _unit("ward", ["root", "ward"]), TENANT, NOW))
    return worker


def test_a_batch_is_stored_once_with_its_paths_and_a_redelivery_changes_nothing(progress):
    store = progress.store
    batch = [_created(f"l{n}", "ward" if n % 2 else "root") for n in range(30)] + [_created("l0", "root")]
    save_enrollments(store, batch)
    assert store.enrollments.count_documents({}) == 30
    assert store.find_enrollment("l1", COURSE)["unit_path"] == ["root", "ward"]
    assert store.find_enrollment("l2", COURSE)["unit_path"] == ["root"]
    assert store.find_enrollment("l2", COURSE)["tenant_id"] == TENANT
    store.enrollments.update_one({"_id": "e-l3"}, {"$set": {"status": "in_progress"}})  # progress made

    save_enrollments(store, batch[:10] + [_created("l30", None)])  # redelivered, with a new one
    assert store.enrollments.count_documents({}) == 31
    assert store.get_enrollment("e-l3")["status"] == "in_progress"
    assert store.find_enrollment("l30", COURSE)["unit_path"] == []
    assert store.enrollment_keys.count_documents({}) == 31


class UnitMovedAfterTheFirstRead:
    """The store as the replica sees it when the unit's move is applied right after the replica
    read the unit's path, and before its enrollments are inserted (the move re-paths none)."""

    def __init__(self, worker):
        self.worker, self.store, self.reads = worker, worker.store, 0

    def unit_paths(self, unit_ids):
        paths = self.store.unit_paths(unit_ids)
        self.reads += 1
        if self.reads == 1:
            moved = _unit("ward", ["elsewhere", "ward"])
            self.worker.on_unit_updated(delivered(UNIT_UPDATED, moved, TENANT, NOW))
        return paths

    def __getattr__(self, name):
        return getattr(self.store, name)


def test_an_enrollment_stored_while_its_unit_moves_gets_the_new_path(progress):
    save_enrollments(UnitMovedAfterTheFirstRead(progress), [_created("a", "ward"), _created("b", "root")])
    assert progress.store.find_enrollment("a", COURSE)["unit_path"] == ["elsewhere", "ward"]
    assert progress.store.find_enrollment("b", COURSE)["unit_path"] == ["root"]


def test_the_former_handler_queue_is_named_as_nameko_named_it():
    assert FORMER_HANDLER == (ENROLLMENT_CREATED,
                              "evt-courses-courses.enrollment.created.v1--progress.on_enrollment_created")
