"""Events published by the accounts service (exchange ``accounts.events``).

They carry ids and non-personal attributes only: never phone numbers, emails or names of
learners (tenant and unit names are public).
"""
from marshmallow import Schema, fields

from ..envelope import EventType

TENANT_KINDS = ("ministry", "province", "government_agency", "state_enterprise", "press_agency")
LEARNER_CATEGORIES = ("cadre", "civil_servant", "public_employee", "worker", "citizen")
# Languages of the messages sent to a user (notifications): Vietnamese unless chosen otherwise.
LOCALES = ("vi", "en")


class TenantPayload(Schema):
    tenant_id = fields.String(required=True)
    code = fields.String(required=True)
    name = fields.String(required=True)
    kind = fields.String(required=True)
    learner_quota = fields.Integer(required=True)
    storage_quota_bytes = fields.Integer(required=True)
    status = fields.String(required=True)  # active | suspended


class TrainingPlanPayload(Schema):
    tenant_id = fields.String(required=True)
    year = fields.Integer(required=True)
    planned_courses = fields.Integer(required=True)
    planned_learners = fields.Integer(required=True)
    submitted_by = fields.String(required=True)  # user id
    submitted_at = fields.AwareDateTime(required=True)


class UnitPayload(Schema):
    """An organisational unit. ``path`` lists the ids from the tenant's root down to this unit
    (inclusive), so a consumer can test subtree membership without the whole tree. Moving a
    unit publishes ``unit.updated`` for it and for every unit below it (their paths change)."""
    unit_id = fields.String(required=True)
    tenant_id = fields.String(required=True)
    code = fields.String(required=True)
    name = fields.String(required=True)
    parent_id = fields.String(required=True, allow_none=True)
    path = fields.List(fields.String(), required=True)
    level = fields.String(load_default=None, allow_none=True)  # e.g. province, district, commune
    status = fields.String(required=True)  # active | inactive


class UserPayload(Schema):
    user_id = fields.String(required=True)
    tenant_id = fields.String(required=True, allow_none=True)
    role = fields.String(required=True)
    unit_id = fields.String(required=True, allow_none=True)
    category = fields.String(required=True, allow_none=True)
    status = fields.String(required=True)  # active | inactive | pending_activation


class ImportFinishedPayload(Schema):
    """A bulk import ended (notifications tells the admin who started it)."""
    import_id = fields.String(required=True)
    started_by = fields.String(required=True)  # user id
    state = fields.String(required=True)  # done | failed
    dry_run = fields.Boolean(required=True)
    created = fields.Integer(required=True)
    error_count = fields.Integer(required=True)


class PasswordChangedPayload(Schema):
    user_id = fields.String(required=True)
    reason = fields.String(required=True)  # activation | change | reset
    changed_at = fields.AwareDateTime(required=True)


class UsersImportedPayload(Schema):
    """One batch (at most 1,000 users) of a bulk import; a big import publishes several."""
    import_id = fields.String(required=True)
    batch = fields.Integer(required=True)
    users = fields.List(fields.Nested(UserPayload), required=True)


TENANT_CREATED = EventType(
    "accounts", "tenant.created", 1, TenantPayload,
    "The operator created a tenant (a ministry, province, agency...) with its quotas.")
TENANT_UPDATED = EventType(
    "accounts", "tenant.updated", 1, TenantPayload,
    "A tenant's name, kind or quotas changed.")
TENANT_SUSPENDED = EventType(
    "accounts", "tenant.suspended", 1, TenantPayload,
    "The operator suspended a tenant: its users can no longer sign in; nothing is deleted.")
TENANT_REACTIVATED = EventType(
    "accounts", "tenant.reactivated", 1, TenantPayload,
    "The operator reactivated a suspended tenant.")
TRAINING_PLAN_SUBMITTED = EventType(
    "accounts", "training_plan.submitted", 1, TrainingPlanPayload,
    "A tenant submitted (or resubmitted) its annual training plan: courses and learners planned.")
UNIT_CREATED = EventType(
    "accounts", "unit.created", 1, UnitPayload,
    "An organisational unit was created in a tenant's tree.")
UNIT_UPDATED = EventType(
    "accounts", "unit.updated", 1, UnitPayload,
    "A unit was renamed, moved (its path changed) or deactivated.")
USER_REGISTERED = EventType(
    "accounts", "user.registered", 1, UserPayload,
    "A user account was created in a tenant (learner, instructor, admin...).")
USER_UPDATED = EventType(
    "accounts", "user.updated", 1, UserPayload,
    "A user's unit, category, role or status (deactivated, reactivated, activated) changed.")
USERS_IMPORTED = EventType(
    "accounts", "users.imported", 1, UsersImportedPayload,
    "A batch of accounts created by a bulk import (one event per batch, not per user).")
IMPORT_FINISHED = EventType(
    "accounts", "import.finished", 1, ImportFinishedPayload,
    "A bulk import job finished (done or failed), with its counts.", public=False)
PASSWORD_CHANGED = EventType(
    "accounts", "password.changed", 1, PasswordChangedPayload,
    "A user's password was set or changed (the user is told by e-mail).", public=False)
