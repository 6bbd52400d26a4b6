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
import logging
import time

import eventlet

from mooc_common.contracts.tenancy import EVERY_TENANT
from mooc_common.infra.batch_consumer import IDLE_SECONDS, BatchConsumer
from mooc_common.infra.clock import utcnow
from mooc_common.infra.event_batches import EventBatches
from mooc_common.infra.lease import Lease, local_holder
from mooc_common.infra.metrics import EVENT_TO_REPORT_LAG
from mooc_common.infra.phase_clock import PhaseClock
from mooc_common.infra.store import service_database

from . import domain, projection
from .projector_caches import PartsBeingChanged, ProjectorCaches
from .storage import ReportsStore, key

log = logging.getLogger(__name__)

DEFAULT_MAX_CHANGES = 5000
DEFAULT_BUDGET_SECONDS = 5.0
QUEUE = "reports.projector"
DEFAULT_MAX_EVENTS = 2000  # events per consumed batch (each is split into journals of max_changes)
DEFAULT_LINGER_SECONDS = 0.1  # how long a batch waits to fill once one event came


class Projector:
    def __init__(self, store, max_changes=DEFAULT_MAX_CHANGES):
        self.store, self.max_changes = store, max_changes
        self.caches = ProjectorCaches(store)

    # ---- tenure -----------------------------------------------------------------------
    def start_tenure(self):
        """Called when the lease is (re)taken: what was cached under an older tenure may be stale."""
        self.caches.close()
        self.caches = ProjectorCaches(self.store)

    def close(self):
        self.caches.close()

    def finish_interrupted_batch(self):
        """Replay a journal left by a crash or a failed write (its writes are absolute)."""
        journal = self.store.pending_journal()
        if journal is not None:
            log.warning("replaying the journal of an interrupted projection batch")
            self._commit(journal)

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
        clock = PhaseClock()
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
            clock = PhaseClock()
            self._write(self._project(chunk, (), clock), clock)
        now = utcnow()
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
        refs, keys = {(c["c"], c["id"]) for c in changes}, self.caches.fact_keys()
        maybe = [ref for ref in refs if keys.may_exist(*ref)]
        current = dict.fromkeys(refs)
        current.update(self.store.get_many(maybe))
        if clock:
            clock.lap(f"read {len(maybe)} of {len(refs)} facts")
        parts = PartsBeingChanged(self.caches.parts)
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
        if EVERY_TENANT in as_of:  # a national course or intake: every tenant's report shows it
            moment = as_of.pop(EVERY_TENANT)
            for tenant in self.caches.references.tenant_ids():
                as_of[tenant] = max(as_of.get(tenant, moment), moment)
        return {"records": records, "inbox_ids": list(inbox_ids), "facts": list(facts), "forget": list(forget),
                "reset_parts": list(reset_parts),
                "parts": [{"_id": key(tenant, part), "tenant_id": tenant, "part": part, "data": parts[(tenant, part)]}
                          for tenant, part in sorted(touched)],
                "tenants": [{"tenant_id": t, "as_of": at} for t, at in sorted(as_of.items())]}

    def _commit(self, journal, clock=None):
        clock = clock or PhaseClock()
        # A crash after the journal and before the ack redelivers its events: replaying them
        # changes no fact (same versions), so nothing is counted twice.
        self.store.apply_journal(journal)
        self.caches.journal_applied(journal)
        clock.lap("write facts and parts")
        for entry in journal["tenants"]:
            self._assemble(entry["tenant_id"], entry["as_of"])
        clock.lap("assemble reports")
        self.store.finish_journal(journal["inbox_ids"])
        clock.lap("finish")

    def _assemble(self, tenant_id, as_of):
        """Store the tenant's report as its parts and references are now, dated no earlier
        than the report it replaces."""
        as_of = max(as_of.isoformat(), self.store.summary_as_of(tenant_id) or "")
        tenant, units, courses, intakes, plans = self.caches.references.of_tenant(tenant_id)
        summary = domain.assemble(tenant, self.caches.parts.of(tenant_id), units, courses, intakes, plans, as_of)
        self.store.save_summary(summary, domain.national_row(summary))


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


class SingleProjector(BatchConsumer):
    """Runs the projector loop in the service while this process holds the projector lease:
    replay a pending journal, project queued inbox records (rebuilds), else consume the next
    batch of events (the loop itself: ``BatchConsumer``)."""
    name = QUEUE
    max_setting, default_max = "REPORTS_MAX_EVENTS", DEFAULT_MAX_EVENTS
    linger_setting, default_linger = "REPORTS_LINGER_SECONDS", DEFAULT_LINGER_SECONDS

    def make_batches(self, config, max_messages):
        store = ReportsStore(service_database(config, self.container.service_name))
        self.projector = Projector(store, int(config.get("REPORTS_MAX_CHANGES") or DEFAULT_MAX_CHANGES))
        # Slot = the address this process serves /health on: only one live process can hold
        # it, so a restarted reports service takes the lease of its dead predecessor at once.
        self.lease = Lease(store.leases, QUEUE, holder=local_holder(config.get("WEB_SERVER_ADDRESS")))
        return EventBatches(config, self.container.service_name, QUEUE, projection.CONSUMED_TYPES,
                            prefetch=2 * max_messages)

    def apply(self, envelopes):
        self.projector.project_events(envelopes)

    def stop(self):
        super().stop()
        self.lease.release()

    def close(self):
        self.projector.close()

    def step(self):
        if not self.lease.hold():
            self.batches.pause()  # another process is the writer: leave the queue to it
            eventlet.sleep(IDLE_SECONDS)
            return
        if self.lease.acquired:
            self.projector.start_tenure()
        self.projector.finish_interrupted_batch()
        if self.projector.run_once():
            return
        super().step()
