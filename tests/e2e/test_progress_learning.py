"""A learner's activity through the gateway: server-scored quizzes, attempt limits, duplicates,
completion exactly once, certificates (public verification, PDF with Vietnamese text)."""
import io
import unicodedata

import pytest
from kombu import Connection, Exchange
from pypdf import PdfReader

from api_client import ApiError
from mooc_common.contracts import activities as contract
from mooc_common.contracts.events.progress import (CERTIFICATE_ISSUED, COURSE_COMPLETED,
                                                   LEARNER_ACTIVE, LESSON_COMPLETED, QUIZ_GRADED)
from tests.e2e.progress_fixtures import RIGHT, WRONG, activity, events, make_tenant, now, tap  # noqa: F401
from tests.polling import eventually

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def org(operator, platform):
    return make_tenant(operator, platform)


@pytest.fixture
def enrolled(org, events):
    """A fresh course of the tenant (video, document, quiz with 3 attempts) and an enrolled learner."""
    tenant_id = org["tenant"]["tenant_id"]
    course_id = events.course(tenant_id)
    learner = org["learners"][0]
    enrollment = events.enroll(course_id, tenant_id, learner)
    client = learner["client"]
    progress_of(client, course_id)
    return course_id, learner, client, enrollment


def progress_of(client, course_id, check=bool):
    def probe():
        try:
            progress = client.get(f"/api/v1/me/courses/{course_id}/progress")
        except ApiError:  # the enrollment event may still be on its way
            return None
        return progress if check(progress) else None
    return eventually(probe)


def quiz_state(progress):
    return next(l for l in progress["lessons"] if l["lesson_id"] == "quiz1")["quiz"]


def test_server_scores_quizzes_and_ignores_the_client_score(enrolled, tap):
    course_id, learner, client, _ = enrolled
    attempt = activity(course_id, "quiz1", "quiz_submitted", answers=WRONG, score=100)
    client.post("/api/v1/activities", attempt)
    progress = progress_of(client, course_id, lambda p: quiz_state(p)["attempts_used"] == 1)
    assert quiz_state(progress) == {"attempts_used": 1, "max_attempts": 3, "attempts_left": 2,
                                    "best_score": 0.0, "passed": False, "pass_mark": 100.0,
                                    "attempts": [{"attempt_id": attempt["activity_id"], "number": 1,
                                                  "score": 0.0, "passed": False}]}
    assert progress["status"] == "in_progress"
    graded = eventually(lambda: tap.of(QUIZ_GRADED, learner_id=learner["user_id"], course_id=course_id))
    assert graded[0]["payload"]["score"] == 0.0 and graded[0]["payload"]["attempt"] == 1


def test_attempts_beyond_the_limit_are_refused_and_a_resent_attempt_counts_once(enrolled):
    course_id, _, client, _ = enrolled
    attempts = [activity(course_id, "quiz1", "quiz_submitted", answers=WRONG) for _ in range(3)]
    client.post("/api/v1/activities", attempts[0])
    client.post("/api/v1/activities", attempts[0])  # a retry of the same attempt: accepted, counted once
    client.post("/api/v1/activities/batch", {"activities": attempts[1:]})
    with pytest.raises(ApiError) as refused:
        client.post("/api/v1/activities", activity(course_id, "quiz1", "quiz_submitted", answers=RIGHT))
    assert refused.value.status == 409 and refused.value.body["code"] == "conflict"
    assert "No attempts left" in refused.value.body["message"]
    client.post("/api/v1/activities", attempts[2])  # re-sending a counted attempt is still fine
    progress = progress_of(client, course_id, lambda p: quiz_state(p)["attempts_used"] == 3)
    assert quiz_state(progress)["attempts_left"] == 0 and not quiz_state(progress)["passed"]


def test_activities_that_do_not_fit_the_course_are_refused(enrolled, org, events):
    course_id, _, client, _ = enrolled
    cases = [(activity(course_id, "nope"), "lesson_id"),
             (activity(course_id, "doc1", "video_progress", percent=50), "kind"),
             (activity(course_id, "quiz1"), "kind")]  # a quiz is done by passing it
    for body, field in cases:
        with pytest.raises(ApiError) as refused:
            client.post("/api/v1/activities", body)
        assert refused.value.status == 422 and field in refused.value.body["errors"]["activities"]["0"]
    other = events.course(org["tenant"]["tenant_id"])  # not enrolled in this one
    with pytest.raises(ApiError) as refused:
        client.post("/api/v1/activities", activity(other, "doc1"))
    assert refused.value.status == 404
    with pytest.raises(ApiError) as refused:
        client.post("/api/v1/activities", dict(activity(course_id, "doc1"), lesson_id="a.b"))
    assert refused.value.status == 422


def test_completion_once_with_certificate_and_redelivery_changes_nothing(enrolled, org, tap, platform, anonymous):
    course_id, learner, client, enrollment = enrolled
    batch = [activity(course_id, "video1", "video_progress", percent=95),
             activity(course_id, "doc1", "lesson_opened"), activity(course_id, "doc1"),
             activity(course_id, "quiz1", "quiz_submitted", answers=RIGHT)]
    client.post("/api/v1/activities/batch", {"activities": batch})
    client.post("/api/v1/activities/batch", {"activities": batch})  # the whole batch again
    progress = progress_of(client, course_id, lambda p: p["certificate"])
    assert progress["status"] == "completed" and progress["percent_complete"] == 100.0
    assert progress["first_activity_at"] and progress["last_activity_at"]
    assert all(lesson["done"] for lesson in progress["lessons"])

    # Redeliver an already applied activity message, then one more activity behind it.
    message = contract.IngestMessageSchema().dump({
        "learner_id": learner["user_id"], "tenant_id": learner["tenant_id"], "received_at": now(),
        "activities": contract.ActivityBatchSchema().load({"activities": batch})["activities"]})
    with Connection(platform.env["AMQP_URI"]) as connection:
        connection.Producer(serializer="json").publish(
            message, exchange=Exchange(contract.INGEST_EXCHANGE, type="direct", durable=True),
            routing_key=contract.INGEST_ROUTING_KEY, delivery_mode=2)
    client.post("/api/v1/activities", activity(course_id, "video1", "lesson_opened"))
    progress_of(client, course_id, lambda p: p["last_activity_at"] > progress["last_activity_at"])

    mine = dict(learner_id=learner["user_id"], course_id=course_id)
    certificate = progress["certificate"]
    eventually(lambda: len(tap.of(CERTIFICATE_ISSUED, **mine)) >= 1)
    after = client.get(f"/api/v1/me/courses/{course_id}/progress")
    assert after["status"] == "completed" and after["completed_at"] == progress["completed_at"]
    assert after["certificate"] == certificate
    assert len({e["event_id"] for e in tap.of(COURSE_COMPLETED, **mine)}) == 1
    assert len({e["event_id"] for e in tap.of(CERTIFICATE_ISSUED, **mine)}) == 1
    assert len(tap.of(LESSON_COMPLETED, **mine)) == 3  # video (>= 90 %), document, passed quiz
    assert len(tap.of(QUIZ_GRADED, **mine)) == 1
    assert tap.of(LEARNER_ACTIVE, learner_id=learner["user_id"])
    completed = tap.of(COURSE_COMPLETED, **mine)[0]["payload"]
    assert completed["enrollment_id"] == enrollment["enrollment_id"] and completed["category"] == "civil_servant"

    # Public verification: only what the certificate shows.
    assert certificate["serial"].startswith("CC-20")
    shown = anonymous.get(f"/api/v1/certificates/verify/{certificate['verification_code']}")
    assert shown == {"learner_name": "Nguyễn Thị Thu Hằng", "course_title": "Kỹ năng số cho cán bộ, công chức",
                     "issuer_name": org["tenant"]["name"], "issued_on": shown["issued_on"]}
    with pytest.raises(ApiError) as unknown:
        anonymous.get("/api/v1/certificates/verify/AAAAAAAAAAAAAAAA")
    assert unknown.value.status == 404

    # The learner's PDF renders the Vietnamese name.
    response = client.session.get(f"{client.base_url}/api/v1/me/courses/{course_id}/certificate.pdf")
    assert response.status_code == 200 and response.headers["Content-Type"] == "application/pdf"
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(response.content)).pages)
    assert "Nguyễn Thị Thu Hằng" in unicodedata.normalize("NFC", text)
    assert certificate["serial"] in text


def test_serials_are_unique_across_completions(org, events, operator, platform):
    tenant_id = org["tenant"]["tenant_id"]
    course_id = events.course(tenant_id, max_attempts=None)
    finished = [activity(course_id, "video1", "video_progress", percent=100), activity(course_id, "doc1"),
                activity(course_id, "quiz1", "quiz_submitted", answers=RIGHT)]
    for learner in org["learners"]:
        events.enroll(course_id, tenant_id, learner)
    for learner in org["learners"]:
        progress_of(learner["client"], course_id)
        learner["client"].post("/api/v1/activities/batch", {"activities": [
            dict(a, activity_id=activity(course_id, "x")["activity_id"]) for a in finished]})
    serials = [progress_of(l["client"], course_id, lambda p: p["certificate"])["certificate"]["serial"]
               for l in org["learners"]]
    assert len(set(serials)) == len(serials)


def test_cancelled_enrollment_stops_accepting_activity(org, events):
    tenant_id = org["tenant"]["tenant_id"]
    course_id = events.course(tenant_id)
    learner = org["learners"][1]
    enrollment = events.enroll(course_id, tenant_id, learner)
    events.cancel(enrollment, learner["tenant_id"])
    assert progress_of(learner["client"], course_id, lambda p: p["cancelled"])
    # The gateway fetches this learner's context for the first time now (it would otherwise
    # see the cancellation only when its cached context expires: docs/progress.md).
    with pytest.raises(ApiError) as refused:
        learner["client"].post("/api/v1/activities", activity(course_id, "doc1"))
    assert refused.value.status == 409 and "cancelled" in refused.value.body["message"]


def test_a_new_revision_adds_a_lesson_without_losing_progress(org, events):
    tenant_id = org["tenant"]["tenant_id"]
    course_id = events.course(tenant_id)
    learner = org["learners"][1]
    events.enroll(course_id, tenant_id, learner)
    client = learner["client"]
    progress_of(client, course_id)
    client.post("/api/v1/activities", activity(course_id, "doc1"))
    progress_of(client, course_id, lambda p: "doc1" in p["lessons_done"])
    events.course(tenant_id, revision=2, course_id=course_id, extra_lessons=[
        {"lesson_id": "doc2", "kind": "document", "required": False, "title": "Đọc thêm"}])
    progress_of(client, course_id, lambda p: len(p["lessons"]) == 4)
    # The gateway refetches the context when it meets an unknown lesson. Seen once in CI (not
    # explained yet): the refetch read the course replica before the revision although the
    # progress view had already shown it, so the learner's client is allowed to send again.
    eventually(lambda: client.response("POST", "/api/v1/activities",
                                       json=activity(course_id, "doc2")).status_code == 202, timeout=10)
    progress = progress_of(client, course_id, lambda p: "doc2" in p["lessons_done"])
    assert progress["lessons_done"] == ["doc1", "doc2"] and progress["percent_complete"] == 50.0
