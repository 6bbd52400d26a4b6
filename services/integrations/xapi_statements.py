"""Public events -> xAPI 1.0.3 statements (pure: no I/O).

A statement is a function of the event alone (ids, timestamps, actor, object), so the same
event always yields the same statement: a redelivery, a replay or a crash before the LRS
answered re-sends an identical statement under the same id, which the LRS keeps once.
The actor is an account on the tenant's home page, never a name or an e-mail address.
Statements carry no ``extensions``: their keys are IRIs with dots, which LRSs stored on
MongoDB before 5.0 or on FerretDB (Ralph's MongoDB backend here) refuse with a 500.
"""
from mooc_common.contracts import xapi
from mooc_common.contracts.events.courses import ENROLLMENT_CREATED
from mooc_common.contracts.events.progress import (CERTIFICATE_ISSUED, COURSE_COMPLETED, LESSON_COMPLETED,
                                                   QUIZ_GRADED)

def _iso(value):
    return value if isinstance(value, str) else value.isoformat()


def _activity(activity_id, kind, name):
    return {"objectType": "Activity", "id": activity_id,
            "definition": {"type": xapi.ACTIVITY_TYPES[kind], "name": name}}


def _course(base_url, payload):
    return _activity(xapi.course_activity_id(base_url, payload["course_id"]), "course",
                     {"vi-VN": f"Khóa học {payload['course_id']}", "en-US": f"Course {payload['course_id']}"})


def _lesson(base_url, payload, kind="lesson"):
    return _activity(xapi.lesson_activity_id(base_url, payload["course_id"], payload["lesson_id"]), kind,
                     {"vi-VN": f"Bài học {payload['lesson_id']}", "en-US": f"Lesson {payload['lesson_id']}"})


def _context(base_url, payload, parent=True):
    context = {"registration": xapi.registration(payload["enrollment_id"]),
               "platform": "mooc", "language": "vi-VN"}
    if parent:
        context["contextActivities"] = {"parent": [{"objectType": "Activity", "id": xapi.course_activity_id(
            base_url, payload["course_id"])}]}
    return context


def _enrolled(base_url, p):
    return "registered", _course(base_url, p), None, _context(base_url, p, parent=False), p["enrolled_at"]


def _lesson_completed(base_url, p):
    return ("completed", _lesson(base_url, p), {"completion": True}, _context(base_url, p), p["completed_at"])


def _quiz_graded(base_url, p):
    result = {"success": p["passed"], "completion": True,
              "score": {"scaled": round(p["score"] / 100, 4), "raw": p["score"], "min": 0, "max": 100}}
    return ("passed" if p["passed"] else "failed", _lesson(base_url, p, "assessment"), result,
            _context(base_url, p), p["graded_at"])


def _course_completed(base_url, p):
    return "completed", _course(base_url, p), {"completion": True}, _context(base_url, p, parent=False), \
        p["completed_at"]


def _certificate_issued(base_url, p):
    certificate = _activity(f"{base_url.rstrip('/')}/xapi/activities/certificates/{p['serial']}", "certificate",
                            {"vi-VN": f"Chứng chỉ {p['serial']}", "en-US": f"Certificate {p['serial']}"})
    return "earned", certificate, None, _context(base_url, p), p["issued_at"]


MAPPINGS = {
    ENROLLMENT_CREATED.type: _enrolled,
    LESSON_COMPLETED.type: _lesson_completed,
    QUIZ_GRADED.type: _quiz_graded,
    COURSE_COMPLETED.type: _course_completed,
    CERTIFICATE_ISSUED.type: _certificate_issued,
}
FORWARDED_TYPES = tuple(MAPPINGS)


def statement(base_url, event_type, envelope):
    """The statement for one public event (a loaded envelope), or None if none is forwarded."""
    mapping = MAPPINGS.get(event_type)
    if mapping is None:
        return None
    payload = envelope["payload"]
    verb_name, obj, result, context, at = mapping(base_url, payload)
    doc = {"id": xapi.statement_id(envelope["event_id"]), "version": xapi.XAPI_VERSION,
           "actor": xapi.actor(base_url, envelope["tenant_id"], payload["learner_id"]),
           "verb": xapi.verb(verb_name), "object": obj, "context": context, "timestamp": _iso(at)}
    if result is not None:
        doc["result"] = result
    return doc
