"""Marshmallow schemas of the courses RPC boundary."""
import unicodedata

from marshmallow import Schema, fields, validate

from mooc_common.contracts.events.accounts import LEARNER_CATEGORIES

LESSON_KINDS = ("video", "document", "rich_text", "quiz", "external_package")


class Nfc(fields.String):
    def _deserialize(self, value, attr, data, **kwargs):
        return unicodedata.normalize("NFC", super()._deserialize(value, attr, data, **kwargs).strip())


class LessonInSchema(Schema):
    title = Nfc(required=True, validate=validate.Length(1, 300))
    kind = fields.String(required=True, validate=validate.OneOf(LESSON_KINDS))
    required = fields.Boolean(load_default=True)


class CourseCreateSchema(Schema):
    code = fields.String(required=True, validate=validate.Regexp(
        r"^[A-Za-z0-9][A-Za-z0-9_.-]{1,63}$", error="2-64 letters, digits, '.', '_' or '-'"))
    title = Nfc(required=True, validate=validate.Length(1, 300))
    description = Nfc(load_default="", validate=validate.Length(max=20_000))
    national = fields.Boolean(load_default=False)
    target_categories = fields.List(fields.String(validate=validate.OneOf(LEARNER_CATEGORIES)),
                                    load_default=list)
    estimated_hours = fields.Float(load_default=None, validate=validate.Range(0, 1000))
    lessons = fields.List(fields.Nested(LessonInSchema), required=True,
                          validate=validate.Length(1, 500))


class LessonSchema(Schema):
    lesson_id = fields.String()
    title = fields.String()
    kind = fields.String()
    required = fields.Boolean()


class CourseSchema(Schema):
    course_id = fields.String(attribute="_id")
    owner_tenant_id = fields.String(allow_none=True)
    code = fields.String()
    title = fields.String()
    description = fields.String()
    status = fields.String()
    revision = fields.Integer()
    target_categories = fields.List(fields.String())
    estimated_hours = fields.Float(allow_none=True)
    lessons = fields.List(fields.Nested(LessonSchema))
    completion_rule = fields.Dict()


class EnrollmentSchema(Schema):
    enrollment_id = fields.String(attribute="_id")
    course_id = fields.String()
    learner_id = fields.String()
    tenant_id = fields.String()
    intake_id = fields.String(allow_none=True)
    status = fields.String()
    enrolled_at = fields.AwareDateTime()
