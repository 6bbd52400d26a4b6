"""Marshmallow schemas of the progress RPC boundary."""
from marshmallow import Schema, fields, post_load, validate

from mooc_common.infra.boundary import Id
from mooc_common.infra.export_formats import FILE_FORMATS as EXPORT_FORMATS
from mooc_common.infra.paging import MAX_LIMIT, MAX_OFFSET, PageSchema

STATUSES = ("not_started", "in_progress", "completed")


class ProgressQuerySchema(PageSchema):
    """Filters of the instructors' and admins' view of a course (query-string values), and its
    page: the platform's ``offset``/``limit`` (mooc_common/infra/paging.py), or the older
    ``page``/``page_size`` that this schema turns into them (``offset``/``limit`` win)."""
    status = fields.String(validate=validate.OneOf(STATUSES), load_default=None)
    unit_id = Id(load_default=None)
    page = fields.Integer(validate=validate.Range(1, MAX_OFFSET // MAX_LIMIT), load_default=1)
    page_size = fields.Integer(validate=validate.Range(1, MAX_LIMIT), load_default=20)
    offset = fields.Integer(validate=validate.Range(0, MAX_OFFSET), load_default=None)
    limit = fields.Integer(validate=validate.Range(1, MAX_LIMIT), load_default=None)

    @post_load
    def _one_page(self, data, **kwargs):
        page, page_size = data.pop("page"), data.pop("page_size")
        data["limit"] = data["limit"] or page_size
        if data["offset"] is None:
            data["offset"] = (page - 1) * data["limit"]
        return data


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
