"""Progress reads over the real store (services/progress/storage.py, service.get_my_progress):
- an enrollment is found through its key by _id, and one stored without a key (before the
  keys existed, or by a worker that crashed between the two inserts) is found and keyed;
- a read that meets a certificate issued between its reads shows the completion that earned
  it, never a certificate beside an incomplete course."""
import datetime as dt
import uuid

import pytest

from mooc_common.infra.store import service_database
from services.progress.service import ProgressService
from services.progress.storage import ProgressStore

pytestmark = pytest.mark.integration


@pytest.fixture
def store(probe_env):
    config = {k: probe_env[k] for k in ("MONGO_URI", "MONGO_DB_PREFIX")}
    db = service_database(config, f"progress_reads_{uuid.uuid4().hex[:8]}")
    yield ProgressStore(db)
    db.client.drop_database(db.name)


def _enrollment(learner="l1", course="c1"):
    return {"enrollment_id": uuid.uuid4().hex, "learner_id": learner, "course_id": course, "tenant_id": "t1",
            "unit_id": None, "intake_id": None, "category": None}


def test_an_enrollment_is_found_by_its_key_and_an_unkeyed_one_gets_its_key(store):
    keyed = _enrollment("l1")
    store.save_enrollment(keyed, [])
    assert store.enrollment_keys.find_one({"_id": "l1:c1"})["enrollment_id"] == keyed["enrollment_id"]
    assert store.find_enrollment("l1", "c1")["_id"] == keyed["enrollment_id"]

    unkeyed = _enrollment("l2")
    store.save_enrollment(unkeyed, [])
    store.enrollment_keys.delete_one({"_id": "l2:c1"})
    assert store.find_enrollment("l2", "c1")["_id"] == unkeyed["enrollment_id"]
    assert store.enrollment_keys.find_one({"_id": "l2:c1"})["enrollment_id"] == unkeyed["enrollment_id"]
    assert store.find_enrollment("l3", "c1") is None


class CertificateIssuedBetweenReads:
    """The store as a read sees it when the course completes and its certificate is issued
    right after the read got the enrollment."""

    def __init__(self, store, enrollment_id):
        self.store, self.enrollment_id = store, enrollment_id

    def find_enrollment(self, learner_id, course_id):
        stale = self.store.find_enrollment(learner_id, course_id)
        now = dt.datetime.now(dt.timezone.utc)
        self.store.enrollments.update_one({"_id": self.enrollment_id}, {"$set": {
            "status": "completed", "completed_at": now, "lessons_done": {"x1": now}}})
        self.store.insert_certificate({"_id": self.enrollment_id, "certificate_id": "cert1", "serial": "S-1",
                                       "verification_code": uuid.uuid4().hex[:12].upper(), "issued_at": now})
        return stale

    def __getattr__(self, name):
        return getattr(self.store, name)


def test_a_read_never_shows_a_certificate_beside_an_incomplete_course(store):
    enrollment = _enrollment()
    store.save_enrollment(enrollment, [])
    store.save_course({"course_id": "c1", "revision": 1, "title": "Chuyển đổi số",
                       "lessons": [{"lesson_id": "x1", "kind": "rich_text", "required": True, "title": "Bài 1"}]})
    service = ProgressService()
    service.store = CertificateIssuedBetweenReads(store, enrollment["enrollment_id"])
    answer = service.get_my_progress({"user_id": "l1", "role": "learner", "tenant_id": "t1"}, "c1")
    assert answer["certificate"]["serial"] == "S-1"
    assert answer["status"] == "completed" and answer["percent_complete"] == 100
