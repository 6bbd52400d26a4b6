"""Marshmallow schemas of the notifications RPC boundary."""
from marshmallow import Schema, fields

from mooc_common.infra.paging import PageSchema


class FailureQuerySchema(PageSchema):
    """A page of the delivery failures (no other filter yet)."""


class FailureSchema(Schema):
    mail_id = fields.String(attribute="_id")
    kind = fields.String()
    user_id = fields.String(allow_none=True)
    address = fields.String(allow_none=True)
    error = fields.String()
    attempts = fields.Integer()
    at = fields.AwareDateTime()


class FailurePageSchema(Schema):
    items = fields.List(fields.Nested(FailureSchema), required=True)
    total = fields.Integer(required=True)
    offset = fields.Integer(required=True)
    limit = fields.Integer(required=True)


class PreferencesInSchema(Schema):
    opt_out = fields.Boolean(required=True)


class PreferencesSchema(Schema):
    user_id = fields.String(attribute="_id")
    opt_out = fields.Boolean()
    essential_always_sent = fields.List(fields.String())


class YearEndRunSchema(Schema):
    on_date = fields.Date(required=True)
