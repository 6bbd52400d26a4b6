"""Writing enrollments in batches and announcing them (single enrollment, cancellation, jobs).

Announcing goes through the service's outbox (mooc_common/infra/outbox.py): one entry per
batch holds its ENROLLMENT_CREATED events (deterministic ids), each enrollment is inserted
carrying the entry's marker, and only the events of the enrollments really inserted are
published (the others were announced when they were created). After a crash the redelivered
job flushes its batch's leftover entry first (the outbox sweeper does so anyway). Markers in
inserted enrollments are left in place: clearing them would cost one read-modify-write per
enrollment on FerretDB.
"""
from mooc_common.contracts.envelope import deterministic_event_id
from mooc_common.contracts.events.courses import ENROLLMENT_CANCELLED, ENROLLMENT_CREATED
from mooc_common.infra.store import utcnow

from .storage import enrollment_id

BATCH = 1000


def new_enrollment(course, learner, intake_id, source):
    return {"_id": enrollment_id(course["_id"], learner["_id"]), "course_id": course["_id"],
            "learner_id": learner["_id"], "tenant_id": learner["tenant_id"],
            "unit_id": learner.get("unit_id"), "category": learner.get("category"),
            "intake_id": intake_id, "course_owner_tenant_id": course["owner_tenant_id"],
            "source": source, "status": "active", "activation": 0, "enrolled_at": utcnow(),
            "cancelled_at": None, "completed_at": None}


def event_of(outbox, enrollment):
    """The event announcing the enrollment's current state (deterministic id: per activation)."""
    payload = {k: enrollment.get(k) for k in (
        "course_id", "course_owner_tenant_id", "intake_id", "learner_id", "unit_id", "category",
        "enrolled_at", "source")} | {"enrollment_id": enrollment["_id"]}
    event_type = ENROLLMENT_CREATED
    if enrollment["status"] == "cancelled":
        event_type = ENROLLMENT_CANCELLED
        payload.update(cancelled_at=enrollment["cancelled_at"], cancelled_by=enrollment.get("cancelled_by"))
    event_id = deterministic_event_id(event_type.type, enrollment["_id"], enrollment.get("activation", 0))
    return outbox.event(event_type, payload, enrollment["tenant_id"], event_id=event_id)


def update_announced(store, outbox, enrollment, changes):
    """Change one enrollment (reactivation, cancellation) and announce its new state."""
    key = enrollment["_id"]
    staged = outbox.stage(store.enrollments, [(key, event_of(outbox, dict(enrollment, **changes)))])
    updated = store.update_enrollment(key, dict(changes, **staged.update(key)))
    outbox.send(staged)
    return updated


def enroll_batch(store, outbox, course, learners, intake_id, source, key):
    """Insert the enrollments that do not exist yet and announce them; returns how many were new."""
    outbox.flush(key)  # left over by a crashed run of the same batch
    docs = [new_enrollment(course, learner, intake_id, source) for learner in learners]
    staged = outbox.stage(store.enrollments, [(doc["_id"], event_of(outbox, doc)) for doc in docs], entry_id=key)
    inserted = store.insert_enrollments([staged.insert(doc) for doc in docs])
    outbox.send(staged, only_docs=inserted)  # those that existed were announced when created
    return len(inserted)
