"""The private hand-over of activation codes from accounts to notifications.

An activation code is a learner's secret until it is used, so it never rides on an event
(events are republished to agencies). Accounts publishes **one message per import chunk**
(``import_job.BATCH_SIZE`` learners) on its own durable direct exchange, naming the learners
of that chunk who have an e-mail address with what their mail needs; only the notifications
service consumes the queue. Accounts already holds all of it while it writes the chunk, so
the hand-over costs the import one confirmed publish per chunk, and the mailer asks accounts
nothing for these mails (no user lookups competing with the import for the store).

The queue is declared by the publisher too: a message sent before notifications ever ran is
kept, not dropped. Each message is idempotent on its own: the mail ids derive from the import
and the user (``activation:<import id>:<user id>``).
"""
from kombu import Exchange, Queue
from marshmallow import Schema, fields, validate

from .events.accounts import LOCALES

EXCHANGE = Exchange("notifications.handover", type="direct", durable=True)
ACTIVATION_ROUTING_KEY = "activation"
ACTIVATION_QUEUE = Queue("notifications.activation_mails", exchange=EXCHANGE,
                         routing_key=ACTIVATION_ROUTING_KEY, durable=True)
MAX_RECIPIENTS = 1000  # one import chunk


class ActivationRecipientSchema(Schema):
    user_id = fields.String(required=True, validate=validate.Length(max=64))
    email = fields.String(required=True, validate=validate.Length(max=254))
    full_name = fields.String(required=True, validate=validate.Length(max=200))
    username = fields.String(required=True, validate=validate.Length(max=64))
    locale = fields.String(load_default="vi", validate=validate.OneOf(LOCALES))
    code = fields.String(required=True, validate=validate.Length(max=64))


class ActivationMailsSchema(Schema):
    tenant_id = fields.String(required=True, validate=validate.Length(max=64))
    import_id = fields.String(required=True, validate=validate.Length(max=64))
    batch = fields.Integer(required=True)
    expires_at = fields.AwareDateTime(required=True)
    recipients = fields.List(fields.Nested(ActivationRecipientSchema), required=True,
                             validate=validate.Length(min=1, max=MAX_RECIPIENTS))


def activation_message(tenant_id, import_id, batch, expires_at, recipients):
    """The JSON body of one chunk's hand-over (the consumer loads it with the schema)."""
    return ActivationMailsSchema().dump({"tenant_id": tenant_id, "import_id": import_id, "batch": batch,
                                         "expires_at": expires_at, "recipients": recipients})
