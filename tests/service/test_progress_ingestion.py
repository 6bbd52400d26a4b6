"""Progress at the service layer: the activity batches of services/progress/ingestion.py over
the real store and the real outbox (the broker's last step recorded), with the replicas fed
through services/progress/service.py's own handlers:
- a batch of several learners' messages (two for one enrollment) is applied in order, with
  one announcement per thing earned and one LEARNER_ACTIVE per learner and day; applied
  again (a redelivery) it changes and announces nothing;
- a message whose enrollment is not known yet is handed back alone while its neighbours are
  applied, and applies once the enrollment arrives;
- a poison message (its fold raises) is handed back alone; the same enrollment's other
  messages of the batch are applied;
- a crash between the write and the publish leaves the progress stored with its outbox
  marker, and the sweeper publishes exactly what was stored;
- an enrollment pulled from courses (the learner acted before the enrollment's events came)
  takes activities at once;
- a cancellation waits for the batch holding its enrollment (locks in the storage) and
  neither change is lost;
- a completion delivered several times at once (the certificate handler takes no claims)
  issues one certificate per enrollment, unique serials, announced under one event id."""
import datetime as dt
import uuid

import eventlet
import pytest

from mooc_common.contracts.events.courses import COURSE_PUBLISHED, ENROLLMENT_CANCELLED, ENROLLMENT_CREATED
from mooc_common.contracts.events.progress import CERTIFICATE_ISSUED, COURSE_COMPLETED, LEARNER_ACTIVE, LESSON_COMPLETED
from services.progress.ingestion import ActivityIngestion, NotYetKnown, parse_message
from services.progress.enrollments import save_enrollments
from services.progress.service import ProgressService
from services.progress.storage import ProgressStore
from tests.service.conftest import delivered

pytestmark = pytest.mark.service

TENANT, COURSE = "t" * 32, "c" * 32
NOW = dt.datetime.now(dt.timezone.utc).replace(microsecond=0)
LESSONS = ["l1", "l2", "l3"]


def _course(quiz=None):
    lessons = [{"lesson_id": lesson, "kind": "rich_text", "required": True, "title": f"Bài {lesson}",
                "section_id": "s1", "duration_seconds": None, "quiz": None} for lesson in LESSONS]
    if quiz is not None:
        lessons.append({"lesson_id": "q1", "kind": "quiz", "required": False, "title": "Kiểm tra",
                        "section_id": "s1", "duration_seconds": None, "quiz": quiz})
    return {"course_id": COURSE, "owner_tenant_id": TENANT, "code": "CDS", "title": "Chuyển đổi số", "revision": 1,
            "lessons": lessons, "completion_rule": {"required_lesson_ids": LESSONS}, "topic": None,
            "target_categories": [], "audience_tenant_ids": None, "estimated_hours": None}


def _enrollment(learner):
    return {"enrollment_id": f"e-{learner}", "course_id": COURSE, "course_owner_tenant_id": TENANT,
            "intake_id": None, "learner_id": learner, "unit_id": None, "category": "cadre",
            "enrolled_at": NOW - dt.timedelta(days=1), "source": "self"}


def _message(learner, *lessons, kind="lesson_completed", **extra):
    """The body the gateway publishes for one request (as the consumer parses it)."""
    return parse_message({"learner_id": learner, "tenant_id": TENANT, "received_at": NOW.isoformat(),
                          "correlation_id": uuid.uuid4().hex,
                          "activities": [dict({"activity_id": str(uuid.uuid4()), "kind": kind, "course_id": COURSE,
                                               "lesson_id": lesson, "occurred_at": NOW.isoformat()}, **extra)
                                         for lesson in lessons]})


@pytest.fixture
def progress(service_worker):
    """(service worker, ingestion over the same store and outbox, published envelopes)."""
    worker, published = service_worker(ProgressService, ProgressStore)
    return worker, ActivityIngestion(worker.store, worker.events), published


def _replicas(worker, *learners, course=None):
    worker.on_course_published(delivered(COURSE_PUBLISHED, course or _course(), TENANT, NOW))
    for learner in learners:
        save_enrollments(worker.store, [ENROLLMENT_CREATED.parse(delivered(ENROLLMENT_CREATED, _enrollment(learner), TENANT, NOW))])


def _types(published):
    return sorted(e["type"] for e in published)


def test_a_batch_is_applied_in_order_announced_once_and_a_redelivery_changes_nothing(progress):
    worker, ingestion, published = progress
    _replicas(worker, "a", "b", "c")
    batch = [_message("a", "l1"), _message("b", *LESSONS), _message("a", "l2", "l3"), _message("c", "l1"),
             _message("a", "l1")]  # a's l1 again (another client id): no new completion
    assert ingestion.apply(batch) == {}

    a, b, c = (worker.store.get_enrollment(f"e-{learner}") for learner in "abc")
    assert a["status"] == b["status"] == "completed" and c["status"] == "in_progress"
    assert set(a["lessons_done"]) == set(LESSONS) and list(c["lessons_done"]) == ["l1"]
    assert worker.store.activities.count_documents({}) == 8
    assert _types(published) == sorted([COURSE_COMPLETED.type] * 2 + [LESSON_COMPLETED.type] * 7
                                       + [LEARNER_ACTIVE.type] * 3)
    assert len({e["event_id"] for e in published}) == len(published)
    assert worker.store.db["outbox"].count_documents({}) == 0  # sent, then forgotten
    assert all(not e.get("outbox") for e in (a, b, c))  # markers cleared
    assert {e["correlation_id"] for e in published} <= \
        {m["correlation_id"] for m in batch}

    published.clear()
    assert ingestion.apply(batch) == {}  # redelivered whole
    assert published == [] and worker.store.activities.count_documents({}) == 8
    assert worker.store.get_enrollment("e-a")["lessons_done"] == a["lessons_done"]


def test_an_unknown_enrollment_is_retried_alone_and_applies_once_it_arrives(progress):
    worker, ingestion, published = progress
    _replicas(worker, "a")
    early = _message("late", "l1")
    failed = ingestion.apply([_message("a", "l1"), early, _message("a", "l2")])
    assert list(failed) == [1] and failed[1][0] is NotYetKnown
    assert set(worker.store.get_enrollment("e-a")["lessons_done"]) == {"l1", "l2"}
    assert worker.store.activities.count_documents({"learner_id": "late"}) == 0

    _replicas(worker, "late")
    assert ingestion.apply([early]) == {}  # the retry, alone
    assert list(worker.store.get_enrollment("e-late")["lessons_done"]) == ["l1"]


def test_a_poison_message_is_handed_back_alone_and_its_neighbours_are_applied(progress):
    worker, ingestion, published = progress
    quiz = {"questions": [{"question_id": "x", "kind": "single", "option_ids": ["o1", "o2"],
                           "correct_option_ids": ["o1"]}], "pass_mark": 50, "max_attempts": None}
    _replicas(worker, "a", course=_course(quiz=quiz))
    # a corrupted replica: the quiz's question lost its answer key, so grading it raises
    lessons = worker.store.get_course(COURSE)["lessons"]
    del lessons[-1]["quiz"]["questions"][0]["correct_option_ids"]
    worker.store.courses.update_one({"_id": COURSE}, {"$set": {"lessons": lessons}})
    poison = _message("a", "q1", kind="quiz_submitted", answers={"x": ["o1"]})
    failed = ingestion.apply([_message("a", "l1"), poison, _message("a", "l2")])
    assert list(failed) == [1] and failed[1][0] is KeyError
    enrollment = worker.store.get_enrollment("e-a")
    assert set(enrollment["lessons_done"]) == {"l1", "l2"} and not enrollment.get("quizzes")
    assert _types(published).count(LESSON_COMPLETED.type) == 2


class BrokerDown(Exception):
    pass


def test_a_crash_before_the_publish_leaves_the_events_to_the_sweeper(progress):
    worker, ingestion, published = progress
    _replicas(worker, "a")

    def down(envelopes):
        raise BrokerDown("no confirm")
    worker.events.publish_batch = down
    with pytest.raises(BrokerDown):
        ingestion.apply([_message("a", *LESSONS)])
    stored = worker.store.get_enrollment("e-a")
    assert stored["status"] == "completed" and stored["outbox"]  # the progress, with its marker
    assert published == []

    # the sweeper of the next process (this one would leave its own fresh entries to itself)
    later = dt.datetime.now(dt.timezone.utc) + dt.timedelta(minutes=2)
    for entry in worker.events.entries.older_than(later):
        worker.events.sweeper.sweep_entry(entry, now=later)
    assert _types(published) == sorted([COURSE_COMPLETED.type] + [LESSON_COMPLETED.type] * 3 + [LEARNER_ACTIVE.type])
    swept = list(published)
    published.clear()
    worker.events.publish_batch = published.extend
    assert ingestion.apply([_message("a", *LESSONS)]) == {}  # the redelivery: nothing new
    assert published == []
    assert {e["event_id"] for e in swept if e["type"] == COURSE_COMPLETED.type}


class CoursesAnnouncing:
    """Courses' ``my_enrollment_announcements`` for one enrollment whose events are in flight."""

    def my_enrollment_announcements(self, actor, course_id):
        return {"course": COURSE_PUBLISHED.build(_course(), TENANT),
                "enrollment": ENROLLMENT_CREATED.build(_enrollment(actor["user_id"]), TENANT)}


def test_an_enrollment_pulled_from_courses_takes_activities_at_once(service_worker):
    worker, published = service_worker(ProgressService, ProgressStore, courses=CoursesAnnouncing())
    ingestion = ActivityIngestion(worker.store, worker.events)
    context = worker.enrollment_context({"user_id": "p", "role": "learner", "tenant_id": TENANT}, COURSE)
    assert context["enrollment_id"] == "e-p" and set(context["lessons"]) == set(LESSONS)
    assert ingestion.apply([_message("p", *LESSONS)]) == {}
    assert worker.store.get_enrollment("e-p")["status"] == "completed"
    # the enrollment's own event, when it comes, changes nothing
    save_enrollments(worker.store, [ENROLLMENT_CREATED.parse(delivered(ENROLLMENT_CREATED, _enrollment("p"), TENANT, NOW))])
    assert worker.store.get_enrollment("e-p")["status"] == "completed"


def test_a_cancellation_waits_for_the_batch_holding_its_enrollment(progress):
    worker, ingestion, _ = progress
    _replicas(worker, "a")
    cancelled = delivered(ENROLLMENT_CANCELLED, dict(_enrollment("a"), cancelled_at=NOW), TENANT, NOW)
    with worker.store.enrollments_for_update(["e-a"]) as enrollments:
        cancel = eventlet.spawn(worker.on_enrollment_cancelled, cancelled)
        eventlet.sleep(0.2)  # the cancellation runs until it waits for the lock
        assert worker.store.get_enrollment("e-a")["cancelled_at"] is None  # it waits
        # the batch writes what it folded from its read (a whole-field $set)
        worker.store.update_progress({"e-a": {"lessons_done": dict(enrollments["e-a"]["lessons_done"], l1=NOW)}})
    cancel.wait()
    enrollment = worker.store.get_enrollment("e-a")
    assert list(enrollment["lessons_done"]) == ["l1"] and enrollment["cancelled_at"] is not None


class Accounts:
    """Accounts' RPCs that a certificate's issuance asks (the learner's name, the issuer's)."""

    def __init__(self):
        self.calls = 0

    def get_user(self, actor, user_id):
        self.calls += 1
        eventlet.sleep(0.05)  # an RPC's wait: duplicates handled side by side overlap here
        return {"user_id": user_id, "full_name": "Nguyễn Văn An"}

    def get_tenant(self, actor, tenant_id):
        return {"tenant_id": tenant_id, "name": "Tỉnh Hà Giang"}


def test_a_completion_delivered_twice_at_once_issues_one_certificate_under_one_event_id(service_worker):
    worker, published = service_worker(ProgressService, ProgressStore, accounts=Accounts())
    worker.events.publish = lambda event_type, payload, tenant_id, event_id=None: published.append(
        event_type.build(payload, tenant_id, event_id=event_id))
    _replicas(worker, "a", "b")
    ingestion = ActivityIngestion(worker.store, worker.events)
    assert ingestion.apply([_message("a", *LESSONS), _message("b", *LESSONS)]) == {}
    bodies = [e for e in published if e["type"] == COURSE_COMPLETED.type]  # as they went to the broker
    published.clear()

    pool = eventlet.GreenPool()
    for body in bodies + bodies + bodies:  # each completion three times, all at once (no claims)
        pool.spawn(worker.on_course_completed, body)
    pool.waitall()
    worker.on_course_completed(bodies[0])  # and once more later

    certificates = {c["_id"]: c for c in worker.store.certificates.find({})}
    assert set(certificates) == {"e-a", "e-b"}
    assert len({c["serial"] for c in certificates.values()}) == 2  # unique serials
    issued = [e for e in published if e["type"] == CERTIFICATE_ISSUED.type]
    assert len(issued) == 7 and len({str(e["event_id"]) for e in issued}) == 2  # one id per enrollment
    assert {e["payload"]["serial"] for e in issued} == {c["serial"] for c in certificates.values()}
    assert {c["learner_name"] for c in certificates.values()} == {"Nguyễn Văn An"}


def test_a_batch_is_applied_in_chunks_of_bounded_activities_in_order(progress):
    worker, _, published = progress
    _replicas(worker, "a", "b")
    ingestion = ActivityIngestion(worker.store, worker.events, max_activities=2)
    late = _message("late", "l1")
    batch = [_message("a", "l1", "l2"), _message("b", "l1"), late, _message("a", "l3"), _message("b", "l2", "l3")]
    failed = ingestion.apply(batch)  # chunks: [a], [b, late], [a], [b]
    assert list(failed) == [2] and failed[2][0] is NotYetKnown  # positions in the whole batch
    assert worker.store.get_enrollment("e-a")["status"] == worker.store.get_enrollment("e-b")["status"] == "completed"
    assert _types(published).count(COURSE_COMPLETED.type) == 2
