"""Writing enrollments in batches and announcing them (single enrollment, cancellation, jobs).

Announcing goes through an outbox document per batch: a batch's ENROLLMENT_CREATED events
(deterministic ids) are written to the outbox *before* the enrollments are inserted, then
the ones actually inserted are published and the outbox entry deleted. After a crash, the
leftover entry is published whole (by the redelivered job, or the service's sweeper): events
of enrollments that already existed carry ids consumers have seen, so they are dropped.
Updating the same enrollment documents again (``update_many``) is avoided: on FerretDB it
costs one read-modify-write per document.

Publishes run on a few green threads: each waits for its broker confirm, so publishing one
by one would cap a 40,000-learner assignment at the confirm round-trip rate.
"""
import eventlet

from mooc_common.contracts.envelope import deterministic_event_id
from mooc_common.contracts.events.courses import ENROLLMENT_CANCELLED, ENROLLMENT_CREATED

from .storage import enrollment_id, now

PUBLISH_CONCURRENCY = 16
BATCH = 1000
EVENT_TYPES = {t.type: t for t in (ENROLLMENT_CREATED, ENROLLMENT_CANCELLED)}


def new_enrollment(course, learner, intake_id, source):
    return {"_id": enrollment_id(course["_id"], learner["_id"]), "course_id": course["_id"],
            "learner_id": learner["_id"], "tenant_id": learner["tenant_id"],
            "unit_id": learner.get("unit_id"), "category": learner.get("category"),
            "intake_id": intake_id, "course_owner_tenant_id": course["owner_tenant_id"],
            "source": source, "status": "active", "activation": 0, "enrolled_at": now(),
            "cancelled_at": None, "completed_at": None}


def event_of(enrollment):
    """The outbox entry announcing the enrollment's current state."""
    payload = {k: enrollment.get(k) for k in (
        "course_id", "course_owner_tenant_id", "intake_id", "learner_id", "unit_id", "category",
        "enrolled_at", "source")} | {"enrollment_id": enrollment["_id"]}
    event_type = ENROLLMENT_CREATED
    if enrollment["status"] == "cancelled":
        event_type = ENROLLMENT_CANCELLED
        payload.update(cancelled_at=enrollment["cancelled_at"], cancelled_by=enrollment.get("cancelled_by"))
    event_id = deterministic_event_id(event_type.type, enrollment["_id"], enrollment.get("activation", 0))
    return {"type": event_type.type, "tenant_id": enrollment["tenant_id"], "payload": payload,
            "event_id": str(event_id), "enrollment_id": enrollment["_id"]}


def flush(store, publish, key, only_ids=None):
    """Publish the outbox entry ``key`` (only events of ``only_ids`` if given), then delete it."""
    entry = store.get_outbox(key)
    if entry is None:
        return 0
    events = [e for e in entry["events"] if only_ids is None or e["enrollment_id"] in only_ids]

    def send(event):
        publish(EVENT_TYPES[event["type"]], event["payload"], event["tenant_id"], event_id=event["event_id"])
    pool = eventlet.GreenPool(PUBLISH_CONCURRENCY)
    for _ in pool.imap(send, events):
        pass
    store.delete_outbox(key)
    return len(events)


def announce(store, publish, key, enrollment):
    """Announce one enrollment's new state (reactivation, cancellation)."""
    store.put_outbox(key, [event_of(enrollment)])
    flush(store, publish, key)


def enroll_batch(store, publish, course, learners, intake_id, source, key):
    """Insert the enrollments that do not exist yet and announce them; returns how many were new."""
    flush(store, publish, key)  # left over by a crashed run of the same batch
    docs = [new_enrollment(course, learner, intake_id, source) for learner in learners]
    store.put_outbox(key, [event_of(doc) for doc in docs])
    inserted = store.insert_enrollments(docs)
    flush(store, publish, key, only_ids=inserted)
    return len(inserted)
