"""Courses' replicas at the service layer (services/courses/service.py over the real store):
the learner replica follows event time whatever the arrival order, also when deliveries of
one learner race (the per-document write lock now lives in CoursesStore.put_replica), a
redelivered event changes nothing, and a completion for an enrollment courses does not
have writes nothing."""
import datetime as dt

import eventlet
import pytest

from mooc_common.contracts.events.accounts import USER_REGISTERED, USER_UPDATED
from mooc_common.contracts.events.progress import COURSE_COMPLETED
from services.courses.service import CoursesService
from services.courses.storage import CoursesStore, enrollment_id
from tests.service.conftest import delivered

pytestmark = pytest.mark.service

T0 = dt.datetime(2026, 12, 1, 8, tzinfo=dt.timezone.utc)
TENANT, LEARNER = "a" * 32, "b" * 32


def _user(status, category="civil_servant"):
    return {"user_id": LEARNER, "tenant_id": TENANT, "role": "learner", "unit_id": None,
            "category": category, "status": status}


@pytest.fixture
def courses(service_worker):
    worker, _ = service_worker(CoursesService, CoursesStore)
    return worker


def test_the_learner_replica_follows_event_time_whatever_the_arrival_order(courses):
    registered = delivered(USER_REGISTERED, _user("pending_activation"), TENANT, T0)
    activated = delivered(USER_UPDATED, _user("active"), TENANT, T0 + dt.timedelta(minutes=5))
    courses.on_user_updated(activated)  # the later event arrives first
    courses.on_user_registered(registered)
    assert courses.store.get_replica("learners", LEARNER)["status"] == "active"
    courses.on_user_updated(activated)  # redelivered: already processed
    assert courses.store.get_replica("learners", LEARNER)["status"] == "active"


def test_racing_deliveries_of_one_learner_leave_the_newest(courses):
    updates = [delivered(USER_UPDATED, _user("active", category=category), TENANT, T0 + dt.timedelta(minutes=n))
               for n, category in enumerate(["cadre", "civil_servant", "public_employee", "worker", "citizen"] * 2)]
    newest = updates[-1]
    pool = eventlet.GreenPool(len(updates))
    for body in reversed(updates):
        pool.spawn(courses.on_user_updated, body)
    pool.waitall()
    replica = courses.store.get_replica("learners", LEARNER)
    assert replica["category"] == newest["payload"]["category"]
    assert replica["as_of"] == dt.datetime.fromisoformat(newest["occurred_at"])


def test_a_completion_is_kept_on_a_known_enrollment_only(courses):
    key = enrollment_id("c" * 32, LEARNER)
    courses.store.insert_enrollments([{"_id": key, "course_id": "c" * 32, "learner_id": LEARNER,
                                       "tenant_id": TENANT, "status": "active"}])
    for enrollment in (key, "d" * 32):
        courses.on_course_completed(delivered(COURSE_COMPLETED, {
            "enrollment_id": enrollment, "learner_id": LEARNER, "course_id": "c" * 32, "course_owner_tenant_id": None,
            "unit_id": None, "intake_id": None, "category": "cadre", "completed_at": T0},
            TENANT, T0))
    assert courses.store.get_enrollment(key)["completed_at"] == T0
    assert courses.store.get_enrollment("d" * 32) is None
