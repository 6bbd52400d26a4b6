"""Marshmallow schemas of the accounts RPC boundary (input validation, output shape)."""
import re

from marshmallow import (Schema, ValidationError, fields, post_load, validate,
                         validates_schema)

from mooc_common.contracts.events.accounts import LEARNER_CATEGORIES, LOCALES, TENANT_KINDS
from mooc_common.contracts.roles import LEARNER, OPERATOR_ADMIN, ROLES
from mooc_common.infra.boundary import Id, NfcString
from mooc_common.infra.paging import PageSchema  # noqa: F401 (service.py loads schemas.PageSchema)

from . import domain

CODE = validate.Regexp(r"^[A-Za-z0-9][A-Za-z0-9_-]{1,31}$",
                       error="2-32 letters, digits, '-' or '_', starting with a letter or digit")
USERNAME = validate.Regexp(r"^[a-z0-9][a-z0-9._-]{2,63}$",
                           error="3-64 lowercase letters, digits, '.', '_' or '-'")
# Vietnamese mobile numbers: 0 or +84, then a 3/5/7/8/9 prefix and 8 digits.
VN_MOBILE = validate.Regexp(r"^(0|\+84)(3|5|7|8|9)\d{8}$", error="not a Vietnamese mobile number")



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


class TenantUpdateSchema(Schema):
    """What the operator may change; the code is the tenant's identity and stays."""
    name = NfcString(validate=validate.Length(1, 300))
    kind = fields.String(validate=validate.OneOf(TENANT_KINDS))
    learner_quota = fields.Integer()
    quota_override = fields.Boolean(load_default=False)
    storage_quota_bytes = fields.Integer(validate=validate.Range(min=0))
    focal_contact = fields.Nested(FocalContactSchema)

    @validates_schema
    def _quota(self, data, **kwargs):
        if "learner_quota" in data:
            problem = domain.check_learner_quota(data["learner_quota"], data.get("quota_override"))
            if problem:
                raise ValidationError({"learner_quota": [problem]})


class OverrideSchema(Schema):
    by = fields.String()
    at = fields.AwareDateTime()


class TenantSchema(Schema):
    tenant_id = fields.String(attribute="_id")
    code = fields.String()
    name = fields.String()
    kind = fields.String()
    status = fields.String()
    learner_quota = fields.Integer()
    quota_override = fields.Nested(OverrideSchema, allow_none=True)
    storage_quota_bytes = fields.Integer()
    focal_contact = fields.Nested(FocalContactSchema)
    seats_used = fields.Integer()
    created_at = fields.AwareDateTime()


class UserCreateSchema(Schema):
    username = fields.String(required=True, validate=USERNAME)
    full_name = NfcString(required=True, validate=validate.Length(1, 200))
    password = fields.String(load_default=None, load_only=True)
    email = fields.Email(load_default=None)
    phone = fields.String(load_default=None, validate=VN_MOBILE)
    role = fields.String(load_default=LEARNER,
                         validate=validate.OneOf([r for r in ROLES if r != OPERATOR_ADMIN]))
    unit_id = Id(load_default=None)
    category = fields.String(load_default=None, validate=validate.OneOf(LEARNER_CATEGORIES))
    job_title = NfcString(load_default=None, validate=validate.Length(max=200))
    locale = fields.String(load_default="vi", validate=validate.OneOf(LOCALES))

    @validates_schema
    def _contact_and_category(self, data, **kwargs):
        errors = {}
        if not data.get("email") and not data.get("phone"):
            errors["email"] = ["email or phone is required"]
        if data.get("role") == LEARNER and not data.get("category"):
            errors["category"] = ["required for learners"]
        if data.get("password") is not None:
            problems = domain.password_problems(data["password"], data.get("username"))
            if problems:
                errors["password"] = problems
        if errors:
            raise ValidationError(errors)


class UserUpdateSchema(Schema):
    """Profile fields an administrator may change (role, username and status have their own rules)."""
    full_name = NfcString(validate=validate.Length(1, 200))
    email = fields.Email(allow_none=True)
    phone = fields.String(allow_none=True, validate=VN_MOBILE)
    unit_id = Id(allow_none=True)
    category = fields.String(validate=validate.OneOf(LEARNER_CATEGORIES))
    job_title = NfcString(allow_none=True, validate=validate.Length(max=200))
    locale = fields.String(validate=validate.OneOf(LOCALES))


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
    locale = fields.String(dump_default="vi")
    status = fields.String()
    created_at = fields.AwareDateTime()


class CredentialsSchema(Schema):
    username = NfcString(required=True, validate=validate.Length(1, 64))
    password = fields.String(required=True, validate=validate.Length(1, 256))


class RefreshSchema(Schema):
    refresh_token = NfcString(required=True, validate=validate.Length(1, 200))


class ActivationSchema(Schema):
    code = NfcString(required=True, validate=validate.Length(1, 200))
    password = fields.String(required=True, validate=validate.Length(1, 256))


class TrainingPlanInSchema(Schema):
    planned_courses = fields.Integer(required=True, validate=validate.Range(0, 100_000))
    planned_learners = fields.Integer(required=True, validate=validate.Range(0, 10_000_000))


class TrainingPlanSchema(Schema):
    tenant_id = fields.String()
    year = fields.Integer()
    planned_courses = fields.Integer()
    planned_learners = fields.Integer()
    submitted_by = fields.String()
    submitted_at = fields.AwareDateTime()


class YearSchema(Schema):
    year = fields.Integer(required=True, strict=False,
                          validate=validate.Range(2000, 2100, error="must be a year between 2000 and 2100"))


class UnitCreateSchema(Schema):
    code = fields.String(required=True, validate=CODE)
    name = NfcString(required=True, validate=validate.Length(1, 300))
    parent_id = Id(load_default=None, allow_none=True)
    level = NfcString(load_default=None, allow_none=True, validate=validate.Length(max=50))

    @post_load
    def _upper_code(self, data, **kwargs):
        data["code"] = data["code"].upper()
        return data


class UnitRenameSchema(Schema):
    name = NfcString(required=True, validate=validate.Length(1, 300))


class UnitMoveSchema(Schema):
    parent_id = Id(required=True, allow_none=True)


class UnitSchema(Schema):
    unit_id = fields.String(attribute="_id")
    tenant_id = fields.String()
    code = fields.String()
    name = fields.String()
    parent_id = fields.String(allow_none=True)
    path = fields.List(fields.String())
    level = fields.String(allow_none=True)
    status = fields.String()


USER_STATUSES = ("active", "pending_activation", "inactive")


class UserFilterSchema(Schema):
    """Filters of the users list, all optional and combined (the console's search and filters)."""
    q = NfcString(load_default=None, validate=validate.Length(1, 100),
                  metadata={"description": "start of the username, or part of the full name (case-insensitive)"})
    unit_id = Id(load_default=None, metadata={"description": "users of this unit"})
    role = fields.String(load_default=None, validate=validate.OneOf(ROLES))
    status = fields.String(load_default=None, validate=validate.OneOf(USER_STATUSES))


class ImportRowSchema(Schema):
    """One learner row of a bulk import file (columns documented in docs/accounts.md)."""
    username = fields.String(required=True, validate=USERNAME)
    full_name = NfcString(required=True, validate=validate.Length(1, 200))
    email = fields.Email(load_default=None, allow_none=True)
    phone = fields.String(load_default=None, allow_none=True, validate=VN_MOBILE)
    unit_code = NfcString(required=True, validate=validate.Length(1, 32))
    category = fields.String(required=True, validate=validate.OneOf(LEARNER_CATEGORIES))
    job_title = NfcString(load_default=None, allow_none=True, validate=validate.Length(max=200))

    @validates_schema(skip_on_field_errors=False)  # report every problem of the row at once
    def _contact(self, data, **kwargs):
        if not data.get("email") and not data.get("phone"):
            raise ValidationError({"email": ["email or phone is required"]})

    @post_load
    def _normalise(self, data, **kwargs):
        data["unit_code"] = data["unit_code"].upper()
        return data
