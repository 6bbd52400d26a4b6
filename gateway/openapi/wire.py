"""Shapes the gateway answers that no service schema describes (HTTP-only envelopes, lists,
the gateway's own answers). Everything else in the OpenAPI document comes from the services'
marshmallow schemas; these are documentation only (nothing loads or dumps with them)."""
from marshmallow import Schema, fields, validate

from ..errors import ERROR_CODES
from ..pagination import PageQuerySchema

from services.accounts import schemas as accounts
from services.courses import schemas as courses
from services.integrations import schemas as integrations
from services.progress import schemas as progress
from services.reports import schemas as reports

class ErrorSchema(Schema):
    """Every 4xx/5xx answer."""
    code = fields.String(required=True, validate=validate.OneOf(sorted(ERROR_CODES)),
                         metadata={"description": "stable machine-readable code (see the list in docs/api.md)"})
    message = fields.String(required=True, metadata={"description": "for people; may change"})
    errors = fields.Dict(keys=fields.String(), required=True,
                         metadata={"description": "per-field messages (validation_failed); else empty"})

class TokenPairSchema(Schema):
    access_token = fields.String(required=True, metadata={"description": "JWT, 15 minutes"})
    token_type = fields.String(required=True, metadata={"example": "Bearer"})
    expires_in = fields.Integer(required=True)
    refresh_token = fields.String(required=True)

class SignedOutSchema(Schema):
    signed_out = fields.Boolean(required=True)

class ActivatedSchema(Schema):
    activated = fields.Boolean(required=True)
    username = fields.String(required=True)

class ImportJobSchema(Schema):
    job_id = fields.String(required=True)
    tenant_id = fields.String()
    state = fields.String()
    dry_run = fields.Boolean()
    rows_total = fields.Integer(allow_none=True)
    rows_done = fields.Integer(allow_none=True)
    result = fields.Dict(allow_none=True)
    errors = fields.List(fields.Dict(), allow_none=True)
    error_count = fields.Integer(allow_none=True)
    created_at = fields.String()
    finished_at = fields.String(allow_none=True)

class ImportQuerySchema(Schema):
    dry_run = fields.Boolean(metadata={"description": "only validate the file"})

class AcceptedActivitiesSchema(Schema):
    accepted = fields.Integer(required=True)
    activity_ids = fields.List(fields.String(), required=True)

class UserListQuerySchema(PageQuerySchema, accounts.UserFilterSchema):
    """A page of users with the list's filters."""

class CourseListQuerySchema(PageQuerySchema):
    scope = fields.String(validate=validate.OneOf(("catalog", "owned")),
                          metadata={"description": "catalog (default): courses I may join; owned: my organisation's"})

class CourseListSchema(Schema):
    items = fields.List(fields.Nested(courses.CourseSummarySchema), required=True)
    total = fields.Integer(required=True)
    offset = fields.Integer(required=True)
    limit = fields.Integer(required=True)

class EnrollmentListQuerySchema(PageQuerySchema, courses.EnrollmentFilterSchema):
    pass


class EnrollmentListSchema(Schema):
    items = fields.List(fields.Nested(courses.ListedEnrollmentSchema), required=True)
    offset = fields.Integer(required=True)
    limit = fields.Integer(required=True)

class EnrollmentRequestSchema(Schema):
    learner_id = fields.String(metadata={"description": "default: the caller (a learner enrolling itself)"})
    intake_id = fields.String(allow_none=True)

class MyCourseSchema(courses.EnrollmentSchema):
    course = fields.Nested(courses.CourseSummarySchema)

class MyCoursesSchema(Schema):
    items = fields.List(fields.Nested(MyCourseSchema), required=True)

class DocumentQuerySchema(Schema):
    filename = fields.String(required=True, validate=validate.Length(1, 255))

class AssignmentQuerySchema(Schema):
    intake_id = fields.String(metadata={"description": "with a text/csv body"})
    tenant_id = fields.String(metadata={"description": "with a text/csv body (operator)"})

class ProgressPageSchema(Schema):
    page = fields.Integer(required=True)
    page_size = fields.Integer(required=True)
    offset = fields.Integer(required=True)
    limit = fields.Integer(required=True)
    total = fields.Integer(required=True)
    items = fields.List(fields.Nested(progress.LearnerProgressRowSchema), required=True)

class MyProgressSchema(Schema):
    """A learner's progress in one course, lesson by lesson (docs/progress.md)."""
    course_id = fields.String()
    percent_complete = fields.Float()
    status = fields.String()

class SubscriberListSchema(Schema):
    items = fields.List(fields.Nested(integrations.SubscriberSchema), required=True)

class DeliveryListSchema(Schema):
    items = fields.List(fields.Nested(integrations.DeliverySchema), required=True)
    state = fields.String(required=True)

class SecretSchema(Schema):
    subscriber_id = fields.String(required=True)
    secret = fields.String(required=True)
    previous_secret_valid_seconds = fields.Integer(required=True)

class ReplayStateSchema(Schema):
    replay_id = fields.String(required=True)
    state = fields.String(required=True)
    queued = fields.Integer()

class ReportSchema(Schema):
    """A report document; its sections are described in docs/reports.md."""
    tenant_id = fields.String()
    as_of = fields.String(allow_none=True)

class FormatQuerySchema(Schema):
    format = fields.String(validate=validate.OneOf(reports.FORMATS))

class ProgressExportQuerySchema(Schema):
    status = fields.String(validate=validate.OneOf(progress.STATUSES))
    unit_id = fields.String()
    format = fields.String(validate=validate.OneOf(progress.EXPORT_FORMATS))

class YearEndEvaluationSchema(Schema):
    tenant_id = fields.String()
    year = fields.Integer()
    evaluation = fields.String()

class YearEndVersionsSchema(Schema):
    """Submitted versions of a year-end report (docs/reports.md)."""
    tenant_id = fields.String()
    year = fields.Integer()

class HealthSchema(Schema):
    status = fields.String(required=True)

class Cmi5AuthTokenSchema(Schema):
    """cmi5's fetch answer (its own shape, not the platform's)."""
    auth_token = fields.String(required=True, data_key="auth-token")


class Cmi5FetchErrorSchema(Schema):
    """cmi5's fetch error body: error-code 1 (already used) or 2 (unknown or expired)."""
    error_code = fields.String(required=True, data_key="error-code", validate=validate.OneOf(("1", "2")))
    error_text = fields.String(required=True, data_key="error-text")


class ReadySchema(Schema):
    """Anyone sees ``ready`` and ``failed``; an operator also ``checks`` and ``warnings``."""
    ready = fields.Boolean(required=True)
    failed = fields.List(fields.String(), required=True)
    checks = fields.Dict(keys=fields.String(), values=fields.String())
    warnings = fields.Dict(keys=fields.String(), values=fields.Dict(keys=fields.String(), values=fields.Integer()))

TENANTS = fields.List(fields.Nested(accounts.TenantSchema))
