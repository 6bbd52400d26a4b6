"""The projector: the single writer of the reports' facts and aggregates.

Each run takes the oldest inbox records (up to ``max_changes`` changes), reads the facts
they name by ``_id``, computes in memory which facts change and the resulting absolute
values of every touched part (``projection.apply_changes``), writes all of that as one
journal document, then applies the journal, re-assembles each touched tenant's report and
deletes the records. A crash at any point either leaves the records in the inbox (nothing
was journalled: they are projected again) or leaves the journal, which the next holder
replays before anything else; so no batch is ever counted twice or lost.

Only one process may project at a time (parts are computed from what the projector read):
the ``reports.projector`` lease elects it among replicas, and a process that (re)takes the
lease drops its caches; every run first replays a journal left pending by a crash or by a
failed write.
"""
import copy
import logging
import time

from nameko.extensions import DependencyProvider

from mooc_common.infra.lease import Lease
from mooc_common.infra.store import service_database

from . import domain, projection
from .storage import ReportsStore, key

log = logging.getLogger(__name__)

DEFAULT_MAX_CHANGES = 5000
DEFAULT_BUDGET_SECONDS = 5.0


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


class Projector:
    def __init__(self, store, max_changes=DEFAULT_MAX_CHANGES):
        self.store, self.max_changes = store, max_changes
        self._parts = {}  # tenant -> {part: data}, as stored (this is their only writer)

    # ---- tenure -----------------------------------------------------------------------
    def start_tenure(self):
        """Called when the lease is (re)taken: what was cached under an older tenure may be stale."""
        self._parts = {}

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
        """Project batches until the inbox is empty or the time budget is spent."""
        started, records = time.monotonic(), 0
        self.finish_interrupted_batch()
        while time.monotonic() - started < budget_seconds:
            done = self.run_once()
            if not done:
                break
            records += done
        return records

    def run_once(self):
        clock = _PhaseClock()
        batch = self.store.inbox_batch(self.max_changes)
        if not batch:
            return 0
        clock.lap("read inbox")
        if batch[0]["kind"] == "reset":
            batch = batch[:1]
            journal = self._reset(batch[0])
        else:
            batch = list(_until_kind(batch, "reset"))
            journal = self._project(batch, clock)
        self.store.write_journal(journal)
        clock.lap("journal")
        self._commit(journal, clock)
        log.info("projected %d records (%d facts written, %d parts, %d tenants): %s", len(batch),
                 len(journal["facts"]), len(journal["parts"]), len(journal["tenants"]), clock)
        return len(batch)

    def _project(self, records, clock=None):
        changes = [c for record in records for c in record["changes"]]
        current = self.store.get_many({(c["c"], c["id"]) for c in changes})
        if clock:
            clock.lap("read facts")
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
        return self._journal(records, parts, touched, as_of, facts=facts)

    def _reset(self, record):
        """Before a rebuild: recount the tenant's parts from scratch from the facts that are
        kept, and drop the facts the sources re-export (they come back as changes next)."""
        tenant, dropped = record["tenant_id"], set(record["collections"])
        kept = [(collection, fact) for collection in domain.COUNTED_COLLECTIONS if collection not in dropped
                for fact in self.store.find(collection, tenant_id=tenant)]
        parts = domain.parts_from_facts(kept)
        forget = [{"c": collection, "tenant_id": tenant} for collection in sorted(dropped)]
        return self._journal([record], parts, set(parts), {tenant: record["at"]}, forget=forget,
                             reset_parts=[tenant])

    def _journal(self, records, parts, touched, as_of, facts=(), forget=(), reset_parts=()):
        if "*" in as_of:  # a national course or intake: every tenant's report shows it
            moment = as_of.pop("*")
            for tenant in self.store.tenant_ids():
                as_of[tenant] = max(as_of.get(tenant, moment), moment)
        return {"inbox_ids": [r["_id"] for r in records], "facts": list(facts), "forget": list(forget),
                "reset_parts": list(reset_parts),
                "parts": [{"_id": key(tenant, part), "tenant_id": tenant, "part": part, "data": parts[(tenant, part)]}
                          for tenant, part in sorted(touched)],
                "tenants": [{"tenant_id": t, "as_of": at} for t, at in sorted(as_of.items())]}

    def _commit(self, journal, clock=None):
        clock = clock or _PhaseClock()
        self.store.apply_journal(journal)
        clock.lap("write facts and parts")
        for tenant in journal["reset_parts"]:
            self._parts[tenant] = {}
        for part in journal["parts"]:
            self.tenant_parts(part["tenant_id"])[part["part"]] = part["data"]
        for entry in journal["tenants"]:
            tenant = entry["tenant_id"]
            previous = self.store.summary_as_of(tenant) or ""
            projection.assemble_tenant(self.store, tenant, self.tenant_parts(tenant),
                                       max(entry["as_of"].isoformat(), previous))
        clock.lap("assemble reports")
        self.store.finish_journal(journal["inbox_ids"])
        clock.lap("delete inbox")


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


def _until_kind(records, kind):
    for record in records:
        if record["kind"] == kind:
            return
        yield record


class SingleProjector(DependencyProvider):
    """Injects ``run()``: project pending events if this process holds the projector lease."""

    def setup(self):
        config = self.container.config
        store = ReportsStore(service_database(config, self.container.service_name))
        self.projector = Projector(store, int(config.get("REPORTS_MAX_CHANGES") or DEFAULT_MAX_CHANGES))
        self.lease = Lease(store.leases, "reports.projector")
        self.budget = float(config.get("REPORTS_BATCH_SECONDS") or DEFAULT_BUDGET_SECONDS)

    def stop(self):
        self.lease.release()

    def get_dependency(self, worker_ctx):
        return self._run

    def _run(self):
        if not self.lease.hold():
            return 0
        if self.lease.acquired:
            self.projector.start_tenure()
        return self.projector.run(self.budget)
