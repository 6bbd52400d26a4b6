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
from mooc_common.infra.store import concurrently_by_key

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
    courses = concurrently_by_key(store.get_course, [p["course_id"] for p in payloads])
    intakes = concurrently_by_key(store.get_intake, [p["intake_id"] for p in payloads])
    tenants = concurrently_by_key(store.tenant_name, [e["tenant_id"] for e in envelopes])
    store.enqueue([NotificationsStore.outbox_doc(
        domain.mail_id(domain.ENROLLED, e["event_id"], p["learner_id"]), domain.ENROLLED, e["tenant_id"],
        _context(courses[p["course_id"]] or {}, intakes[p["intake_id"]] or {}, tenants[e["tenant_id"]]),
        user_id=p["learner_id"], ref=p["enrollment_id"]) for e, p in zip(envelopes, payloads)])


def _context(course, intake, tenant_name):
    return {"course_title": course.get("title") or "", "intake_name": intake.get("name"),
            "starts_on": intake.get("starts_on"), "ends_on": intake.get("ends_on"), "tenant_name": tenant_name}


class EnrollmentMails(StoreEventConsumer):
    """Consumes ``notifications.enrollments`` in batches for the notifications service."""
    name = QUEUE
    max_setting, default_max = "NOTIFICATIONS_MAX_ENROLLMENTS", DEFAULT_MAX_EVENTS
    linger_setting, default_linger = "NOTIFICATIONS_ENROLLMENTS_LINGER_SECONDS", DEFAULT_LINGER_SECONDS
    replaces = (FORMER_HANDLER,)
    event_types = (ENROLLMENT_CREATED,)
    store_class = NotificationsStore
    handle = staticmethod(queue_enrollment_mails)
