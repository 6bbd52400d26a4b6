"""Events published by the progress service (exchange ``progress.events``).

Each carries tenant (envelope), unit, category, course and intake so that reports need
nothing else.
"""
from marshmallow import Schema, fields

from ..envelope import EventType


class EnrollmentContext(Schema):
    enrollment_id = fields.String(required=True)
    course_id = fields.String(required=True)
    course_owner_tenant_id = fields.String(required=True, allow_none=True)
    intake_id = fields.String(required=True, allow_none=True)
    learner_id = fields.String(required=True)
    unit_id = fields.String(required=True, allow_none=True)
    category = fields.String(required=True, allow_none=True)


class LessonCompletedPayload(EnrollmentContext):
    lesson_id = fields.String(required=True)
    completed_at = fields.AwareDateTime(required=True)


class QuizGradedPayload(EnrollmentContext):
    lesson_id = fields.String(required=True)
    attempt = fields.Integer(required=True)
    score = fields.Float(required=True)  # percent, computed by the server from the answer key
    passed = fields.Boolean(required=True)
    graded_at = fields.AwareDateTime(required=True)


class CourseCompletedPayload(EnrollmentContext):
    completed_at = fields.AwareDateTime(required=True)


class CertificateIssuedPayload(EnrollmentContext):
    certificate_id = fields.String(required=True)
    serial = fields.String(required=True)
    issued_at = fields.AwareDateTime(required=True)


class LessonOpenedPayload(EnrollmentContext):
    lesson_id = fields.String(required=True)
    opened_at = fields.AwareDateTime(required=True)  # the day's first opening (trusted time)
    day = fields.Date(required=True)  # UTC+7 calendar day (Vietnam): one event per lesson and day


class VideoProgressedPayload(EnrollmentContext):
    lesson_id = fields.String(required=True)
    milestone = fields.Integer(required=True)  # 25, 50, 75 or 100 (percent of the video watched)
    percent = fields.Float(required=True)  # the furthest percent reported when the milestone was reached
    duration_seconds = fields.Integer(required=True, allow_none=True)  # the video's length, if its author gave it
    progressed_at = fields.AwareDateTime(required=True)


class LearnerActivePayload(Schema):
    """Published once per learner per day with activity: 'active learners in a period'."""
    learner_id = fields.String(required=True)
    unit_id = fields.String(required=True, allow_none=True)
    category = fields.String(required=True, allow_none=True)
    day = fields.Date(required=True)  # UTC+7 calendar day (Vietnam)


LESSON_COMPLETED = EventType(
    "progress", "lesson.completed", 1, LessonCompletedPayload,
    "A learner completed a lesson for the first time in an enrollment.")
QUIZ_GRADED = EventType(
    "progress", "quiz.graded", 1, QuizGradedPayload,
    "A quiz attempt was scored by the server against the answer key.")
COURSE_COMPLETED = EventType(
    "progress", "course.completed", 1, CourseCompletedPayload,
    "An enrollment met its course's completion rule (published once per enrollment).")
CERTIFICATE_ISSUED = EventType(
    "progress", "certificate.issued", 1, CertificateIssuedPayload,
    "A certificate was issued for a completed enrollment.")
LESSON_OPENED = EventType(
    "progress", "lesson.opened", 1, LessonOpenedPayload,
    "A learner opened a lesson (at most once per enrollment, lesson and Vietnam calendar day).")
VIDEO_PROGRESSED = EventType(
    "progress", "video.progressed", 1, VideoProgressedPayload,
    "A learner's furthest point in a video lesson reached a milestone (25, 50, 75, 100 %; once each).")
LEARNER_ACTIVE = EventType(
    "progress", "learner.active", 1, LearnerActivePayload,
    "A learner had learning activity on a given day (once per learner and day).")
