"""Item 9: trusted timestamps. The client's occurred_at is believed only within 7 days back
and 5 minutes ahead of the server's receive time, never before the enrollment; completions,
certificates and reports use the server's time."""
import datetime as dt

import pytest

from services.progress import domain
from tests.e2e.progress_fixtures import RIGHT, activity, events, tap  # noqa: F401
from tests.e2e.test_progress_learning import enrolled, org, progress_of  # noqa: F401

RECEIVED = dt.datetime(2026, 12, 1, 9, tzinfo=dt.timezone.utc)
ENROLLED = RECEIVED - dt.timedelta(days=2)


@pytest.mark.parametrize("client_at, recorded", [
    (dt.datetime(2001, 1, 1, tzinfo=dt.timezone.utc), RECEIVED),           # decades back
    (RECEIVED - dt.timedelta(days=1), RECEIVED - dt.timedelta(days=1)),     # offline yesterday: believed
    (RECEIVED - dt.timedelta(days=3), RECEIVED),                            # before the enrollment
    (RECEIVED + dt.timedelta(minutes=4), RECEIVED),                         # slightly ahead: now
    (RECEIVED + dt.timedelta(days=300), RECEIVED),                          # far ahead
])
def test_the_client_time_is_believed_only_within_the_window(client_at, recorded):
    assert domain.trusted_time(client_at, RECEIVED, ENROLLED) == recorded


def test_a_week_back_without_enrollment_date():
    assert domain.trusted_time(RECEIVED - dt.timedelta(days=8), RECEIVED) == RECEIVED
    assert domain.trusted_time(RECEIVED - dt.timedelta(days=6), RECEIVED) == RECEIVED - dt.timedelta(days=6)


def test_completions_are_dated_by_the_server():
    course = {"lessons": [{"lesson_id": "doc1", "kind": "document", "required": True}],
              "completion_rule": {"required_lesson_ids": ["doc1"], "required_quiz_ids": []}}
    enrollment = {"_id": "e1", "lessons_done": {}, "videos": {}, "opened": {}, "quizzes": {},
                  "status": "not_started", "completed_at": None, "enrolled_at": ENROLLED}
    sent = [{"activity_id": "a1", "kind": "lesson_completed", "lesson_id": "doc1",
             "occurred_at": RECEIVED - dt.timedelta(days=1)}]
    trusted = domain.trust_times(sent, RECEIVED, ENROLLED)
    changes, _, _ = domain.apply_activities(enrollment, course, trusted, RECEIVED + dt.timedelta(seconds=3), RECEIVED)
    assert changes["completed_at"] == RECEIVED and changes["lessons_done"] == {"doc1": RECEIVED}
    assert changes["first_activity_at"] == RECEIVED - dt.timedelta(days=1)
    assert trusted[0]["client_occurred_at"] == sent[0]["occurred_at"]


@pytest.mark.e2e
def test_a_completion_backdated_to_2001_gets_this_years_certificate(enrolled):
    course_id, _, client, _ = enrolled
    old = "2001-01-01T00:00:00+00:00"
    client.post("/api/v1/activities/batch", {"activities": [
        activity(course_id, "video1", "video_progress", percent=100, occurred_at=old),
        activity(course_id, "doc1", occurred_at=old),
        activity(course_id, "quiz1", "quiz_submitted", answers=RIGHT, occurred_at=old)]})
    progress = progress_of(client, course_id, lambda p: p["certificate"])
    year = dt.datetime.now(dt.timezone.utc).year
    assert progress["first_activity_at"][:4] != "2001" and progress["completed_at"][:4] in (str(year), str(year + 1))
    assert progress["certificate"]["serial"].startswith(("CC-%d-" % year, "CC-%d-" % (year + 1)))
