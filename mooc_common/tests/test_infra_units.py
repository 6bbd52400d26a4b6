"""Unit tests of domain-free infrastructure (no broker, no store)."""
import threading
import time

import pytest
from marshmallow import ValidationError
from pymongo.errors import CollectionInvalid, OperationFailure

from mooc_common.contracts.envelope import deterministic_event_id
from mooc_common.contracts.errors import ValidationFailed
from mooc_common.contracts.events.progress import COURSE_COMPLETED
from mooc_common.infra.boundary import load
from mooc_common.infra.keyed_locks import KeyedLocks
from mooc_common.infra.store import NAMESPACE_EXISTS, create_collection
from services.accounts.schemas import TenantCreateSchema


def test_keyed_locks_serialise_one_key_and_free_it_afterwards():
    locks, inside, overlaps = KeyedLocks(), [], []

    def work():
        with locks.hold("enrollment-1"):
            if inside:
                overlaps.append(True)
            inside.append(1)
            time.sleep(0.01)
            inside.pop()

    threads = [threading.Thread(target=work) for _ in range(5)]
    [t.start() for t in threads]
    [t.join() for t in threads]
    assert overlaps == []
    assert locks._locks == {}


def test_deterministic_event_ids_repeat_for_the_same_fact_only():
    assert deterministic_event_id("course.completed", "e1") == deterministic_event_id("course.completed", "e1")
    assert deterministic_event_id("course.completed", "e1") != deterministic_event_id("course.completed", "e2")


def test_building_an_event_validates_its_payload():
    with pytest.raises(ValidationError):
        COURSE_COMPLETED.build({"enrollment_id": "e1"}, tenant_id="t1")


def test_boundary_load_reports_every_field_and_normalises_vietnamese_to_nfc():
    decomposed = "Tie\u0302\u0300n Giang"  # "Tiền Giang" typed with combining marks
    loaded = load(TenantCreateSchema(), {
        "code": "tgg", "name": decomposed, "kind": "province",
        "focal_contact": {"full_name": "Võ Văn Kiệt", "mobile": "+84912345678", "email": "a@b.vn"}})
    assert loaded["name"] == "Tiền Giang" and loaded["code"] == "TGG"
    with pytest.raises(ValidationFailed) as failure:
        load(TenantCreateSchema(), {"code": "!", "kind": "village", "learner_quota": 50000,
                                    "focal_contact": {"full_name": "A", "mobile": "12345", "email": "x"}})
    assert {"code", "name", "kind", "focal_contact"} <= set(failure.value.errors)
    assert set(failure.value.errors["focal_contact"]) == {"mobile", "email"}


class _RacingDatabase:
    """A database on which another process creates the collection first, as the server or the
    client sees it (or fails otherwise)."""

    def __init__(self, error):
        self.error = error

    def create_collection(self, name):
        raise self.error


def test_a_collection_created_meanwhile_by_another_process_is_not_an_error():
    create_collection(_RacingDatabase(CollectionInvalid("exists")), "users")  # the client saw it
    create_collection(_RacingDatabase(OperationFailure("exists", NAMESPACE_EXISTS)), "users")  # the server did
    with pytest.raises(OperationFailure):  # anything else still fails the start
        create_collection(_RacingDatabase(OperationFailure("not authorized", 13)), "users")
