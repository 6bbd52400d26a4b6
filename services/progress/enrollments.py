"""The enrollment replica: ``enrollment.created`` events, consumed in batches.

Assigning a unit of 40,000 learners to a course publishes 40,000 events at once. One nameko
handler per event cost about six store commands each (a claim, two unit reads, two inserts, a
completion) and took them at ~43/s, long after the assignment ended; a batch costs one read
per distinct unit (side by side), one bulk insert of enrollments, one of their keys, and the
same unit reads again, whatever its size.

Guarantees, as the per-event handler had them:
- idempotent by event id: an enrollment's ``_id`` is its id, which its event carries; a
  redelivered event (or an enrollment stored earlier by ``enrollment_context``) finds it there
  and changes nothing, so no claims are needed.
- a unit moved while its enrollments are stored: the unit's event re-paths the enrollments it
  finds; those inserted after it looked are re-pathed here, by reading the paths again once
  the batch is stored.
- retry then dead-letter, nothing lost: ``EventBatches`` (a failed batch goes message by
  message to the retry queues; a killed process has acked nothing of its batch).
Replicas share the queue: inserts keyed by id tolerate running side by side.
"""
from mooc_common.contracts.events.courses import ENROLLMENT_CREATED
from mooc_common.infra import queue_retirement
from mooc_common.infra.batch_consumer import StoreEventConsumer

from .storage import ProgressStore

QUEUE = "progress.enrollments"
DEFAULT_MAX_EVENTS = 500
DEFAULT_LINGER_SECONDS = 0.02
# The per-event handler this consumer replaced (its queue is emptied into this one, then deleted).
FORMER_HANDLER = (ENROLLMENT_CREATED,
                  queue_retirement.handler_queue(ENROLLMENT_CREATED, "progress", "on_enrollment_created"))


def save_enrollments(store, envelopes):
    """Store the enrollments of loaded ``enrollment.created`` envelopes with their unit paths."""
    enrollments = [dict(e["payload"], tenant_id=e["tenant_id"]) for e in envelopes]
    units = [e["unit_id"] for e in enrollments]
    paths = store.unit_paths(units)
    store.save_enrollments(enrollments, paths)
    fresh = store.unit_paths(units)
    for enrollment in enrollments:
        unit = enrollment["unit_id"]
        if fresh[unit] != paths[unit]:
            store.set_unit_path(enrollment["enrollment_id"], fresh[unit])


class EnrollmentReplica(StoreEventConsumer):
    """Consumes ``progress.enrollments`` in batches for the progress service."""
    name = QUEUE
    max_setting, default_max = "PROGRESS_MAX_ENROLLMENTS", DEFAULT_MAX_EVENTS
    linger_setting, default_linger = "PROGRESS_ENROLLMENTS_LINGER_SECONDS", DEFAULT_LINGER_SECONDS
    replaces = (FORMER_HANDLER,)
    event_types = (ENROLLMENT_CREATED,)
    store_class = ProgressStore
    handle = staticmethod(save_enrollments)
