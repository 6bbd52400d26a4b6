"""Marshmallow schemas of the courses RPC boundary."""
from marshmallow import Schema, ValidationError, fields, post_load, validate, validates_schema

from mooc_common.contracts.events.accounts import LEARNER_CATEGORIES
from mooc_common.contracts.xapi import MOVE_ON_RULES
from mooc_common.contracts.ids import CLIENT_KEY_PATTERN
from mooc_common.infra.boundary import Id, NfcString, load
from mooc_common.infra.paging import PageSchema  # noqa: F401 (service.py loads schemas.PageSchema)

from . import content, enrollment_list

LESSON_KINDS = ("video", "document", "rich_text", "quiz", "external_package")
PACKAGE_STANDARDS = ("scorm12", "scorm2004", "xapi", "cmi5", "other")


def _id(**kwargs):
    """A key the author's client chooses for a lesson, section, question or option (not a
    platform id: see mooc_common.infra.boundary.Id)."""
    return fields.String(validate=validate.Regexp(rf"^{CLIENT_KEY_PATTERN}$"), **kwargs)


def _url(**kwargs):
    return fields.Url(schemes={"http", "https"}, validate=validate.Length(max=2000), **kwargs)


class OptionInSchema(Schema):
    option_id = _id(load_default=None)
    text = NfcString(required=True, validate=validate.Length(1, 2000))
    correct = fields.Boolean(load_default=False)


class QuestionInSchema(Schema):
    question_id = _id(load_default=None)
    text = NfcString(required=True, validate=validate.Length(1, 5000))
    kind = fields.String(required=True, validate=validate.OneOf(("single", "multiple")))
    points = fields.Float(load_default=1.0, validate=validate.Range(min=0, max=1000, min_inclusive=False))
    options = fields.List(fields.Nested(OptionInSchema), required=True, validate=validate.Length(2, 20))

    @validates_schema
    def answer_key(self, data, **kwargs):
        correct = sum(1 for o in data["options"] if o["correct"])
        if data["kind"] == "single" and correct != 1:
            raise ValidationError("a single-choice question has exactly one correct option", "options")
        if data["kind"] == "multiple" and correct < 1:
            raise ValidationError("a multiple-choice question has at least one correct option", "options")


class QuizInSchema(Schema):
    questions = fields.List(fields.Nested(QuestionInSchema), required=True, validate=validate.Length(1, 200))
    pass_mark = fields.Float(required=True, validate=validate.Range(0, 100))
    max_attempts = fields.Integer(load_default=None, allow_none=True, validate=validate.Range(1, 100))


# Which content field each lesson kind needs (the others are dropped).
KIND_FIELDS = {"video": ("video_url", "duration_seconds"), "document": ("document_id",),
               "rich_text": ("html",), "quiz": ("quiz",),
               "external_package": ("package_url", "package_standard", "move_on", "mastery_score")}
KIND_REQUIRED = {"document": ("document_id",), "quiz": ("quiz",), "external_package": ("package_url",)}


class LessonInSchema(Schema):
    lesson_id = _id(load_default=None)
    title = NfcString(required=True, validate=validate.Length(1, 300))
    kind = fields.String(required=True, validate=validate.OneOf(LESSON_KINDS))
    required = fields.Boolean(load_default=True)
    video_url = _url(load_default=None, allow_none=True)
    duration_seconds = fields.Integer(load_default=None, allow_none=True, validate=validate.Range(0, 86_400))
    document_id = Id(load_default=None, allow_none=True)
    html = NfcString(load_default="", validate=validate.Length(max=200_000))
    quiz = fields.Nested(QuizInSchema, load_default=None, allow_none=True)
    package_url = _url(load_default=None, allow_none=True)
    package_standard = fields.String(load_default="other", validate=validate.OneOf(PACKAGE_STANDARDS))
    # cmi5 packages (docs/xapi.md): what completes the AU, and the scaled score that passes it.
    move_on = fields.String(load_default="Completed", validate=validate.OneOf(MOVE_ON_RULES))
    mastery_score = fields.Float(load_default=None, allow_none=True, validate=validate.Range(0, 1))

    @validates_schema
    def kind_content(self, data, **kwargs):
        missing = {f: ["required for a %s lesson" % data["kind"]]
                   for f in KIND_REQUIRED.get(data["kind"], ()) if not data.get(f)}
        if missing:
            raise ValidationError(missing)


class SectionInSchema(Schema):
    section_id = _id(load_default=None)
    title = NfcString(load_default="", validate=validate.Length(max=300))
    lessons = fields.List(fields.Nested(LessonInSchema), required=True, validate=validate.Length(1, 200))


class CourseInSchema(Schema):
    """A course's editable fields. ``lessons`` is a shorthand for one untitled section."""
    title = NfcString(required=True, validate=validate.Length(1, 300))
    description = NfcString(load_default="", validate=validate.Length(max=20_000))
    topic = NfcString(load_default=None, allow_none=True, validate=validate.Length(max=200))
    target_categories = fields.List(fields.String(validate=validate.OneOf(LEARNER_CATEGORIES)),
                                    load_default=list)
    estimated_hours = fields.Float(load_default=None, allow_none=True, validate=validate.Range(0, 1000))
    audience_tenant_ids = fields.List(Id(), load_default=None, allow_none=True,
                                      validate=validate.Length(max=1000))
    min_average_quiz_score = fields.Float(load_default=None, allow_none=True, validate=validate.Range(0, 100))
    sections = fields.List(fields.Nested(SectionInSchema), validate=validate.Length(1, 50))
    lessons = fields.List(fields.Nested(LessonInSchema), validate=validate.Length(1, 200))

    @validates_schema
    def structure(self, data, **kwargs):
        if bool(data.get("sections")) == bool(data.get("lessons")):
            raise ValidationError("give either sections or lessons", "sections")
        count = sum(len(s["lessons"]) for s in data.get("sections") or [])
        if count > 500:
            raise ValidationError("at most 500 lessons", "sections")

def load_course(schema, data):
    """Load a course body; ``lessons`` becomes one untitled section, lessons keep only their
    kind's content fields."""
    course = load(schema, data)
    if course.get("lessons"):
        course["sections"] = [{"section_id": None, "title": "", "lessons": course.pop("lessons")}]
    course.pop("lessons", None)
    for section in course["sections"]:
        section["lessons"] = [
            {k: v for k, v in lesson.items()
             if k in ("lesson_id", "title", "kind", "required") + KIND_FIELDS[lesson["kind"]]}
            for lesson in section["lessons"]]
    return course


class CourseCreateSchema(CourseInSchema):
    code = fields.String(required=True, validate=validate.Regexp(
        r"^[A-Za-z0-9][A-Za-z0-9_.-]{1,63}$", error="2-64 letters, digits, '.', '_' or '-'"))
    national = fields.Boolean(load_default=False)


class IntakeInSchema(Schema):
    name = NfcString(required=True, validate=validate.Length(1, 200))
    enroll_from = fields.AwareDateTime(required=True)
    enroll_until = fields.AwareDateTime(required=True)
    starts_on = fields.Date(required=True)
    ends_on = fields.Date(required=True)

    @validates_schema
    def order(self, data, **kwargs):
        if data["enroll_until"] <= data["enroll_from"]:
            raise ValidationError("must be after enroll_from", "enroll_until")
        if data["ends_on"] < data["starts_on"]:
            raise ValidationError("must not be before starts_on", "ends_on")


class AssignmentInSchema(Schema):
    """Exactly one target: learner ids, a unit subtree, a learner category, or usernames (CSV)."""
    learner_ids = fields.List(Id(), validate=validate.Length(1, 10_000))
    unit_id = Id()
    category = fields.String(validate=validate.OneOf(LEARNER_CATEGORIES))
    usernames = fields.List(NfcString(validate=validate.Length(1, 100)), validate=validate.Length(1, 10_000))
    tenant_id = Id(load_default=None)  # the operator names the tenant of a category
    intake_id = Id(load_default=None, allow_none=True)

    @validates_schema
    def one_target(self, data, **kwargs):
        targets = [k for k in ("learner_ids", "unit_id", "category", "usernames") if k in data]
        if len(targets) != 1:
            raise ValidationError("give exactly one of learner_ids, unit_id, category, usernames", "target")


class DocumentStartSchema(Schema):
    filename = NfcString(required=True, validate=validate.Length(1, 255))
    size = fields.Integer(required=True, validate=validate.Range(1))

    @post_load
    def _safe_filename(self, data, **kwargs):
        data["filename"] = content.safe_filename(data["filename"])
        if not data["filename"]:
            raise ValidationError({"filename": ["not a usable file name"]})
        return data


# -- output ------------------------------------------------------------------------------------

class OptionSchema(Schema):
    option_id = fields.String()
    text = fields.String()
    correct = fields.Boolean()


class QuestionSchema(Schema):
    question_id = fields.String()
    text = fields.String()
    kind = fields.String()
    points = fields.Float()
    options = fields.List(fields.Nested(OptionSchema))


class QuizSchema(Schema):
    questions = fields.List(fields.Nested(QuestionSchema))
    pass_mark = fields.Float()
    max_attempts = fields.Integer(allow_none=True)


class LessonSchema(Schema):
    lesson_id = fields.String()
    section_id = fields.String()
    title = fields.String()
    kind = fields.String()
    required = fields.Boolean()
    video_url = fields.String()
    duration_seconds = fields.Integer(allow_none=True)
    document_id = fields.String()
    html = fields.String()
    quiz = fields.Nested(QuizSchema)
    package_url = fields.String()
    package_standard = fields.String()
    move_on = fields.String()
    mastery_score = fields.Float(allow_none=True)


class SectionSchema(Schema):
    section_id = fields.String()
    title = fields.String()
    lessons = fields.List(fields.Nested(LessonSchema))


class CourseSummarySchema(Schema):
    course_id = fields.String(attribute="_id")
    owner_tenant_id = fields.String(allow_none=True)
    national = fields.Function(lambda c: c.get("owner_tenant_id") is None)
    code = fields.String()
    title = fields.String()
    topic = fields.String(allow_none=True)
    status = fields.String()
    revision = fields.Integer()
    target_categories = fields.List(fields.String())
    estimated_hours = fields.Float(allow_none=True)


class CourseSchema(CourseSummarySchema):
    description = fields.String()
    audience_tenant_ids = fields.List(fields.String(), allow_none=True)
    sections = fields.List(fields.Nested(SectionSchema))
    lessons = fields.Function(lambda c: LessonSchema(many=True).dump(
        [l for s in c.get("sections", []) for l in s["lessons"]]))
    completion_rule = fields.Dict()


class IntakeSchema(Schema):
    intake_id = fields.String(attribute="_id")
    course_id = fields.String()
    name = fields.String()
    enroll_from = fields.AwareDateTime()
    enroll_until = fields.AwareDateTime()
    starts_on = fields.String()
    ends_on = fields.String()


class EnrollmentSchema(Schema):
    enrollment_id = fields.String(attribute="_id")
    course_id = fields.String()
    learner_id = fields.String()
    tenant_id = fields.String()
    unit_id = fields.String(allow_none=True)
    category = fields.String(allow_none=True)
    intake_id = fields.String(allow_none=True)
    source = fields.String()
    status = fields.String()
    enrolled_at = fields.AwareDateTime()
    cancelled_at = fields.AwareDateTime(allow_none=True)
    completed_at = fields.AwareDateTime(allow_none=True)


class ListedEnrollmentSchema(EnrollmentSchema):
    """A row of a course's enrollments list: the learner named (from accounts, for the page)."""
    status = fields.String(metadata={"description": "active, completed or cancelled"})
    username = fields.String(allow_none=True)
    full_name = fields.String(allow_none=True)


class EnrollmentFilterSchema(Schema):
    """Filters of a course's enrollments list and its export, all optional and combined."""
    status = fields.String(load_default=None, validate=validate.OneOf(enrollment_list.STATUSES))
    source = fields.String(load_default=None, validate=validate.OneOf(enrollment_list.SOURCES))
    intake_id = Id(load_default=None)
    category = fields.String(load_default=None, validate=validate.OneOf(LEARNER_CATEGORIES))
    unit_id = Id(load_default=None, metadata={"description": "learners of this unit and the units below it"})
    tenant_id = Id(load_default=None, metadata={"description": "operator only: learners of this tenant"})
    q = NfcString(load_default=None, validate=validate.Length(1, 100), metadata={
        "description": "start of the username, or part of the full name (case- and accent-insensitive)"})


class JobSchema(Schema):
    job_id = fields.String(attribute="_id")
    course_id = fields.String()
    state = fields.String()
    total = fields.Integer(allow_none=True)
    done = fields.Integer()
    result = fields.Dict(allow_none=True)
    created_at = fields.AwareDateTime()
    finished_at = fields.AwareDateTime(allow_none=True)


class DocumentSchema(Schema):
    document_id = fields.String(attribute="_id")
    course_id = fields.String()
    filename = fields.String()
    content_type = fields.String(allow_none=True)
    size = fields.Integer()
    state = fields.String()
