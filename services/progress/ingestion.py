"""Learner activities from ``progress.activities`` (one message per gateway request), applied
in batches: a batch of messages costs a fixed number of store round trips and one wait for
the broker's confirms, whatever its size.

For a batch (split into chunks of at most ``PROGRESS_MAX_ACTIVITIES`` activities, 2,000,
applied in turn), ``ActivityIngestion.apply``:
1. splits each message by course and looks the enrollments up (by key, side by side, cached)
   and the courses (cached); a message naming an enrollment or a course this replica does
   not know yet is left out whole and retried alone (``NotYetKnown``, a transient error);
2. holds the locks of the batch's enrollments (in the storage) and reads them by ``_id``;
   folds each enrollment's messages in arrival order (``domain.apply_activities``); a
   message whose fold raises is left out and retried alone (then dead-lettered), without
   failing its neighbours;
3. inserts every activity record in one bulk insert (a re-sent activity is a duplicate id,
   ignored); stages ONE outbox entry with every announcement of the batch; updates each
   enrollment once (one ``$set`` carrying the entry's marker, side by side);
4. inserts the learners' active-day markers in one bulk insert, under a second entry
   (independent round trips of 3 and 4 go side by side);
5. publishes both entries' events on one confirmed channel, confirms awaited together, and
   clears the markers; only then are the messages acked (``MessageBatches.process``).
A crash anywhere before the ack redelivers the messages: the records are duplicates, the
folds change nothing, and events stored but not sent are sent by the outbox sweeper under
their deterministic ids.
"""
import logging
import sys
from collections import defaultdict

from kombu import Exchange, Queue

from mooc_common.contracts import activities as contract
from mooc_common.infra.batch_consumer import BatchConsumer
from mooc_common.infra.event_batches import MessageBatches
from mooc_common.infra.events import TransientEventError
from mooc_common.infra.outbox import Outbox
from mooc_common.infra.phase_clock import PhaseClock
from mooc_common.infra.store import concurrently, prepare_database, service_database, utcnow

from . import domain
from .storage import ProgressStore

log = logging.getLogger(__name__)

INGEST_QUEUE = Queue(contract.INGEST_QUEUE,
                     exchange=Exchange(contract.INGEST_EXCHANGE, type="direct", durable=True),
                     routing_key=contract.INGEST_ROUTING_KEY, durable=True)
DEFAULT_MAX_MESSAGES = 100  # messages per batch (a message holds up to 500 activities)
DEFAULT_LINGER_SECONDS = 0.02
DEFAULT_MAX_ACTIVITIES = 2000  # activities applied in one round of writes (a batch is split)
_MESSAGE = contract.IngestMessageSchema()


class NotYetKnown(TransientEventError):
    """An activity arrived before the enrollment or course event it depends on: retry later."""


def parse_message(body):
    """The loaded ingest message (``ValidationError`` if malformed: dead-lettered at once)."""
    message = _MESSAGE.load(body)
    for activity in message["activities"]:
        activity["activity_id"] = str(activity["activity_id"])
    return message


class _Part:
    """The activities of one message in one course."""

    def __init__(self, position, message, course_id):
        self.position, self.message, self.course_id = position, message, course_id
        self.activities = []

    @property
    def key(self):
        return self.message["learner_id"], self.course_id


def _parts(messages):
    parts = []
    for position, message in enumerate(messages):
        by_course = {}
        for activity in message["activities"]:
            part = by_course.get(activity["course_id"])
            if part is None:
                part = by_course[activity["course_id"]] = _Part(position, message, activity["course_id"])
                parts.append(part)
            part.activities.append(activity)
    return parts


class _Fold:
    """What one enrollment's messages of the batch change."""

    def __init__(self, enrollment):
        self.enrollment, self.state, self.changes = enrollment, enrollment, {}
        self.announcements, self.records, self.active_times = [], [], []


class ActivityIngestion:
    """``apply(messages)`` -> ``{position: exc_info}`` of the messages to retry. Orchestration
    over the progress storage and an outbox writer (``OutboxWriter``)."""

    def __init__(self, store, events, max_activities=DEFAULT_MAX_ACTIVITIES):
        self.store, self.events, self.max_activities = store, events, max_activities

    def apply(self, messages):
        """Chunks of at most ``max_activities`` activities in turn (one bulk insert of 10,000
        records outlasted the store's 30 s timeout on the loaded machine)."""
        failed = {}
        for offset, chunk in _chunks(messages, self.max_activities):
            failed.update({offset + position: exc_info for position, exc_info in self._apply(chunk).items()})
        return failed

    def _apply(self, messages):
        failed, now, clock = {}, utcnow(), PhaseClock()
        parts = self._known(_parts(messages), failed)
        by_enrollment = defaultdict(list)
        for part, enrollment_id, _ in parts:
            by_enrollment[enrollment_id].append(part)
        courses = {part.course_id: course for part, _, course in parts}
        clock.lap("look up")
        with self.store.enrollments_for_update(by_enrollment) as enrollments:
            clock.lap(f"read {len(enrollments)} enrollments")
            folds = {enrollment_id: self._fold(enrollments[enrollment_id], courses[eparts[0].course_id],
                                               eparts, now, failed)
                     for enrollment_id, eparts in by_enrollment.items()}
            clock.lap("fold")
            self._write(folds, clock)
        log.info("applied %d messages (%d to retry): %s", len(messages), len(failed), clock)
        return failed

    def _known(self, parts, failed):
        """(part, enrollment id, course) of the parts whose message names only known ones."""
        ids = self.store.enrollment_ids(part.key for part in parts)
        lessons = defaultdict(set)
        for part in parts:
            lessons[part.course_id].update(a["lesson_id"] for a in part.activities)
        courses = {course_id: self.store.hot_course(course_id, ids_) for course_id, ids_ in lessons.items()}
        for part in parts:
            if ids[part.key] is None or courses[part.course_id] is None:
                error = NotYetKnown(f"enrollment of {part.key[0]} in {part.key[1]} not known yet")
                failed.setdefault(part.position, (NotYetKnown, error, None))
        return [(part, ids[part.key], courses[part.course_id]) for part in parts if part.position not in failed]

    def _fold(self, enrollment, course, parts, now, failed):
        fold = _Fold(enrollment)
        for part in parts:
            if part.position in failed:  # its fold in another course raised: retried whole
                continue
            try:
                self._fold_part(fold, course, part, now)
            except Exception:
                failed[part.position] = sys.exc_info()
        return fold

    def _fold_part(self, fold, course, part, now):
        message, enrollment = part.message, fold.enrollment
        # received_at is set by the gateway (the learner cannot send it); occurred_at is not
        activities = domain.trust_times(part.activities, message["received_at"], enrollment.get("enrolled_at"))
        changes, announcements, outcomes = domain.apply_activities(fold.state, course, activities, now,
                                                                   message["received_at"])
        fold.state = dict(fold.state, **changes)
        fold.changes.update(changes)
        fold.announcements += [self.events.event(a.event_type, a.payload, enrollment["tenant_id"],
                                                 event_id=a.event_id, correlation_id=message.get("correlation_id"))
                               for a in announcements]
        fold.records += [dict(a, _id=f"{message['learner_id']}:{a['activity_id']}", learner_id=message["learner_id"],
                              tenant_id=message["tenant_id"], enrollment_id=enrollment["_id"],
                              received_at=message["received_at"], outcome=outcomes[a["activity_id"]])
                         for a in activities]
        fold.active_times += [(a["occurred_at"], message.get("correlation_id")) for a in activities
                              if outcomes[a["activity_id"]] == domain.APPLIED]

    def _write(self, folds, clock):
        """The batch's writes in two rounds of round trips side by side, then the publish:
        (the records, the two outbox entries), then (each enrollment's ``$set`` carrying its
        entry's marker, the day markers carrying theirs). A crash before the publish leaves
        the events of what was written to the outbox sweeper."""
        records = [record for fold in folds.values() for record in fold.records]
        announced = [(enrollment_id, envelope) for enrollment_id, fold in folds.items()
                     for envelope in fold.announcements]
        days = self._active_days(folds.values())  # {(learner, day): (marker id, envelope)}
        _, staged, staged_days = _side_by_side(
            lambda: self.store.record_activities(records),
            lambda: self.events.stage(self.store.enrollments, announced) if announced else None,
            lambda: self.events.stage(self.store.active_days, list(days.values())) if days else None)
        clock.lap(f"insert {len(records)} records, stage")
        changes = {enrollment_id: fold.changes for enrollment_id, fold in folds.items()}
        for enrollment_id in dict(announced):
            changes[enrollment_id] = dict(changes[enrollment_id], **staged.update(enrollment_id))
        _, new_days = _side_by_side(
            lambda: self.store.update_progress(changes),
            lambda: staged_days and self.store.mark_active_days(
                [staged_days.insert({"_id": marker_id}) for marker_id, _ in days.values()], list(days)))
        # only the day markers inserted now are announced (an older one was announced, or its
        # own entry is still pending: the sweeper has it)
        clock.lap("update progress, day markers")
        sends = ([(staged, None)] if staged else []) + ([(staged_days, new_days)] if staged_days else [])
        if sends:
            self.events.send_all(sends)
            clock.lap("publish, unmark")

    def _active_days(self, folds):
        """One LEARNER_ACTIVE per learner and day: the day's marker document is inserted once,
        carrying the outbox marker of its event. The (learner, day) pairs of the batch that
        this process has not announced, with their marker id and event."""
        days = {}  # (learner, day) -> (enrollment, correlation id of the first message that day)
        for fold in folds:
            for moment, correlation_id in fold.active_times:
                days.setdefault((fold.enrollment["learner_id"], domain.vietnam_day(moment)),
                                (fold.enrollment, correlation_id))
        return {(learner, day): (self.store.active_day_id(learner, day),
                                 self._learner_active(day, *days[(learner, day)]))
                for learner, day in self.store.unannounced_days(days)}

    def _learner_active(self, day, enrollment, correlation_id):
        announcement = domain.learner_active(enrollment, day)
        return self.events.event(announcement.event_type, announcement.payload, enrollment["tenant_id"],
                                 event_id=announcement.event_id, correlation_id=correlation_id)


def _chunks(messages, max_activities):
    """(offset, consecutive messages of at most ``max_activities`` activities, at least one)."""
    start, size = 0, 0
    for position, message in enumerate(messages):
        if position > start and size + len(message["activities"]) > max_activities:
            yield start, messages[start:position]
            start, size = position, 0
        size += len(message["activities"])
    if start < len(messages):
        yield start, messages[start:]


def _side_by_side(*calls):
    """The results of ``calls`` run side by side (store round trips that do not depend on each
    other); the first error is raised once all ended."""
    return concurrently(lambda call: call(), calls)


class ActivityConsumer(BatchConsumer):
    """Consumes ``progress.activities`` in batches for the progress service (``BatchConsumer``);
    its events go through the service's outbox (the ``Outbox`` dependency), on a channel of
    this loop's own. Replicas share the queue: the locks and the storage keep one enrollment's
    changes apart within a process, as they did for the per-message handler."""
    name = contract.INGEST_QUEUE
    max_setting, default_max = "PROGRESS_MAX_MESSAGES", DEFAULT_MAX_MESSAGES
    linger_setting, default_linger = "PROGRESS_LINGER_SECONDS", DEFAULT_LINGER_SECONDS

    def make_batches(self, config, max_messages):
        self.ingestion = None
        return MessageBatches(config, self.container.service_name, INGEST_QUEUE, parse_message,
                              prefetch=2 * max_messages)

    def start(self):
        # after every setup: the outbox's collection exists, the storage's indexes too
        outbox = next(d for d in self.container.dependencies if isinstance(d, Outbox))
        store = prepare_database(service_database(self.container.config, self.container.service_name), ProgressStore)
        max_activities = int(self.container.config.get("PROGRESS_MAX_ACTIVITIES") or DEFAULT_MAX_ACTIVITIES)
        self.ingestion = ActivityIngestion(store, outbox.batch_writer(correlation_id=None), max_activities)
        super().start()

    def apply(self, messages):
        return self.ingestion.apply(messages)

    def close(self):
        if self.ingestion is not None:
            self.ingestion.events.close()
