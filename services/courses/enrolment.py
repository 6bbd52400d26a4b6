"""Writing enrollments in batches and announcing them (used by single enrollment and jobs).

Each new enrollment is inserted with a ``pending_event`` marker; ENROLLMENT_CREATED is then
published for every document still carrying the marker (deterministic event ids), and the
marker is cleared. A crash or redelivery in between re-publishes the same ids, which
consumers drop: no enrollment goes unannounced and none is announced twice in effect.
Publishes run on a few green threads: each waits for its broker confirm, so doing them one
by one would cap a 40,000-learner assignment at the confirm round-trip rate.
"""
import eventlet

from mooc_common.contracts.envelope import deterministic_event_id
from mooc_common.contracts.events.courses import ENROLLMENT_CANCELLED, ENROLLMENT_CREATED

from .storage import enrollment_id, now

PUBLISH_CONCURRENCY = 16
BATCH = 1000


def new_enrollment(course, learner, intake_id, source, marker):
    return {"_id": enrollment_id(course["_id"], learner["_id"]), "course_id": course["_id"],
            "learner_id": learner["_id"], "tenant_id": learner["tenant_id"],
            "unit_id": learner.get("unit_id"), "category": learner.get("category"),
            "intake_id": intake_id, "course_owner_tenant_id": course["owner_tenant_id"],
            "source": source, "status": "active", "activation": 0, "enrolled_at": now(),
            "cancelled_at": None, "completed_at": None, "pending_event": marker}


def event_payload(enrollment):
    return {k: enrollment.get(k) for k in (
        "course_id", "course_owner_tenant_id", "intake_id", "learner_id", "unit_id", "category",
        "enrolled_at", "source")} | {"enrollment_id": enrollment["_id"]}


def _event(enrollment):
    if enrollment["status"] == "cancelled":
        payload = dict(event_payload(enrollment), cancelled_at=enrollment["cancelled_at"],
                       cancelled_by=enrollment.get("cancelled_by"))
        return ENROLLMENT_CANCELLED, payload, "enrollment.cancelled"
    return ENROLLMENT_CREATED, event_payload(enrollment), "enrollment.created"


def announce(store, publish, marker):
    """Publish the event of every enrollment still marked ``marker``, then clear the marker."""
    def send(enrollment):
        event_type, payload, name = _event(enrollment)
        publish(event_type, payload, enrollment["tenant_id"],
                event_id=deterministic_event_id(name, enrollment["_id"], enrollment.get("activation", 0)))
    pending = store.pending_enrollments(marker)
    if pending:
        pool = eventlet.GreenPool(PUBLISH_CONCURRENCY)
        for _ in pool.imap(send, pending):
            pass
        store.clear_pending(marker)
    return len(pending)


def enroll_batch(store, publish, course, learners, intake_id, source, marker):
    """Insert the enrollments that do not exist yet and announce them; returns how many were new."""
    inserted = store.insert_enrollments(
        [new_enrollment(course, learner, intake_id, source, marker) for learner in learners])
    announce(store, publish, marker)
    return len(inserted)
