"""The platform's xAPI vocabulary, shared by what it sends to an LRS (integrations) and what
it accepts on ``/api/v1/xapi/statements`` (gateway): one activity IRI per course and per
lesson, so that a statement an xAPI/cmi5 package sends about a lesson names the same activity
as the statements the platform forwards about it.

Verbs are the ADL vocabulary (https://adlnet.gov/expapi/verbs/), the ones cmi5 uses too.
"""
import re
import uuid

XAPI_VERSION = "1.0.3"
# Statement ids are UUIDv5 of the event id in this namespace: a redelivered event (or a
# replay) produces the same statement id, which an LRS keeps once.
STATEMENT_NAMESPACE = uuid.UUID("5f0c3b1e-8a47-5d6e-9c2b-7e41a0d3f6b2")
# The activity id (ingestion's ``activity_id``) of a statement received by the platform.
INBOUND_NAMESPACE = uuid.UUID("9b2d61f4-3c0e-5a8b-8f17-2d64e5a9c031")

ADL = "http://adlnet.gov/expapi/verbs/"
VERBS = {
    "registered": (ADL + "registered", "đã đăng ký", "registered"),
    "launched": (ADL + "launched", "đã mở", "launched"),
    "completed": (ADL + "completed", "đã hoàn thành", "completed"),
    "passed": (ADL + "passed", "đã đạt", "passed"),
    "failed": (ADL + "failed", "chưa đạt", "failed"),
    "earned": ("http://id.tincanapi.com/verb/earned", "đã nhận", "earned"),
}
COMPLETION_VERBS = frozenset({VERBS["completed"][0], VERBS["passed"][0]})

ACTIVITY_TYPES = {
    "course": "http://adlnet.gov/expapi/activities/course",
    "lesson": "http://adlnet.gov/expapi/activities/lesson",
    "assessment": "http://adlnet.gov/expapi/activities/assessment",
    "certificate": "https://w3id.org/xapi/cmi5/activitytype/certificate",
}


def verb(name):
    iri, vi, en = VERBS[name]
    return {"id": iri, "display": {"vi-VN": vi, "en-US": en}}


def course_activity_id(base_url, course_id):
    return f"{base_url.rstrip('/')}/xapi/activities/courses/{course_id}"


def lesson_activity_id(base_url, course_id, lesson_id):
    return f"{course_activity_id(base_url, course_id)}/lessons/{lesson_id}"


def parse_lesson_activity_id(base_url, activity_id):
    """(course_id, lesson_id) of one of our lesson activity ids, else None."""
    prefix = f"{base_url.rstrip('/')}/xapi/activities/courses/"
    if not activity_id.startswith(prefix):
        return None
    match = re.fullmatch(r"([A-Za-z0-9_-]{1,64})/lessons/([A-Za-z0-9_-]{1,64})", activity_id[len(prefix):])
    return match.groups() if match else None


def statement_id(event_id):
    return str(uuid.uuid5(STATEMENT_NAMESPACE, str(event_id)))


def inbound_activity_id(statement_uuid):
    return uuid.uuid5(INBOUND_NAMESPACE, str(statement_uuid))


def registration(enrollment_id):
    """xAPI registrations are UUIDs; enrollment ids are not necessarily."""
    return str(uuid.uuid5(STATEMENT_NAMESPACE, "registration:" + enrollment_id))
