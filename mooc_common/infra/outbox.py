"""The one transactional outbox: every service announces what it stored through it.

A service that writes its store and then publishes loses the event if it dies in between:
the change is there, the event never left. The local store has no multi-document
transactions, so the change and its events are tied together like this:

1. ``stage``: ONE insert into the service's ``outbox`` collection: the events (envelopes
   built now, ids fixed) and, for each, the id of the document the change writes. Nothing
   may be announced yet: the change can still be refused or never happen.
2. the change itself carries the entry's marker ``outbox.<entry id>: true`` in each document
   it inserts or updates, in the same single-document write (atomic on every store).
3. ``send``: publish each event (publisher confirms), then delete the entry (and, in
   updated documents, the marker).

The sweeper (a greenthread in every service process) looks at entries older than
``OUTBOX_STALE_SECONDS``: an event whose document carries the marker was stored but maybe
never sent, so it is published (again: consumers drop event ids they have seen). An entry is
deleted once every document carries its marker, or after ``OUTBOX_ABANDON_SECONDS``: a
document still without the marker then belongs to a change that never happened (refused, or
its writer died before it), and its event is dropped unsent. A writer stalled between stage
and write for longer than that would lose its event; store calls time out long before.

Markers left in documents by a swept entry are harmless (nothing reads them but the sweeper
of that entry). Event ids are deterministic wherever a change can be redone (a redelivered
message), so a redone change re-announces under the same id.
"""
import datetime as dt
import json
import logging
import os
import signal
import time
import uuid

import eventlet
from pymongo.errors import PyMongoError

from . import tracing
from .confirms import ConfirmingPublisher
from .events import EventPublisher
from .keyed_locks import writing
from .outages import is_outage
from .store import concurrently, create_collection, service_database, utcnow

log = logging.getLogger(__name__)

COLLECTION = "outbox"
MARKER = "outbox"  # the field of a changed document holding {entry id: true}
DEFAULT_SWEEP_SECONDS = 2.0
DEFAULT_STALE_SECONDS = 5.0
DEFAULT_ABANDON_SECONDS = 300.0
FAILPOINT_ENV = "OUTBOX_FAILPOINT"
# An entry this very process staged and is still writing is left to its writer for this long
# (a 1,000-user import batch takes seconds on a loaded machine): the sweeper would only
# publish it twice. Entries of a dead process (a crash) are not known here: swept when stale.
WRITER_GRACE_SECONDS = 60.0
PUBLISH_CONCURRENCY = 16  # each publish waits for its confirm: a big batch goes on a few at once
CONFIRM_TIMEOUT_SECONDS = 30.0  # a stream of publishes not confirmed by then fails (its batch is retried)
CHECK_CONCURRENCY = 16


class Staged:
    """A staged entry: marks the documents of the change, remembers which need clearing."""

    def __init__(self, entry):
        self.entry = entry
        self.id = entry["_id"]
        self.updated = set()

    def insert(self, doc):
        """``doc`` (to be inserted) carrying the marker."""
        return dict(doc, **{MARKER: dict(doc.get(MARKER) or {}, **{self.id: True})})

    def update(self, doc_id):
        """The fields to ``$set`` beside the change of document ``doc_id``."""
        self.updated.add(doc_id)
        return {f"{MARKER}.{self.id}": True}


class OutboxEntries:
    """The ``outbox`` collection of one service database (storage only, no publishing)."""
    _writing = {}  # (database, entry id) -> monotonic time this process staged it

    def __init__(self, db):
        self.db = db
        self.collection = db[COLLECTION]

    def create(self):
        create_collection(self.db, COLLECTION)

    def stage(self, collection, events, entry_id=None, now=None):
        """Insert the entry for ``events`` = [(document id, envelope)] written in ``collection``
        (a pymongo collection of this database, or its name)."""
        entry = {"_id": entry_id or uuid.uuid4().hex, "collection": getattr(collection, "name", collection),
                 "events": [{"doc": doc_id, "body": json.dumps(envelope, ensure_ascii=False)}
                            for doc_id, envelope in events],
                 "sent": [], "created_at": now or utcnow()}
        self.collection.insert_one(entry)
        self._writing[(self.db.name, entry["_id"])] = time.monotonic()
        return Staged(entry)

    def being_written(self, entry_id):
        """Whether a worker of this process staged ``entry_id`` moments ago and may still send it."""
        staged_at = self._writing.get((self.db.name, entry_id))
        return staged_at is not None and time.monotonic() - staged_at < WRITER_GRACE_SECONDS

    def get(self, entry_id):
        return self.collection.find_one({"_id": entry_id})

    def older_than(self, moment):
        """Entries staged before ``moment``: a look at every entry's date (the collection holds
        only unsent entries), then each old one whole. Documents of the former courses outbox
        (no ``collection``) are not entries."""
        old = [e["_id"] for e in self.collection.find({}, {"created_at": 1, "collection": 1})
               if e.get("collection") and e["created_at"] < moment]
        return [e for e in map(self.get, old) if e is not None]

    def marked(self, entry):
        """Ids of the entry's documents that carry its marker (their change is stored)."""
        docs = self.db[entry["collection"]]

        def check(doc_id):
            doc = docs.find_one({"_id": doc_id}, {MARKER: 1})
            return doc_id if doc and (doc.get(MARKER) or {}).get(entry["_id"]) else None
        ids = list(dict.fromkeys(e["doc"] for e in entry["events"]))
        return {d for d in eventlet.GreenPool(CHECK_CONCURRENCY).imap(check, ids) if d is not None}

    def note_sent(self, entry_id, doc_ids):
        self.collection.update_one({"_id": entry_id}, {"$set": {"sent": sorted(doc_ids)}})

    def finish(self, entry_id, collection=None, clear=()):
        """Delete the entry; remove its marker from the updated documents ``clear`` (side by
        side: single updates by ``_id`` are the store's fast writes)."""
        def unmark(doc_id):
            with writing(self.db[collection], doc_id):  # beside the storage's own updates of it
                self.db[collection].update_one({"_id": doc_id}, {"$unset": {f"{MARKER}.{entry_id}": ""}})
        concurrently(unmark, sorted(clear), CHECK_CONCURRENCY)
        self.collection.delete_one({"_id": entry_id})
        self._writing.pop((self.db.name, entry_id), None)


def _bodies(entry, doc_ids):
    return [json.loads(e["body"]) for e in entry["events"] if e["doc"] in doc_ids]


def publish_all(publish_raw, envelopes, publish_batch=None):
    """Publish in order when few; when many, as one stream with pipelined confirms
    (``publish_batch``) or else on a few greenthreads (each waits for its confirm)."""
    if len(envelopes) <= PUBLISH_CONCURRENCY // 2:
        for envelope in envelopes:
            publish_raw(envelope)
        return
    if publish_batch is not None:
        publish_batch(envelopes)
        return
    for _ in eventlet.GreenPool(PUBLISH_CONCURRENCY).imap(publish_raw, envelopes):
        pass


class Sweeper:
    """Publishes what crashed writers stored but did not send (see the module docstring)."""

    def __init__(self, entries, publish_raw, stale_after, abandon_after, publish_batch=None):
        self.entries, self.publish_raw, self.publish_batch = entries, publish_raw, publish_batch
        self.stale_after, self.abandon_after = stale_after, abandon_after

    def sweep(self, now=None):
        now = now or utcnow()
        for entry in self.entries.older_than(now - self.stale_after):
            if not self.entries.being_written(entry["_id"]):
                self.sweep_entry(entry, now)

    def sweep_entry(self, entry, now=None, final=False):
        """Publish the stored, unsent events of ``entry``; delete it when nothing more can come
        (every document marked, abandoned, or ``final``: its writer is redoing the work)."""
        now = now or utcnow()
        marked = self.entries.marked(entry)
        unsent = marked - set(entry.get("sent") or ())
        if unsent:
            publish_all(self.publish_raw, _bodies(entry, unsent), self.publish_batch)
            log.warning("outbox: published %d event(s) of entry %s left unsent", len(unsent), entry["_id"])
        every_doc = {e["doc"] for e in entry["events"]}
        if final or marked == every_doc or now - entry["created_at"] > self.abandon_after:
            self.entries.finish(entry["_id"])
        elif unsent:
            self.entries.note_sent(entry["_id"], marked)


class OutboxWriter:
    """What a worker gets: ``event``, ``stage``, ``send`` (and ``discard``, ``flush``), and
    ``events(...)`` to publish at once an effect already stored under a key whose
    announcement the handler's own redelivery retries (a certificate on a redelivered
    ``course.completed``)."""

    def __init__(self, service_name, entries, sweeper, publish, publish_raw, correlation_id,
                 failpoint=lambda: None, publish_batch=None):
        self.service_name, self.entries, self.sweeper = service_name, entries, sweeper
        self.publish, self.publish_raw = publish, publish_raw
        # publish_batch(envelopes): every envelope of a send, in order (Outbox decides how)
        self.publish_batch = publish_batch or (lambda envelopes: publish_all(publish_raw, envelopes))
        self.correlation_id, self.failpoint = correlation_id, failpoint

    def __call__(self, event_type, payload, tenant_id, event_id=None):
        return self.publish(event_type, payload, tenant_id, event_id=event_id)

    def event(self, event_type, payload, tenant_id, event_id=None, correlation_id=None):
        """The validated envelope of an event this service may publish (its id fixed now)."""
        if event_type.producer != self.service_name:
            raise ValueError(f"{self.service_name} cannot publish {event_type.type}")
        return event_type.build(payload, tenant_id, correlation_id=correlation_id or self.correlation_id,
                                event_id=event_id)

    def stage(self, collection, events, entry_id=None):
        """Step 1: record ``events`` = [(id of the document the change writes, envelope)]."""
        return self.entries.stage(collection, events, entry_id=entry_id)

    def send(self, staged, only_docs=None):
        """Step 3, after the change: publish (only the events of ``only_docs`` if given: the
        documents a bulk insert really inserted), then forget the entry."""
        self.send_all([(staged, only_docs)])

    def send_all(self, sends):
        """``send`` of several entries [(staged, only_docs)], their publishes confirmed together."""
        self.failpoint()
        bodies = []
        for staged, only_docs in sends:
            entry = staged.entry
            docs = {e["doc"] for e in entry["events"]} if only_docs is None else set(only_docs)
            bodies += _bodies(entry, docs)
        self.publish_batch(bodies)
        concurrently(lambda staged: self.entries.finish(staged.id, staged.entry["collection"], clear=staged.updated),
                     [staged for staged, _ in sends])

    def discard(self, staged):
        """Forget an entry whose change was refused before anything was written."""
        self.entries.finish(staged.id)

    def flush(self, entry_id):
        """Send what a leftover entry ``entry_id`` (a crashed run of the same work) stored."""
        entry = self.entries.get(entry_id)
        if entry is not None:
            self.sweeper.sweep_entry(entry, final=True)


class ConfirmedChannels:
    """The process's idle pipelined-confirm publishers (confirms.ConfirmingPublisher; one user at
    a time each): 1,000 events of an assignment batch cost one round of confirms instead of
    1,000 waits."""

    def __init__(self, amqp_uri, declare=()):
        self.amqp_uri, self.declare = amqp_uri, tuple(declare)
        self.idle = []

    def publish_all(self, messages):
        """Publish ``messages`` and wait for every confirm; raises if any is missing."""
        reused = bool(self.idle)
        publisher = self.idle.pop() if reused else ConfirmingPublisher(
            self.amqp_uri, CONFIRM_TIMEOUT_SECONDS, declare=self.declare)
        try:
            publisher.publish_all(messages)
        except Exception:
            if not reused:
                raise
            # closed by the broker while idle (the publisher reopens it): once more; what went
            # out twice is dropped by consumers (same event ids)
            publisher.publish_all(messages)
        finally:
            self.idle.append(publisher)

    def close(self):
        while self.idle:
            self.idle.pop().close()


class Outbox(EventPublisher):
    """The service's publisher and outbox: injects an ``OutboxWriter`` and runs the sweeper.
    Settings: ``OUTBOX_SWEEP_SECONDS`` (2), ``OUTBOX_STALE_SECONDS`` (5),
    ``OUTBOX_ABANDON_SECONDS`` (300)."""

    def setup(self):
        super().setup()
        config = self.container.config
        self.entries = OutboxEntries(service_database(config, self.container.service_name))
        self.entries.create()
        self.sweep_every = float(config.get("OUTBOX_SWEEP_SECONDS") or DEFAULT_SWEEP_SECONDS)
        self.channels = ConfirmedChannels(self.amqp_uri, declare=[self.exchange])
        self.sweeper = Sweeper(
            self.entries, self.publish_raw,
            stale_after=dt.timedelta(seconds=float(config.get("OUTBOX_STALE_SECONDS") or DEFAULT_STALE_SECONDS)),
            abandon_after=dt.timedelta(seconds=float(config.get("OUTBOX_ABANDON_SECONDS")
                                                     or DEFAULT_ABANDON_SECONDS)),
            publish_batch=self.publish_batch)
        # ``<OUTBOX_FAILPOINT>.<service>``: a file whose existence makes the next send kill the
        # process before it publishes (the fault suite's crash between write and publish).
        # Unset in production.
        prefix = os.environ.get(FAILPOINT_ENV)
        self.failpoint_file = prefix and f"{prefix}.{self.container.service_name}"
        self.running, self.thread = False, None

    def start(self):
        self.running = True
        self.thread = self.container.spawn_managed_thread(self._sweep_forever, identifier="outbox.sweeper")

    def stop(self):
        self.running = False
        if self.thread is not None:
            self.thread.kill()
        self.channels.close()

    kill = stop

    def get_dependency(self, worker_ctx):
        publish = super().get_dependency(worker_ctx)
        correlation_id = worker_ctx.context_data.get("correlation_id") or worker_ctx.call_id
        headers = self.get_message_headers(worker_ctx)
        raw = lambda envelope: self.publish_raw(envelope, headers)  # noqa: E731
        return OutboxWriter(self.container.service_name, self.entries, self.sweeper, publish, raw, correlation_id,
                            failpoint=self.failpoint, publish_batch=lambda envelopes: publish_all(
                                raw, envelopes, lambda many: self.publish_batch(many, headers)))

    def batch_writer(self, correlation_id):
        """An ``OutboxWriter`` for a batch consumer's loop (outside any worker) whose sends go
        on one confirmed channel of its own, their confirms awaited together
        (confirms.ConfirmingPublisher; one owner: that loop). ``close()`` it when the loop ends."""
        publisher = ConfirmingPublisher(self.amqp_uri, CONFIRM_TIMEOUT_SECONDS,
                                        declare=[self.exchange])

        def publish_batch(envelopes):
            # the batch's span (current now) is the parent of what its events cause, as a
            # worker's is for what it publishes (nameko context data headers)
            headers = {f"nameko.{key}": value for key, value in tracing.carrier().items()}
            publisher.publish_all(self._messages(envelopes, headers))
        writer = OutboxWriter(self.container.service_name, self.entries, self.sweeper, None, self.publish_raw,
                              correlation_id, failpoint=self.failpoint, publish_batch=publish_batch)
        writer.close = publisher.close
        return writer

    def publish_raw(self, envelope, extra_headers=None):
        self.publisher.publish(envelope, exchange=self.exchange, routing_key=envelope["type"],
                               extra_headers=extra_headers or {})

    def publish_batch(self, envelopes, extra_headers=None):
        """Many envelopes as the dispatcher would publish them (JSON, persistent, the same
        headers), written one after the other with their confirms awaited together."""
        self.channels.publish_all(self._messages(envelopes, extra_headers or {}))

    def _messages(self, envelopes, headers):
        """Envelopes as confirms.publish_all takes them: JSON bodies, as nameko's dispatcher writes."""
        return [{"body": json.dumps(envelope, ensure_ascii=False).encode("utf-8"), "exchange": self.exchange.name,
                 "routing_key": envelope["type"], "headers": headers, "content_type": "application/json",
                 "content_encoding": "utf-8"} for envelope in envelopes]

    def failpoint(self):
        if self.failpoint_file and os.path.exists(self.failpoint_file):
            os.unlink(self.failpoint_file)
            log.warning("outbox failpoint: killing this process between its write and its publish")
            os.kill(os.getpid(), signal.SIGKILL)

    def _sweep_forever(self):
        while self.running:
            eventlet.sleep(self.sweep_every)
            try:
                self.sweeper.sweep()
            except Exception as exc:  # the store or the broker away: the next round tries again
                (log.warning if is_outage(exc) or isinstance(exc, PyMongoError) else log.exception)(
                    "outbox sweep failed: %s", exc)
