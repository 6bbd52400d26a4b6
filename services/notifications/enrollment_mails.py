"""The enrollment mails: ``enrollment.created`` events, consumed in batches.

Assigning a unit of 40,000 learners to a course publishes 40,000 events at once. One nameko
handler per event read the course, the intake and the tenant and inserted the mail's history
row and outbox row: four store commands each, at about 60 events/s beside the assignment
itself. A batch reads each distinct course, intake and tenant once (side by side) and queues
its mails with two bulk inserts (``NotificationsStore.enqueue``), whatever its size. The
mails then leave at the dispatcher's pace (``MAIL_RATE_PER_SECOND``), as before.

Guarantees, as the per-event handler had them: a mail's id derives from its event's id, so a
redelivered event queues nothing new (no claims); retry then dead-letter and nothing lost
through ``EventBatches``; replicas share the queue (inserts keyed by id).
"""
from mooc_common.contracts.events.courses import ENROLLMENT_CREATED
from mooc_common.infra import queue_retirement
from mooc_common.infra.batch_consumer import StoreEventConsumer
from mooc_common.infra.store import concurrently

from . import domain
from .storage import NotificationsStore

QUEUE = "notifications.enrollments"
DEFAULT_MAX_EVENTS = 500
DEFAULT_LINGER_SECONDS = 0.02
# The per-event handler this consumer replaced (its queue is emptied into this one, then deleted).
FORMER_HANDLER = (ENROLLMENT_CREATED,
                  queue_retirement.handler_queue(ENROLLMENT_CREATED, "notifications", "on_enrollment_created"))


def queue_enrollment_mails(store, envelopes):
    """Queue the "enrolled" mail of each loaded ``enrollment.created`` envelope (once)."""
    payloads = [e["payload"] for e in envelopes]
    courses = _read(store.get_course, [p["course_id"] for p in payloads])
    intakes = _read(store.get_intake, [p["intake_id"] for p in payloads])
    tenants = dict(zip(*_unique_and(store.tenant_name, [e["tenant_id"] for e in envelopes])))
    store.enqueue([NotificationsStore.outbox_doc(
        domain.mail_id(domain.ENROLLED, e["event_id"], p["learner_id"]), domain.ENROLLED, e["tenant_id"],
        {"course_title": courses[p["course_id"]].get("title") or "", "intake_name": intakes[p["intake_id"]].get("name"),
         "starts_on": intakes[p["intake_id"]].get("starts_on"), "ends_on": intakes[p["intake_id"]].get("ends_on"),
         "tenant_name": tenants[e["tenant_id"]]},
        user_id=p["learner_id"], ref=p["enrollment_id"]) for e, p in zip(envelopes, payloads)])


def _read(get, ids):
    """{id: document, or {} if unknown}, each distinct id read once."""
    unique, found = _unique_and(get, ids)
    return {i: doc or {} for i, doc in zip(unique, found)}


def _unique_and(call, items):
    unique = list(dict.fromkeys(items))
    return unique, concurrently(call, unique)


class EnrollmentMails(StoreEventConsumer):
    """Consumes ``notifications.enrollments`` in batches for the notifications service."""
    name = QUEUE
    max_setting, default_max = "NOTIFICATIONS_MAX_ENROLLMENTS", DEFAULT_MAX_EVENTS
    linger_setting, default_linger = "NOTIFICATIONS_ENROLLMENTS_LINGER_SECONDS", DEFAULT_LINGER_SECONDS
    replaces = (FORMER_HANDLER,)
    event_types = (ENROLLMENT_CREATED,)
    store_class = NotificationsStore
    handle = staticmethod(queue_enrollment_mails)
