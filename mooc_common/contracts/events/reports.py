"""Events published by the reports service (exchange ``reports.events``)."""
from marshmallow import Schema, fields

from ..envelope import EventType


class YearEndReportSubmittedPayload(Schema):
    tenant_id = fields.String(required=True)
    year = fields.Integer(required=True)
    version = fields.Integer(required=True)
    content_sha256 = fields.String(required=True)
    submitted_by = fields.String(required=True)
    submitted_at = fields.AwareDateTime(required=True)


YEAR_END_REPORT_SUBMITTED = EventType(
    "reports", "year_end_report.submitted", 1, YearEndReportSubmittedPayload,
    "A tenant submitted (a version of) its year-end summary report to the operator.")
