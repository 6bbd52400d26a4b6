"""Progress reads over the real store (services/progress/storage.py, service.get_my_progress):
- an enrollment is found through its key by _id, and one stored without a key (before the
  keys existed, or by a worker that crashed between the two inserts) is found and keyed;
- a read that meets a certificate issued between its reads shows the completion that earned
  it, never a certificate beside an incomplete course;
- a learner acting right after enrolling, before the enrollment's events reached progress, is
  answered from courses' announcements, stored as the events would store them;
- certificate serials: unique when allocated side by side, past numbers another process took,
  and the same serial again for a retried issuance."""
import datetime as dt
import uuid

import eventlet
import pytest

from mooc_common.contracts.errors import NotFound
from mooc_common.contracts.events.courses import COURSE_PUBLISHED, ENROLLMENT_CREATED
from services.progress.enrollments import save_enrollments
from services.progress.service import ProgressService
from services.progress.storage import ProgressStore

pytestmark = pytest.mark.integration


@pytest.fixture
def store(fresh_database):
    return ProgressStore(fresh_database("progress_reads"))


def _enrollment(learner="l1", course="c1"):
    return {"enrollment_id": uuid.uuid4().hex, "learner_id": learner, "course_id": course, "tenant_id": "t1",
            "unit_id": None, "intake_id": None, "category": None}


def test_an_enrollment_is_found_by_its_key_and_an_unkeyed_one_gets_its_key(store):
    keyed = _enrollment("l1")
    store.save_enrollments([keyed], {None: []})
    assert store.enrollment_keys.find_one({"_id": "l1:c1"})["enrollment_id"] == keyed["enrollment_id"]
    assert store.find_enrollment("l1", "c1")["_id"] == keyed["enrollment_id"]

    unkeyed = _enrollment("l2")
    store.save_enrollments([unkeyed], {None: []})
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
    store.save_enrollments([enrollment], {None: []})
    store.save_course({"course_id": "c1", "revision": 1, "title": "Chuyển đổi số",
                       "lessons": [{"lesson_id": "x1", "kind": "rich_text", "required": True, "title": "Bài 1"}]})
    service = ProgressService()
    service.store = CertificateIssuedBetweenReads(store, enrollment["enrollment_id"])
    answer = service.get_my_progress({"user_id": "l1", "role": "learner", "tenant_id": "t1"}, "c1")
    assert answer["certificate"]["serial"] == "S-1"
    assert answer["status"] == "completed" and answer["percent_complete"] == 100


class CoursesAnnouncing:
    """Courses' ``my_enrollment_announcements`` for one enrollment whose events are in flight."""

    def __init__(self, enrolled):
        self.enrolled, self.calls = enrolled, []

    def my_enrollment_announcements(self, actor, course_id):
        self.calls.append((actor["user_id"], course_id))
        if (actor["user_id"], course_id) != self.enrolled:
            raise NotFound("You are not enrolled in this course.")
        lesson = {"lesson_id": "x1", "kind": "rich_text", "required": True, "title": "Bài 1", "section_id": "s1",
                  "duration_seconds": None, "quiz": None}
        course = {"course_id": course_id, "owner_tenant_id": "t1", "code": "CDS", "title": "Chuyển đổi số",
                  "revision": 2, "lessons": [lesson], "completion_rule": {"required_lesson_ids": ["x1"]}, "topic": None,
                  "target_categories": [], "audience_tenant_ids": None, "estimated_hours": None}
        enrollment = {"enrollment_id": "e-pulled", "course_id": course_id, "course_owner_tenant_id": "t1",
                      "intake_id": None, "learner_id": actor["user_id"], "unit_id": None, "category": None,
                      "enrolled_at": dt.datetime.now(dt.timezone.utc), "source": "self"}
        return {"course": COURSE_PUBLISHED.build(course, "t1"), "enrollment": ENROLLMENT_CREATED.build(enrollment, "t1")}


def test_an_enrollment_whose_events_are_in_flight_is_fetched_from_courses_once(store):
    service = ProgressService()
    service.store, service.courses = store, CoursesAnnouncing(("l9", "c9"))
    learner = {"user_id": "l9", "role": "learner", "tenant_id": "t1"}

    context = service.enrollment_context(learner, "c9")
    assert context["enrollment_id"] == "e-pulled" and context["revision"] == 2
    assert set(context["lessons"]) == {"x1"} and not context["cancelled"]
    stored = store.find_enrollment("l9", "c9")
    assert stored["tenant_id"] == "t1" and stored["status"] == "not_started"
    assert service.get_my_progress(learner, "c9")["course_title"] == "Chuyển đổi số"
    assert service.courses.calls == [("l9", "c9")]  # stored: not asked again

    # the events arriving afterwards change nothing
    save_enrollments(store, [ENROLLMENT_CREATED.parse(service.courses.my_enrollment_announcements(learner, "c9")["enrollment"])])
    assert store.enrollments.count_documents({"learner_course": "l9:c9"}) == 1

    other = {"user_id": "l8", "role": "learner", "tenant_id": "t1"}
    with pytest.raises(NotFound):
        service.enrollment_context(other, "c9")
    assert store.find_enrollment("l8", "c9") is None


def test_serials_are_unique_side_by_side_skip_numbers_taken_elsewhere_and_repeat_for_a_retry(store):
    ProgressStore.ensure_indexes(store.db)
    # numbers 1 and 2 taken by another process (which the counter hint does not show yet)
    store.serials.insert_many([{"_id": f"CC-2026-{n:06d}", "enrollment_id": f"elsewhere{n}"} for n in (1, 2)])
    pool = eventlet.GreenPool()
    serials = dict(pool.imap(lambda n: (f"e{n}", store.allocate_serial(f"e{n}", 2026)), range(12)))
    assert sorted(serials.values()) == [f"CC-2026-{n:06d}" for n in range(3, 15)]  # no gap, no repeat
    assert store.allocate_serial("e5", 2026) == serials["e5"]  # a retried issuance: its first serial
    assert store.allocate_serial("e12", 2026) == "CC-2026-000015"


def test_the_serial_counter_hint_survives_first_writes_side_by_side_and_never_moves_back(store):
    """Two first upserts of the hint can both try the insert; the loser must not fail the
    issuance (CI once lost a certificate.issued announcement to that DuplicateKeyError)."""
    ProgressStore.ensure_indexes(store.db)
    pool = eventlet.GreenPool()
    for attempt in range(5):  # a fresh counter each time: the race is on its first write
        counter = f"counter:race{attempt}:2026"
        list(pool.imap(lambda n: store._advance_hint(counter, n), range(1, 9)))
        assert 1 <= store.serials.find_one({"_id": counter})["next"] <= 8
    store._advance_hint("counter:race0:2026", 9)
    store._advance_hint("counter:race0:2026", 2)  # a slower writer's older number
    assert store.serials.find_one({"_id": "counter:race0:2026"})["next"] == 9
