"""Marshmallow schemas of the progress RPC boundary."""
from marshmallow import Schema, fields, validate

from mooc_common.infra.boundary import Id

STATUSES = ("not_started", "in_progress", "completed")
MAX_PAGE_SIZE = 100
EXPORT_FORMATS = ("csv", "xlsx")


class ProgressQuerySchema(Schema):
    """Filters of the instructors' and admins' view of a course (query-string values)."""
    status = fields.String(validate=validate.OneOf(STATUSES), load_default=None)
    unit_id = Id(load_default=None)
    page = fields.Integer(validate=validate.Range(1, 10_000), load_default=1)
    page_size = fields.Integer(validate=validate.Range(1, MAX_PAGE_SIZE), load_default=20)
    # The platform's paging (gateway/pagination.py); when given they win over page/page_size.
    offset = fields.Integer(validate=validate.Range(0, 10_000_000), load_default=None)
    limit = fields.Integer(validate=validate.Range(1, MAX_PAGE_SIZE), load_default=None)


class ExportQuerySchema(Schema):
    status = fields.String(validate=validate.OneOf(STATUSES), load_default=None)
    unit_id = Id(load_default=None)
    format = fields.String(validate=validate.OneOf(EXPORT_FORMATS), load_default="csv")


class LearnerProgressRowSchema(Schema):
    """One learner in a course: ids and progress only (no personal data in this service)."""
    enrollment_id = fields.String()
    learner_id = fields.String()
    tenant_id = fields.String()
    unit_id = fields.String(allow_none=True)
    intake_id = fields.String(allow_none=True)
    category = fields.String(allow_none=True)
    status = fields.String()
    percent_complete = fields.Float()
    lessons_done = fields.Integer()
    first_activity_at = fields.AwareDateTime(allow_none=True)
    last_activity_at = fields.AwareDateTime(allow_none=True)
    completed_at = fields.AwareDateTime(allow_none=True)
    cancelled = fields.Boolean()


class CertificateSchema(Schema):
    certificate_id = fields.String()
    serial = fields.String()
    verification_code = fields.String()
    issued_at = fields.AwareDateTime()


class PublicCertificateSchema(Schema):
    """What the public verification shows: only what the certificate itself shows."""
    learner_name = fields.String()
    course_title = fields.String()
    issuer_name = fields.String()
    issued_on = fields.Date()
