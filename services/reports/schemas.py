"""Marshmallow schemas of the reports RPC boundary."""
from marshmallow import Schema, fields, validate

from mooc_common.infra.boundary import Id, NfcString
from mooc_common.infra.export_formats import FILE_FORMATS

from . import domain

EVALUATION_MAX_CHARS = 8000
FORMATS = ("json", *FILE_FORMATS)
MAX_REBUILD_TENANTS = 1000


class YearSchema(Schema):
    year = fields.Integer(required=True, validate=validate.Range(min=2000, max=2100))


class ExportSchema(YearSchema):
    format = fields.String(load_default="json", validate=validate.OneOf(FORMATS))


class VersionSchema(ExportSchema):
    version = fields.Integer(required=True, validate=validate.Range(min=1))


class EvaluationSchema(Schema):
    """The tenant admin's free-text evaluation: NFC-normalised, bounded."""
    evaluation = NfcString(required=True, validate=validate.Length(max=EVALUATION_MAX_CHARS))


class SubmitSchema(Schema):
    evaluation = NfcString(load_default=None, allow_none=True,
                           validate=validate.Length(max=EVALUATION_MAX_CHARS))


class NationalQuerySchema(YearSchema):
    year = fields.Integer(load_default=None, validate=validate.Range(min=2000, max=2100))
    sort = fields.String(load_default="code", validate=validate.OneOf(domain.NATIONAL_SORT_FIELDS))
    order = fields.String(load_default="asc", validate=validate.OneOf(("asc", "desc")))


class RebuildSchema(Schema):
    """The operator's rebuild: the tenants to rebuild (None: every tenant)."""
    tenant_ids = fields.List(Id(), load_default=None,
                             allow_none=True, validate=validate.Length(min=1, max=MAX_REBUILD_TENANTS))
