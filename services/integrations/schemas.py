"""Marshmallow schemas of the integrations RPC boundary."""
from marshmallow import Schema, ValidationError, fields, post_load, validate, validates_schema

from mooc_common.contracts.tenancy import EVERY_TENANT
from mooc_common.contracts.xapi import MOVE_ON_RULES
from mooc_common.contracts.ids import CLIENT_KEY_PATTERN, ID_PATTERN
from mooc_common.infra.boundary import Id, NfcString

from .catalog import public_event_types
from .routing import PLATFORM_KEY

KINDS = ("amqp", "webhook")
DELIVERY_STATES = ("pending", "delivered", "dead")
MAX_TENANTS = 500
TENANT_REF = validate.Regexp(rf"^({ID_PATTERN}|{PLATFORM_KEY})$",
                             error=f"a tenant id (32 hex characters) or '{PLATFORM_KEY}'")


def _public_types():
    return [e.type for e in public_event_types()]


class SubscriberCreateSchema(Schema):
    name = NfcString(required=True, validate=validate.Length(1, 200))
    kind = fields.String(required=True, validate=validate.OneOf(KINDS))
    tenants = fields.List(fields.String(validate=TENANT_REF), required=True,
                          validate=validate.Length(1, MAX_TENANTS))
    # Omitted: every public event type at registration time (later types need a new grant).
    event_types = fields.List(fields.String(validate=validate.OneOf(
        _public_types(), error="not a public event type (see GET /api/v1/events/catalog)")),
        load_default=None, validate=validate.Length(1, 200))
    url = NfcString(load_default=None, validate=validate.Length(max=2000))

    @validates_schema
    def _url_for_webhooks(self, data, **kwargs):
        if data.get("kind") == "webhook" and not data.get("url"):
            raise ValidationError("a webhook subscriber needs a url", "url")
        if data.get("kind") == "amqp" and data.get("url"):
            raise ValidationError("only webhook subscribers have a url", "url")


class RotateSecretSchema(Schema):
    # Seconds during which deliveries are signed with both the old and the new secret.
    grace_seconds = fields.Integer(load_default=0, validate=validate.Range(0, 7 * 24 * 3600))


class ReplaySchema(Schema):
    since = fields.AwareDateTime(required=True)
    until = fields.AwareDateTime(load_default=None)


class DeliveryQuerySchema(Schema):
    state = fields.String(load_default="pending", validate=validate.OneOf(DELIVERY_STATES))
    limit = fields.Integer(load_default=50, validate=validate.Range(1, 200))


class SubscriberSchema(Schema):
    subscriber_id = fields.String(attribute="_id")
    name = fields.String()
    kind = fields.String()
    status = fields.String()
    tenants = fields.List(fields.String())
    event_types = fields.List(fields.String())
    url = fields.String(allow_none=True)
    broker_user = fields.String(allow_none=True)
    queue = fields.String(allow_none=True)
    created_at = fields.AwareDateTime()
    revoked_at = fields.AwareDateTime(allow_none=True)


class AttemptSchema(Schema):
    attempt = fields.Integer()
    at = fields.AwareDateTime()
    status_code = fields.Integer(allow_none=True)
    response = fields.String(allow_none=True)
    error = fields.String(allow_none=True)
    duration_ms = fields.Integer()


class DeliverySchema(Schema):
    delivery_id = fields.String(attribute="_id")
    subscriber_id = fields.String()
    event_id = fields.String()
    event_type = fields.String()
    tenant = fields.String()
    state = fields.String()
    attempts = fields.Integer()
    next_attempt_at = fields.AwareDateTime(allow_none=True)
    created_at = fields.AwareDateTime()
    replay_id = fields.String(allow_none=True)
    last_status_code = fields.Integer(allow_none=True)
    last_error = fields.String(allow_none=True)


# -- xAPI forwarding (docs/xapi.md) -----------------------------------------------------------
NO_CONTROL = validate.Regexp(r"^[^\x00-\x1f\x7f]*$", error="control characters are not allowed")


class LrsConfigSchema(Schema):
    """An LRS endpoint: the xAPI base URL (statements go to ``<endpoint>/statements``) and the
    Basic credentials the LRS issued. The password is write-only."""
    endpoint = fields.String(required=True, validate=[validate.Length(1, 2000), NO_CONTROL])
    username = fields.String(required=True, validate=[validate.Length(1, 200), NO_CONTROL])
    password = fields.String(required=True, load_only=True, validate=[validate.Length(1, 500), NO_CONTROL])


class LrsConfigOutSchema(Schema):
    scope = fields.Method("_scope")
    endpoint = fields.String()
    username = fields.String()
    status = fields.String()
    updated_at = fields.AwareDateTime()

    def _scope(self, doc):
        return "all_tenants" if doc["_id"] == EVERY_TENANT else doc["_id"]


class LrsStatusSchema(Schema):
    pending = fields.Integer()
    dead = fields.Integer()
    delivered = fields.Integer()
    last_delivered_at = fields.AwareDateTime(allow_none=True)
    last_attempt_at = fields.AwareDateTime(allow_none=True)
    last_status_code = fields.Integer(allow_none=True)
    last_error = fields.String(allow_none=True)


class Cmi5LaunchSchema(Schema):
    course_id = Id(required=True)
    lesson_id = fields.String(required=True, validate=validate.Regexp(rf"^{CLIENT_KEY_PATTERN}$"))
    registration = fields.UUID(required=True)
    # the lesson's xAPI activity IRI (mooc_common.contracts.xapi), at most 2,000 characters
    activity_id = fields.String(
        required=True, validate=validate.Regexp(r"^https?://[^\s\x00-\x1f\x7f]{1,1990}$"))
    # cmi5 launch data (docs/xapi.md): the lesson's moveOn rule and mastery score, where the
    # AU returns to, the package URL without the cmi5 parameters, and the course's cmi5 lessons
    # (all of them satisfied: the LMS's "satisfied" statement for the course).
    move_on = fields.String(load_default="Completed", validate=validate.OneOf(MOVE_ON_RULES))
    mastery_score = fields.Float(load_default=None, allow_none=True, validate=validate.Range(0, 1))
    return_url = fields.String(required=True, validate=validate.Regexp(r"^https?://[^\s\x00-\x1f\x7f]{1,1990}$"))
    launch_url = fields.String(required=True, validate=validate.Regexp(r"^https?://[^\s\x00-\x1f\x7f]{1,1990}$"))
    au_lessons = fields.List(fields.String(validate=validate.Regexp(rf"^{CLIENT_KEY_PATTERN}$")),
                           required=True, validate=validate.Length(1, 500))  # lesson keys (client keys)

    @post_load
    def _plain(self, data, **kwargs):
        data["registration"] = str(data["registration"])
        return data
