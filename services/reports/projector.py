"""The projector: the single writer of the reports' facts and aggregates.

Records come from two sources: batches of events consumed from the ``reports.projector``
queue (``project_events``; the live path), and the **inbox** collection, where operator
commands (rebuild) and bulk loads queue records (``run_once``). For a batch of records (up to
``max_changes`` changes) it reads the facts they name by ``_id``, computes in memory which
facts change and the resulting absolute values of every touched part
(``projection.apply_changes``), writes all of that as one journal document, then applies the
journal, re-assembles each touched tenant's report, and only then acks the messages (or
deletes the inbox records). A crash before the journal leaves the messages unacked and the
records queued (they are projected again); a crash after it leaves the journal, which the
next run replays before anything else. Redelivered events change nothing: each fact keeps
the version it was written at, and a candidate of the same version never wins.

Only one process may project at a time (parts are computed from what the projector read):
the ``reports.projector`` lease elects it among replicas, only the holder consumes, and a
process that (re)takes the lease drops its caches.
"""
import copy
import datetime as dt
import logging
import time

import eventlet
from nameko.extensions import DependencyProvider
from rbloom import Bloom

from mooc_common.infra.event_batches import EventBatches
from mooc_common.infra.lease import Lease, local_holder
from mooc_common.infra.metrics import EVENT_TO_REPORT_LAG
from mooc_common.infra.store import service_database

from . import domain, projection
from .storage import FACT_COLLECTIONS, ReportsStore, key

log = logging.getLogger(__name__)

DEFAULT_MAX_CHANGES = 5000
DEFAULT_BUDGET_SECONDS = 5.0
QUEUE = "reports.projector"
DEFAULT_MAX_EVENTS = 2000  # events per consumed batch (each is split into journals of max_changes)
DEFAULT_LINGER_SECONDS = 0.1  # how long a batch waits to fill once one event came
IDLE_SECONDS = 1.0  # pause after an error, or while another process holds the lease
MIN_FACT_KEYS = 1_000_000  # capacity of the fact-key filter (grows with the store: see _FactKeys)


class _PartsBeingChanged(dict):
    """{(tenant, part): data} for one batch: copies, loaded on first use, so a batch that
    fails half-way leaves the projector's cache as it was."""

    def __init__(self, projector):
        super().__init__()
        self.projector = projector

    def __missing__(self, ref):
        tenant, part = ref
        self[ref] = copy.deepcopy(self.projector.tenant_parts(tenant).get(part, {}))
        return self[ref]


class _FactKeys:
    """Which facts may exist: a Bloom filter of their keys, so that the projector reads from
    the store only facts that may be there. Most events name a fact that does not exist yet (a
    new enrollment, a first completion), and one store read per fact was what limited
    projection (1.3 ms each on FerretDB under load).

    Filled by a background scan of every fact collection's ids at the start of a tenure (until
    it is done, every fact is read) and by every fact the projector writes. It has no false
    negatives, because the projector is the only writer of facts; a false positive (1%) or a
    fact deleted by a rebuild costs one read. Sized at twice the facts stored; past its
    capacity the projector starts a new one."""
    FALSE_POSITIVES = 0.01

    def __init__(self, store):
        self.store, self.ready, self.added = store, False, 0
        self.capacity = max(MIN_FACT_KEYS, 2 * store.fact_count())
        self.keys = Bloom(self.capacity, self.FALSE_POSITIVES)
        self.scan = eventlet.spawn(self._scan)

    def _scan(self):
        while not self.ready:
            try:
                for collection in FACT_COLLECTIONS:
                    for fact_id in self.store.fact_ids(collection):
                        self.add(collection, fact_id)
                self.ready = True
            except Exception:
                log.exception("scanning the fact ids failed; retrying (meanwhile every fact is read)")
                eventlet.sleep(IDLE_SECONDS)

    def add(self, collection, fact_id):
        self.keys.add(key(collection, fact_id))
        self.added += 1

    def may_exist(self, collection, fact_id):
        return not self.ready or key(collection, fact_id) in self.keys

    @property
    def full(self):
        return self.added > self.capacity

    def close(self):
        self.scan.kill()


class _References:
    """The small reference facts a report is assembled with (tenants, units, courses,
    intakes, plans), by owner: read once per tenure (FerretDB answers any filter but ``_id``
    by converting the whole collection) and kept in step with the journal, whose projector is
    their only writer."""
    OWNER = {"tenants": "_id", "units": "tenant_id", "plans": "tenant_id", "courses": "owner", "intakes": "owner"}

    def __init__(self, store):
        self.store, self.by_owner = store, None

    def _loaded(self):
        if self.by_owner is None:
            self.by_owner = {collection: {} for collection in self.OWNER}
            for collection in self.OWNER:
                for doc in self.store.find(collection):
                    self.written(collection, doc)
        return self.by_owner

    def written(self, collection, doc):
        if self.by_owner is not None and collection in self.OWNER:
            self.by_owner[collection].setdefault(doc.get(self.OWNER[collection]), {})[doc["_id"]] = doc

    def of_tenant(self, tenant_id):
        """(tenant, units, courses, intakes, plans) as ``domain.assemble`` takes them."""
        refs = self._loaded()
        mine = lambda collection, *owners: {k: v for o in owners for k, v in refs[collection].get(o, {}).items()}  # noqa: E731
        tenant = refs["tenants"].get(tenant_id, {}).get(tenant_id) or {"_id": tenant_id}
        return (tenant, mine("units", tenant_id), mine("courses", tenant_id, "national"),
                mine("intakes", tenant_id, "national"),
                {str(p["year"]): p for p in mine("plans", tenant_id).values()})

    def tenant_ids(self):
        return list(self._loaded()["tenants"])


class Projector:
    def __init__(self, store, max_changes=DEFAULT_MAX_CHANGES):
        self.store, self.max_changes = store, max_changes
        self._parts = {}  # tenant -> {part: data}, as stored (this is their only writer)
        self.references = _References(store)
        self.fact_keys = None  # started on first use

    # ---- tenure -----------------------------------------------------------------------
    def start_tenure(self):
        """Called when the lease is (re)taken: what was cached under an older tenure may be stale."""
        self._parts = {}
        self.references = _References(self.store)
        self.close()

    def close(self):
        if self.fact_keys is not None:
            self.fact_keys.close()
            self.fact_keys = None

    def _keys(self):
        if self.fact_keys is None or self.fact_keys.full:
            self.close()
            self.fact_keys = _FactKeys(self.store)
        return self.fact_keys

    def finish_interrupted_batch(self):
        """Replay a journal left by a crash or a failed write (its writes are absolute)."""
        journal = self.store.pending_journal()
        if journal is not None:
            log.warning("replaying the journal of an interrupted projection batch")
            self._commit(journal)

    def tenant_parts(self, tenant_id):
        if tenant_id not in self._parts:
            self._parts[tenant_id] = self.store.tenant_parts(tenant_id)
        return self._parts[tenant_id]

    # ---- batches ----------------------------------------------------------------------
    def run(self, budget_seconds=DEFAULT_BUDGET_SECONDS):
        """Project inbox records until the inbox is empty or the time budget is spent."""
        started, records = time.monotonic(), 0
        self.finish_interrupted_batch()
        while time.monotonic() - started < budget_seconds:
            done = self.run_once()
            if not done:
                break
            records += done
        return records

    def run_once(self):
        """Project the oldest inbox records (a reset record alone); returns how many."""
        clock = _PhaseClock()
        batch = self.store.inbox_batch(self.max_changes)
        if not batch:
            return 0
        clock.lap("read inbox")
        if batch[0]["kind"] == "reset":
            batch = batch[:1]
            self._write(self._reset(batch[0]), clock)
        else:
            batch = list(_until_kind(batch, "reset"))
            self._write(self._project(batch, [r["_id"] for r in batch], clock), clock)
        return len(batch)

    def project_events(self, envelopes):
        """Project consumed events (the caller acks them once this returns)."""
        records = [r for r in map(projection.record_of, envelopes) if r is not None]
        for chunk in _chunks(records, self.max_changes):
            clock = _PhaseClock()
            self._write(self._project(chunk, (), clock), clock)
        now = dt.datetime.now(dt.timezone.utc)
        for envelope in envelopes:  # the report now shows these events
            EVENT_TO_REPORT_LAG.observe(max(0.0, (now - envelope["occurred_at"]).total_seconds()))
        return len(records)

    def _write(self, journal, clock):
        self.store.write_journal(journal)
        clock.lap("journal")
        self._commit(journal, clock)
        log.info("projected %d records (%d facts written, %d parts, %d tenants): %s", journal["records"],
                 len(journal["facts"]), len(journal["parts"]), len(journal["tenants"]), clock)

    def _project(self, records, inbox_ids=(), clock=None):
        """The journal of ``records`` (``inbox_ids``: those of them to delete from the inbox)."""
        changes = [c for record in records for c in record["changes"]]
        refs, keys = {(c["c"], c["id"]) for c in changes}, self._keys()
        maybe = [ref for ref in refs if keys.may_exist(*ref)]
        current = dict.fromkeys(refs)
        current.update(self.store.get_many(maybe))
        if clock:
            clock.lap(f"read {len(maybe)} of {len(refs)} facts")
        parts = _PartsBeingChanged(self)
        written, touched = projection.apply_changes(changes, current, parts)
        facts = [{"c": collection, "doc": doc, "new": current[(collection, fact_id)] is None}
                 for (collection, fact_id), doc in written.items()]
        as_of = {}
        for record in records:
            tenants = {record["tenant_id"]} | {c["doc"].get("tenant_id") for c in record["changes"]
                                               if c["c"] not in ("courses", "intakes")}
            for tenant in tenants - {None}:
                as_of[tenant] = max(as_of.get(tenant, record["at"]), record["at"])
        for tenant, _ in touched:
            as_of.setdefault(tenant, max(r["at"] for r in records))
        return self._journal(len(records), inbox_ids, parts, touched, as_of, facts=facts)

    def _reset(self, record):
        """Before a rebuild: recount the tenant's parts from scratch from the facts that are
        kept, and drop the facts the sources re-export (they come back as changes next)."""
        tenant, dropped = record["tenant_id"], set(record["collections"])
        kept = [(collection, fact) for collection in domain.COUNTED_COLLECTIONS if collection not in dropped
                for fact in self.store.find(collection, tenant_id=tenant)]
        parts = domain.parts_from_facts(kept)
        forget = [{"c": collection, "tenant_id": tenant} for collection in sorted(dropped)]
        return self._journal(1, [record["_id"]], parts, set(parts), {tenant: record["at"]}, forget=forget,
                             reset_parts=[tenant])

    def _journal(self, records, inbox_ids, parts, touched, as_of, facts=(), forget=(), reset_parts=()):
        if "*" in as_of:  # a national course or intake: every tenant's report shows it
            moment = as_of.pop("*")
            for tenant in self.references.tenant_ids():
                as_of[tenant] = max(as_of.get(tenant, moment), moment)
        return {"records": records, "inbox_ids": list(inbox_ids), "facts": list(facts), "forget": list(forget),
                "reset_parts": list(reset_parts),
                "parts": [{"_id": key(tenant, part), "tenant_id": tenant, "part": part, "data": parts[(tenant, part)]}
                          for tenant, part in sorted(touched)],
                "tenants": [{"tenant_id": t, "as_of": at} for t, at in sorted(as_of.items())]}

    def _commit(self, journal, clock=None):
        clock = clock or _PhaseClock()
        # A crash after the journal and before the ack redelivers its events: replaying them
        # changes no fact (same versions), so nothing is counted twice.
        self.store.apply_journal(journal)
        clock.lap("write facts and parts")
        for tenant in journal["reset_parts"]:
            self._parts[tenant] = {}
        for part in journal["parts"]:
            self.tenant_parts(part["tenant_id"])[part["part"]] = part["data"]
        keys = self._keys()
        for entry in journal["facts"]:
            self.references.written(entry["c"], entry["doc"])
            if entry["new"]:  # a changed fact is in the filter already, or its scan will find it
                keys.add(entry["c"], entry["doc"]["_id"])
        for entry in journal["tenants"]:
            tenant_id = entry["tenant_id"]
            as_of = max(entry["as_of"].isoformat(), self.store.summary_as_of(tenant_id) or "")
            tenant, units, courses, intakes, plans = self.references.of_tenant(tenant_id)
            summary = domain.assemble(tenant, self.tenant_parts(tenant_id), units, courses, intakes, plans, as_of)
            self.store.save_summary(summary, domain.national_row(summary))
        clock.lap("assemble reports")
        self.store.finish_journal(journal["inbox_ids"])
        clock.lap("finish")


class _PhaseClock:
    """Milliseconds per phase of a batch, for the log line an operator reads."""

    def __init__(self):
        self.last, self.laps = time.monotonic(), []

    def lap(self, phase):
        now = time.monotonic()
        self.laps.append((phase, round((now - self.last) * 1000)))
        self.last = now

    def __str__(self):
        return ", ".join(f"{phase} {ms} ms" for phase, ms in self.laps)


def _chunks(records, max_changes):
    """Consecutive runs of ``records`` of at most ``max_changes`` changes (at least one record)."""
    chunk, size = [], 0
    for record in records:
        if chunk and size + len(record["changes"]) > max_changes:
            yield chunk
            chunk, size = [], 0
        chunk.append(record)
        size += len(record["changes"])
    if chunk:
        yield chunk


def _until_kind(records, kind):
    for record in records:
        if record["kind"] == kind:
            return
        yield record


class SingleProjector(DependencyProvider):
    """Runs the projector loop in the service while this process holds the projector lease:
    replay a pending journal, project queued inbox records (rebuilds), else consume the next
    batch of events. Injects ``status()`` (what this process is doing, for operators)."""

    def setup(self):
        config = self.container.config
        store = ReportsStore(service_database(config, self.container.service_name))
        self.projector = Projector(store, int(config.get("REPORTS_MAX_CHANGES") or DEFAULT_MAX_CHANGES))
        # Slot = the address this process serves /health on: only one live process can hold
        # it, so a restarted reports service takes the lease of its dead predecessor at once.
        self.lease = Lease(store.leases, QUEUE, holder=local_holder(config.get("WEB_SERVER_ADDRESS")))
        self.max_events = int(config.get("REPORTS_MAX_EVENTS") or DEFAULT_MAX_EVENTS)
        self.linger = float(config.get("REPORTS_LINGER_SECONDS") or DEFAULT_LINGER_SECONDS)
        self.events = EventBatches(config, self.container.service_name, QUEUE, projection.CONSUMED_TYPES,
                                   prefetch=2 * self.max_events)
        self.running, self.thread = False, None

    def start(self):
        self.events.declare()  # before any traffic: events sent to an unbound exchange are lost
        self.running = True
        self.thread = self.container.spawn_managed_thread(self._loop, identifier="reports.projector")

    def stop(self):
        self.running = False
        if self.thread is not None:
            self.thread.wait()  # the batch in hand is finished and acked, not abandoned
        self.events.pause()
        self.projector.close()
        self.lease.release()

    def kill(self):
        self.running = False
        self.events.pause()
        self.projector.close()

    def get_dependency(self, worker_ctx):
        return lambda: {"projector": self.lease.held}

    def _loop(self):
        while self.running:  # every idle path of a step sleeps (next_batch waits for events)
            try:
                self._step()
            except Exception:
                log.exception("the projector loop failed; retrying in %.0f s", IDLE_SECONDS)
                self.events.pause()
                eventlet.sleep(IDLE_SECONDS)

    def _step(self):
        if not self.lease.hold():
            self.events.pause()  # another process is the writer: leave the queue to it
            eventlet.sleep(IDLE_SECONDS)
            return
        if self.lease.acquired:
            self.projector.start_tenure()
        self.projector.finish_interrupted_batch()
        if self.projector.run_once():
            return
        batch = self.events.next_batch(self.max_events, self.linger)
        if batch:
            self.events.process(batch, self.projector.project_events)
