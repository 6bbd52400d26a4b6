"""Courses' read-check-write sequences at the service layer (services/courses/service.py over
the real store): the locks that make them safe on FerretDB now live in CoursesStore
(``reserve_storage``, ``changing_enrollment``, ``changing_course``), not in service code.
Concurrent uploads never exceed the tenant's storage quota, and concurrent cancellations or
re-enrollments of one enrollment are applied and announced once."""
import uuid

import eventlet
import pytest

from mooc_common.contracts.errors import QuotaExceeded, ValidationFailed
from mooc_common.contracts.events.courses import COURSE_PUBLISHED, ENROLLMENT_CANCELLED, ENROLLMENT_CREATED
from services.courses.service import CoursesService
from services.courses.storage import CoursesStore, enrollment_id
from tests.e2e.courses_fixtures import course_body

pytestmark = pytest.mark.service

SIZE = 1000


@pytest.fixture
def world(service_worker):
    worker, published = service_worker(CoursesService, CoursesStore)
    tenant, learner = uuid.uuid4().hex, uuid.uuid4().hex
    worker.store.insert_replicas("tenants", [{"_id": tenant, "tenant_id": tenant, "storage_quota_bytes": 3 * SIZE}])
    worker.store.insert_replicas("learners", [{"_id": learner, "user_id": learner, "tenant_id": tenant,
                                               "role": "learner", "unit_id": None, "category": "civil_servant",
                                               "status": "active"}])
    admin = {"user_id": "admin", "role": "tenant_admin", "tenant_id": tenant}
    course = worker.create_course(admin, course_body())
    return {"worker": worker, "published": published, "admin": admin, "tenant": tenant, "course": course,
            "learner": {"user_id": learner, "role": "learner", "tenant_id": tenant}}


def _refused(call):
    try:
        call()
    except QuotaExceeded:
        return True
    return False


def test_concurrent_uploads_never_exceed_the_storage_quota(world):
    worker, course = world["worker"], world["course"]
    refused = list(eventlet.GreenPool(8).imap(lambda n: _refused(lambda: worker.start_document(
        world["admin"], course["course_id"], {"filename": f"bai{n}.pdf", "size": SIZE})), range(8)))
    assert refused.count(False) == 3 and refused.count(True) == 5
    assert worker.store.storage_used(world["tenant"]) == 3 * SIZE
    # a refused upload gives its bytes back
    document = worker.store.documents.find_one({"course_id": course["course_id"]})
    with pytest.raises(ValidationFailed):
        worker.put_document_chunk(world["admin"], document["_id"], 0, "bm90IGEgcGRm")  # "not a pdf"
    assert worker.store.storage_used(world["tenant"]) == 2 * SIZE


def test_concurrent_cancellations_and_reenrollments_apply_and_announce_once(world):
    worker, published, learner = world["worker"], world["published"], world["learner"]
    course = worker.publish_course(world["admin"], world["course"]["course_id"])
    key = enrollment_id(course["course_id"], learner["user_id"])
    worker.enroll(learner, course["course_id"], learner["user_id"])
    pool = eventlet.GreenPool(5)
    for _ in range(5):
        pool.spawn(worker.cancel_enrollment, learner, key)
    pool.waitall()
    assert worker.store.get_enrollment(key)["status"] == "cancelled"
    assert len(published.of_type(ENROLLMENT_CANCELLED)) == 1
    for _ in range(5):
        pool.spawn(worker.enroll, learner, course["course_id"], learner["user_id"])
    pool.waitall()
    enrollment = worker.store.get_enrollment(key)
    assert (enrollment["status"], enrollment["activation"]) == ("active", 1)
    created = published.of_type(ENROLLMENT_CREATED)
    assert len(created) == 2 and len({e["event_id"] for e in created}) == 2
    assert len(published.of_type(COURSE_PUBLISHED)) == 1
