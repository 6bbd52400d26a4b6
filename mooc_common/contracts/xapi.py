"""The platform's xAPI vocabulary, shared by what it sends to an LRS (integrations) and what
it accepts on ``/api/v1/xapi/statements`` (gateway): one activity IRI per course and per
lesson, so that a statement an xAPI/cmi5 package sends about a lesson names the same activity
as the statements the platform forwards about it.

Verbs are the ADL vocabulary (https://adlnet.gov/expapi/verbs/), the ones cmi5 uses too.
"""
import datetime as dt
import re
import uuid

from marshmallow import EXCLUDE, RAISE, Schema, ValidationError, fields, validate, validates_schema

from .ids import CLIENT_KEY_PATTERN

XAPI_VERSION = "1.0.3"
# Statement ids are UUIDv5 of the event id in this namespace: a redelivered event (or a
# replay) produces the same statement id, which an LRS keeps once.
STATEMENT_NAMESPACE = uuid.UUID("5f0c3b1e-8a47-5d6e-9c2b-7e41a0d3f6b2")
# The activity id (ingestion's ``activity_id``) of a statement received by the platform.
INBOUND_NAMESPACE = uuid.UUID("9b2d61f4-3c0e-5a8b-8f17-2d64e5a9c031")

ADL = "http://adlnet.gov/expapi/verbs/"
ADL_W3ID = "https://w3id.org/xapi/adl/verbs/"
VERBS = {
    "registered": (ADL + "registered", "đã đăng ký", "registered"),
    "launched": (ADL + "launched", "đã khởi chạy", "launched"),
    "experienced": (ADL + "experienced", "đã mở", "experienced"),
    "progressed": (ADL + "progressed", "đã xem đến", "progressed"),
    "initialized": (ADL + "initialized", "đã bắt đầu", "initialized"),
    "terminated": (ADL + "terminated", "đã kết thúc", "terminated"),
    "satisfied": (ADL_W3ID + "satisfied", "đã đáp ứng", "satisfied"),
    "abandoned": (ADL_W3ID + "abandoned", "đã bỏ dở", "abandoned"),
    "waived": (ADL_W3ID + "waived", "được miễn", "waived"),
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
    "video": "https://w3id.org/xapi/video/activity-type/video",
    "cmi5_course": "https://w3id.org/xapi/cmi5/activitytype/course",
}

# The xAPI Video Profile (https://w3id.org/xapi/video): its category activity and the
# progress extension (0..1, the furthest point watched).
VIDEO_PROFILE = "https://w3id.org/xapi/video"
VIDEO_EXT = "https://w3id.org/xapi/video/extensions/"
VIDEO_PROGRESS = VIDEO_EXT + "progress"
VIDEO_TIME = VIDEO_EXT + "time"  # seconds into the video
VIDEO_LENGTH = VIDEO_EXT + "length"  # seconds
VIDEO_COMPLETION_THRESHOLD = VIDEO_EXT + "completion-threshold"
VIDEO_SESSION_ID = VIDEO_EXT + "session-id"

# cmi5 (https://w3id.org/xapi/cmi5): categories and context/result extensions.
CMI5_CATEGORY = "https://w3id.org/xapi/cmi5/context/categories/cmi5"
CMI5_MOVEON_CATEGORY = "https://w3id.org/xapi/cmi5/context/categories/moveon"
CMI5_EXT = "https://w3id.org/xapi/cmi5/context/extensions/"
CMI5_SESSION_ID = CMI5_EXT + "sessionid"
CMI5_MASTERY_SCORE = CMI5_EXT + "masteryscore"
CMI5_LAUNCH_MODE = CMI5_EXT + "launchmode"
CMI5_LAUNCH_URL = CMI5_EXT + "launchurl"
CMI5_MOVE_ON = CMI5_EXT + "moveon"
CMI5_REASON = "https://w3id.org/xapi/cmi5/result/extensions/reason"
MOVE_ON_RULES = ("Passed", "Completed", "CompletedAndPassed", "CompletedOrPassed", "NotApplicable")


def verb(name):
    iri, vi, en = VERBS[name]
    return {"id": iri, "display": {"vi-VN": vi, "en-US": en}}


def actor(base_url, tenant_id, learner_id):
    """A learner as an xAPI Agent: an account on the tenant's home page (no name, no e-mail)."""
    return {"objectType": "Agent",
            "account": {"homePage": f"{base_url.rstrip('/')}/tenants/{tenant_id}", "name": learner_id}}


def course_activity_id(base_url, course_id):
    return f"{base_url.rstrip('/')}/xapi/activities/courses/{course_id}"


def lesson_activity_id(base_url, course_id, lesson_id):
    return f"{course_activity_id(base_url, course_id)}/lessons/{lesson_id}"


def parse_lesson_activity_id(base_url, activity_id):
    """(course_id, lesson_id) of one of our lesson activity ids, else None."""
    prefix = f"{base_url.rstrip('/')}/xapi/activities/courses/"
    if not activity_id.startswith(prefix):
        return None
    match = re.fullmatch(rf"({CLIENT_KEY_PATTERN})/lessons/({CLIENT_KEY_PATTERN})", activity_id[len(prefix):])
    return match.groups() if match else None


def statement_id(event_id):
    return str(uuid.uuid5(STATEMENT_NAMESPACE, str(event_id)))


def inbound_activity_id(statement_uuid):
    return uuid.uuid5(INBOUND_NAMESPACE, str(statement_uuid))


def registration(enrollment_id):
    """xAPI registrations are UUIDs; enrollment ids are not necessarily."""
    return str(uuid.uuid5(STATEMENT_NAMESPACE, "registration:" + enrollment_id))


# -- statements received on /api/v1/xapi/statements -------------------------------------------
# Structural validation of xAPI 1.0.3 statements (the parts the platform reads are checked
# strictly; result/context/attachments are bounded but passed over). Unknown top-level
# properties are refused, as the xAPI specification requires of an LRS.

MAX_STATEMENTS_PER_POST = 100
IRI = validate.Regexp(r"^[A-Za-z][A-Za-z0-9+.-]*:[^\s\x00-\x1f\x7f]{1,2000}$", error="must be an IRI")
LANGUAGE_MAP = fields.Dict(keys=fields.String(validate=validate.Regexp(r"^[A-Za-z]{1,8}(-[A-Za-z0-9]{1,8})*$")),
                           values=fields.String(validate=validate.Length(max=1000)),
                           validate=validate.Length(max=50))


class _Open(Schema):
    class Meta:
        unknown = EXCLUDE


class AccountSchema(_Open):
    homePage = fields.String(required=True, validate=IRI)
    name = fields.String(required=True, validate=validate.Length(1, 200))


class ActorSchema(_Open):
    objectType = fields.String(load_default="Agent", validate=validate.OneOf(["Agent", "Group"]))
    name = fields.String(validate=validate.Length(max=200))
    mbox = fields.String(validate=validate.Regexp(r"^mailto:[^@\s]+@[^@\s]+$", error="must be mailto:"))
    mbox_sha1sum = fields.String(validate=validate.Regexp(r"^[0-9a-f]{40}$"))
    openid = fields.String(validate=IRI)
    account = fields.Nested(AccountSchema)

    @validates_schema
    def _one_identifier(self, data, **kwargs):
        ids = [k for k in ("mbox", "mbox_sha1sum", "openid", "account") if k in data]
        if data.get("objectType") == "Agent" and len(ids) != 1:
            raise ValidationError("an Agent has exactly one of mbox, mbox_sha1sum, openid, account")


class VerbSchema(_Open):
    id = fields.String(required=True, validate=IRI)
    display = LANGUAGE_MAP


class ObjectSchema(_Open):
    objectType = fields.String(load_default="Activity",
                               validate=validate.OneOf(["Activity", "Agent", "Group", "SubStatement",
                                                        "StatementRef"]))
    id = fields.String(required=True, validate=validate.Length(1, 2000))

    @validates_schema
    def _activity_iri(self, data, **kwargs):
        if data.get("objectType") == "Activity":
            IRI(data["id"])


class StatementSchema(Schema):
    class Meta:
        unknown = RAISE

    id = fields.UUID()
    actor = fields.Nested(ActorSchema, required=True)
    verb = fields.Nested(VerbSchema, required=True)
    object = fields.Nested(ObjectSchema, required=True)
    result = fields.Dict(validate=validate.Length(max=20))
    context = fields.Dict(validate=validate.Length(max=20))
    timestamp = fields.AwareDateTime(default_timezone=dt.timezone.utc)
    stored = fields.AwareDateTime()
    authority = fields.Dict()
    version = fields.String(validate=validate.Regexp(r"^1\.0(\.\d+)?$"))
    attachments = fields.List(fields.Dict(), validate=validate.Length(max=10))
