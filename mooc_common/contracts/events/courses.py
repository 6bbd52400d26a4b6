"""Events published by the courses service (exchange ``courses.events``)."""
from marshmallow import Schema, fields

from ..envelope import EventType


class QuizQuestion(Schema):
    question_id = fields.String(required=True)
    kind = fields.String(required=True)  # single | multiple
    option_ids = fields.List(fields.String(), required=True)
    correct_option_ids = fields.List(fields.String(), required=True)  # the answer key
    points = fields.Float(load_default=1.0)


class QuizSpec(Schema):
    questions = fields.List(fields.Nested(QuizQuestion), required=True)
    pass_mark = fields.Float(required=True)  # percent of points, 0-100
    max_attempts = fields.Integer(required=True, allow_none=True)  # None: unlimited


class LessonRef(Schema):
    lesson_id = fields.String(required=True)
    kind = fields.String(required=True)
    required = fields.Boolean(required=True)
    title = fields.String(load_default=None, allow_none=True)
    section_id = fields.String(load_default=None, allow_none=True)
    duration_seconds = fields.Integer(load_default=None, allow_none=True)  # videos
    quiz = fields.Nested(QuizSpec, load_default=None, allow_none=True)  # quizzes only


class CompletionRule(Schema):
    # Completed when every required lesson is done and every required quiz is passed
    # (and, when set, the average best score of the required quizzes reaches the minimum).
    required_lesson_ids = fields.List(fields.String(), required=True)
    min_average_quiz_score = fields.Float(load_default=None, allow_none=True)
    required_quiz_ids = fields.List(fields.String(), load_default=list)


class CoursePublishedPayload(Schema):
    """Carries the structure, answer keys and completion rule so consumers never call back.
    Internal: answer keys must not reach integrating agencies."""
    course_id = fields.String(required=True)
    owner_tenant_id = fields.String(required=True, allow_none=True)  # None: national course
    code = fields.String(required=True)
    title = fields.String(required=True)
    revision = fields.Integer(required=True)
    lessons = fields.List(fields.Nested(LessonRef), required=True)
    completion_rule = fields.Nested(CompletionRule, required=True)
    topic = fields.String(load_default=None, allow_none=True)
    target_categories = fields.List(fields.String(), load_default=list)
    audience_tenant_ids = fields.List(fields.String(), load_default=None, allow_none=True)
    estimated_hours = fields.Float(load_default=None, allow_none=True)


class CourseRefPayload(Schema):
    course_id = fields.String(required=True)
    owner_tenant_id = fields.String(required=True, allow_none=True)
    code = fields.String(required=True)
    title = fields.String(required=True)
    revision = fields.Integer(required=True)
    status = fields.String(required=True)  # draft | published | archived


class IntakePayload(Schema):
    intake_id = fields.String(required=True)
    course_id = fields.String(required=True)
    course_owner_tenant_id = fields.String(required=True, allow_none=True)
    name = fields.String(required=True)
    enroll_from = fields.AwareDateTime(required=True)
    enroll_until = fields.AwareDateTime(required=True)
    starts_on = fields.Date(required=True)
    ends_on = fields.Date(required=True)


class EnrollmentPayload(Schema):
    """The envelope's tenant_id is the learner's tenant (national courses: not the owner)."""
    enrollment_id = fields.String(required=True)
    course_id = fields.String(required=True)
    course_owner_tenant_id = fields.String(required=True, allow_none=True)
    intake_id = fields.String(required=True, allow_none=True)
    learner_id = fields.String(required=True)
    unit_id = fields.String(required=True, allow_none=True)
    category = fields.String(required=True, allow_none=True)
    enrolled_at = fields.AwareDateTime(required=True)
    source = fields.String(load_default=None, allow_none=True)  # self | admin | unit | category | csv


class EnrollmentCancelledPayload(EnrollmentPayload):
    cancelled_at = fields.AwareDateTime(required=True)
    cancelled_by = fields.String(load_default=None, allow_none=True)


COURSE_PUBLISHED = EventType(
    "courses", "course.published", 1, CoursePublishedPayload,
    "A course was published, or a published course was edited (new revision; lesson ids are "
    "stable): structure, answer keys and completion rule.", public=False)
COURSE_SUMMARY_PUBLISHED = EventType(
    "courses", "course.catalogued", 1, CourseRefPayload,
    "A course was published or changed status: the public summary (no content, no answer keys).")
COURSE_ARCHIVED = EventType(
    "courses", "course.archived", 1, CourseRefPayload,
    "A course was archived: no new enrollments; progress and certificates are kept.")
INTAKE_OPENED = EventType(
    "courses", "intake.opened", 1, IntakePayload,
    "An intake (\"đợt học\") of a course was opened, with its enrollment window and dates.")
ENROLLMENT_CREATED = EventType(
    "courses", "enrollment.created", 1, EnrollmentPayload,
    "A learner was enrolled in a course (self-enrollment or assignment).")
ENROLLMENT_CANCELLED = EventType(
    "courses", "enrollment.cancelled", 1, EnrollmentCancelledPayload,
    "An enrollment was cancelled (recorded, not deleted).")
