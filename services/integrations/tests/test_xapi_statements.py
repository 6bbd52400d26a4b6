"""Events -> xAPI statements (pure), the forwarder's verdicts and the credential cipher."""
import datetime as dt
import json
import uuid

import pytest

from mooc_common.contracts import xapi
from mooc_common.contracts.events.courses import ENROLLMENT_CREATED
from mooc_common.contracts.events.progress import LEARNER_ACTIVE, LESSON_OPENED, QUIZ_GRADED, VIDEO_PROGRESSED
from services.integrations import domain
from services.integrations.lrs_forwarder import CredentialCipher, verdict
from services.integrations.xapi_statements import statement

BASE = "https://hoc.example.gov.vn"
TENANT = "a" * 32
AT = dt.datetime(2026, 11, 23, 9, 0, tzinfo=dt.timezone.utc)
CONTEXT = {"enrollment_id": "e1", "course_id": "c1", "course_owner_tenant_id": TENANT, "intake_id": None,
           "learner_id": "l1", "unit_id": None, "category": "civil_servant"}


def wire(event_type, payload, event_id=None):
    envelope = event_type.parse(event_type.build(event_type.payload_schema().load(payload), TENANT,
                                                 event_id=event_id))
    return json.loads(domain.wire_body(event_type, envelope))  # what the relay handler hands on


def quiz(passed, event_id=None):
    return wire(QUIZ_GRADED, dict(CONTEXT, lesson_id="q1", attempt=2, score=80.0 if passed else 40.0,
                                  passed=passed, graded_at=AT.isoformat()), event_id)


def test_quiz_graded_is_passed_or_failed_on_the_lessons_activity_with_a_scaled_score():
    passed, failed = statement(BASE, QUIZ_GRADED.type, quiz(True)), statement(BASE, QUIZ_GRADED.type, quiz(False))
    assert passed["verb"]["id"] == "http://adlnet.gov/expapi/verbs/passed"
    assert failed["verb"]["id"] == "http://adlnet.gov/expapi/verbs/failed"
    assert passed["verb"]["display"]["vi-VN"] == "đã đạt"
    assert passed["object"]["id"] == f"{BASE}/xapi/activities/courses/c1/lessons/q1"
    assert xapi.parse_lesson_activity_id(BASE, passed["object"]["id"]) == ("c1", "q1")
    assert passed["result"] == {"success": True, "completion": True,
                                "score": {"scaled": 0.8, "raw": 80.0, "min": 0, "max": 100}}
    assert passed["actor"] == {"objectType": "Agent",
                               "account": {"homePage": f"{BASE}/tenants/{TENANT}", "name": "l1"}}
    assert passed["timestamp"] == AT.isoformat()


def test_lesson_opened_is_experienced_on_the_lessons_activity_inside_the_course():
    opened = statement(BASE, LESSON_OPENED.type, wire(LESSON_OPENED, dict(
        CONTEXT, lesson_id="d1", opened_at=AT.isoformat(), day="2026-11-23")))
    assert opened["verb"] == {"id": "http://adlnet.gov/expapi/verbs/experienced",
                              "display": {"vi-VN": "đã mở", "en-US": "experienced"}}
    assert opened["object"]["id"] == f"{BASE}/xapi/activities/courses/c1/lessons/d1"
    assert opened["context"]["contextActivities"]["parent"][0]["id"] == f"{BASE}/xapi/activities/courses/c1"
    assert "result" not in opened and opened["timestamp"] == AT.isoformat()


def test_video_milestones_use_the_video_profile_with_its_progress_extension():
    def milestone(m, duration=600):
        return statement(BASE, VIDEO_PROGRESSED.type, wire(VIDEO_PROGRESSED, dict(
            CONTEXT, lesson_id="v1", milestone=m, percent=float(m) + 0.5 * (m < 100),
            progressed_at=AT.isoformat(), duration_seconds=duration)))
    half, whole, unknown_length = milestone(50), milestone(100), milestone(100, None)
    assert half["verb"]["id"] == "http://adlnet.gov/expapi/verbs/progressed"
    assert half["result"] == {"extensions": {"https://w3id.org/xapi/video/extensions/progress": 0.5,
                                             "https://w3id.org/xapi/video/extensions/time": 300.0}}
    assert half["object"]["definition"]["type"] == "https://w3id.org/xapi/video/activity-type/video"
    assert half["context"]["contextActivities"]["category"] == [
        {"objectType": "Activity", "id": "https://w3id.org/xapi/video"}]
    assert whole["verb"]["id"] == "http://adlnet.gov/expapi/verbs/completed"
    assert whole["result"] == {"completion": True,
                               "extensions": {"https://w3id.org/xapi/video/extensions/progress": 1.0,
                                              "https://w3id.org/xapi/video/extensions/time": 600.0}}
    session = whole["context"]["extensions"].pop("https://w3id.org/xapi/video/extensions/session-id")
    assert uuid.UUID(session) and half["context"]["extensions"]["https://w3id.org/xapi/video/extensions/session-id"] == session
    assert whole["context"]["extensions"] == {"https://w3id.org/xapi/video/extensions/length": 600,
                                              "https://w3id.org/xapi/video/extensions/completion-threshold": 0.9}
    assert half["id"] != whole["id"]
    # a video whose author gave no length: no time, no length (the profile's completed needs them)
    assert list(unknown_length["result"]["extensions"]) == ["https://w3id.org/xapi/video/extensions/progress"]
    assert list(unknown_length["context"]["extensions"]) == ["https://w3id.org/xapi/video/extensions/session-id"]


def test_the_statement_id_is_derived_from_the_event_id_so_a_redelivery_is_identical():
    event_id = str(uuid.uuid4())
    first, again = (statement(BASE, QUIZ_GRADED.type, quiz(True, event_id)) for _ in range(2))
    assert first == again
    assert first["id"] == str(uuid.uuid5(xapi.STATEMENT_NAMESPACE, event_id))
    assert statement(BASE, QUIZ_GRADED.type, quiz(True))["id"] != first["id"]


def test_enrollment_is_registered_and_unmapped_events_give_no_statement():
    enrolled = statement(BASE, ENROLLMENT_CREATED.type, wire(ENROLLMENT_CREATED, dict(
        CONTEXT, enrolled_at=AT.isoformat(), source="self")))
    assert enrolled["verb"]["id"] == "http://adlnet.gov/expapi/verbs/registered"
    assert enrolled["object"]["id"] == f"{BASE}/xapi/activities/courses/c1"
    assert uuid.UUID(enrolled["context"]["registration"])
    day = wire(LEARNER_ACTIVE, {"learner_id": "l1", "unit_id": None, "category": None, "day": "2026-11-23"})
    assert statement(BASE, LEARNER_ACTIVE.type, day) is None


@pytest.mark.parametrize("outcome,attempts,expected", [
    ({"status_code": 200}, 1, "delivered"), ({"status_code": 204}, 3, "delivered"),
    ({"status_code": None}, 1, "retry"), ({"status_code": 503}, 2, "retry"), ({"status_code": 429}, 2, "retry"),
    ({"status_code": 401}, 1, "retry"), ({"status_code": 503}, 5, "dead"), ({"status_code": 400}, 1, "dead"),
    ({"status_code": 409}, 1, "dead")])
def test_verdicts(outcome, attempts, expected):
    assert verdict(outcome, attempts, max_attempts=5) == expected


def test_credentials_are_encrypted_and_need_the_deployments_secret():
    cipher = CredentialCipher("s" * 48)
    token = cipher.encrypt("mật-khẩu")
    assert "mật" not in token and cipher.decrypt(token) == "mật-khẩu"
    with pytest.raises(ValueError):
        CredentialCipher("t" * 48).decrypt(token)
    with pytest.raises(RuntimeError):
        CredentialCipher("").encrypt("x")


def test_lesson_activity_ids_of_another_platform_or_shape_are_not_ours():
    assert xapi.parse_lesson_activity_id(BASE, "https://other.example/xapi/activities/courses/c1/lessons/l1") is None
    assert xapi.parse_lesson_activity_id(BASE, f"{BASE}/xapi/activities/courses/c1") is None
    assert xapi.parse_lesson_activity_id(BASE, f"{BASE}/xapi/activities/courses/c.1/lessons/l1") is None
