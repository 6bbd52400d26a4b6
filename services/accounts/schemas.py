"""Marshmallow schemas of the accounts RPC boundary (input validation, output shape)."""
import re

from marshmallow import (Schema, ValidationError, fields, post_load, validate,
                         validates_schema)

from mooc_common.contracts.events.accounts import LEARNER_CATEGORIES, ROLES, TENANT_KINDS

from . import domain

CODE = validate.Regexp(r"^[A-Za-z0-9][A-Za-z0-9_-]{1,31}$",
                       error="2-32 letters, digits, '-' or '_', starting with a letter or digit")
USERNAME = validate.Regexp(r"^[a-z0-9][a-z0-9._-]{2,63}$",
                           error="3-64 lowercase letters, digits, '.', '_' or '-'")
# Vietnamese mobile numbers: 0 or +84, then a 3/5/7/8/9 prefix and 8 digits.
VN_MOBILE = validate.Regexp(r"^(0|\+84)(3|5|7|8|9)\d{8}$", error="not a Vietnamese mobile number")


class NfcString(fields.String):
    def _deserialize(self, value, attr, data, **kwargs):
        return domain.nfc(super()._deserialize(value, attr, data, **kwargs))


class FocalContactSchema(Schema):
    full_name = NfcString(required=True, validate=validate.Length(1, 200))
    mobile = fields.String(required=True, validate=VN_MOBILE)
    email = fields.Email(required=True)


class TenantCreateSchema(Schema):
    code = fields.String(required=True, validate=CODE)
    name = NfcString(required=True, validate=validate.Length(1, 300))
    kind = fields.String(required=True, validate=validate.OneOf(TENANT_KINDS))
    learner_quota = fields.Integer(load_default=domain.DEFAULT_LEARNER_QUOTA)
    quota_override = fields.Boolean(load_default=False)
    storage_quota_bytes = fields.Integer(load_default=50 * 1024 ** 3,
                                         validate=validate.Range(min=0))
    focal_contact = fields.Nested(FocalContactSchema, required=True)

    @validates_schema
    def _quota(self, data, **kwargs):
        problem = domain.check_learner_quota(data.get("learner_quota", 0), data.get("quota_override"))
        if problem:
            raise ValidationError({"learner_quota": [problem]})

    @post_load
    def _upper_code(self, data, **kwargs):
        data["code"] = data["code"].upper()
        return data


class TenantSchema(Schema):
    tenant_id = fields.String(attribute="_id")
    code = fields.String()
    name = fields.String()
    kind = fields.String()
    status = fields.String()
    learner_quota = fields.Integer()
    quota_override = fields.Dict(allow_none=True)
    storage_quota_bytes = fields.Integer()
    focal_contact = fields.Nested(FocalContactSchema)
    seats_used = fields.Integer()
    created_at = fields.AwareDateTime()


class UserCreateSchema(Schema):
    username = fields.String(required=True, validate=USERNAME)
    full_name = NfcString(required=True, validate=validate.Length(1, 200))
    password = fields.String(load_default=None, load_only=True, validate=validate.Length(10, 256))
    email = fields.Email(load_default=None)
    phone = fields.String(load_default=None, validate=VN_MOBILE)
    role = fields.String(load_default="learner",
                         validate=validate.OneOf([r for r in ROLES if r != "operator_admin"]))
    unit_id = fields.String(load_default=None)
    category = fields.String(load_default=None, validate=validate.OneOf(LEARNER_CATEGORIES))
    job_title = NfcString(load_default=None, validate=validate.Length(max=200))

    @validates_schema
    def _contact_and_category(self, data, **kwargs):
        errors = {}
        if not data.get("email") and not data.get("phone"):
            errors["email"] = ["email or phone is required"]
        if data.get("role") == "learner" and not data.get("category"):
            errors["category"] = ["required for learners"]
        if errors:
            raise ValidationError(errors)


class UserSchema(Schema):
    user_id = fields.String(attribute="_id")
    tenant_id = fields.String(allow_none=True)
    username = fields.String()
    full_name = fields.String()
    email = fields.String(allow_none=True)
    phone = fields.String(allow_none=True)
    role = fields.String()
    unit_id = fields.String(allow_none=True)
    category = fields.String(allow_none=True)
    job_title = fields.String(allow_none=True)
    status = fields.String()
    created_at = fields.AwareDateTime()


class CredentialsSchema(Schema):
    username = fields.String(required=True, validate=validate.Length(1, 64))
    password = fields.String(required=True, validate=validate.Length(1, 256))
