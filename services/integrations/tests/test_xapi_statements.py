"""Events -> xAPI statements (pure), the forwarder's verdicts and the credential cipher."""
import datetime as dt
import json
import uuid

import pytest

from mooc_common.contracts import xapi
from mooc_common.contracts.events.courses import ENROLLMENT_CREATED
from mooc_common.contracts.events.progress import LEARNER_ACTIVE, QUIZ_GRADED
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
