"""Rebuilding the reports read models of tenants from the source services (the operator's
``reports.rebuild`` RPC; ``scripts/rebuild_reports.py`` calls it; docs/reports.md).

The current state is read through the sources' paginated, read-only RPC exports (accounts:
export_tenants, export_users; courses: export_courses, export_enrollments; progress:
export_completions) and handed to the projector through its inbox, so that live and rebuilt
numbers go through exactly the same code:
1. a *reset* record: the projector drops the tenant's user, enrollment, completion and
   trained-learner facts and recounts the tenant's parts from scratch from the facts it
   keeps (certificates and activity days, which the sources do not export yet);
2. once that is done, the exported state as changes written at the rebuild's version (so an
   older event still in flight cannot undo it);
3. it waits until the projector has applied them.
Units, plans and submitted year-end snapshots are kept as they are.
"""
import datetime as dt
import time
import uuid

from mooc_common.contracts.errors import NotFound
from mooc_common.contracts.tenancy import EVERY_TENANT
from mooc_common.infra.clock import utcnow

from . import projection
from .storage import REBUILT_FACTS, inbox_record

PAGE = 500
WAIT_SECONDS = 600
POLL_SECONDS = 0.2


class RebuildTimedOut(Exception):
    """The projector did not apply the rebuild's records in time (is it holding the lease?)."""


def _time(value):
    return dt.datetime.fromisoformat(value) if isinstance(value, str) else value


class Rebuild:
    """One rebuild run: ``sources`` has the ``accounts``, ``courses`` and ``progress`` RPC proxies."""

    def __init__(self, sources, store, version=None, sleep=time.sleep, wait_seconds=WAIT_SECONDS):
        self.sources, self.store, self.sleep, self.wait_seconds = sources, store, sleep, wait_seconds
        self.version = version or utcnow()

    def run(self, tenant_ids=None):
        """{tenant_id: facts re-exported and applied}; ``None``: every tenant accounts knows.
        Unknown tenants are refused (``NotFound``) before anything is queued."""
        tenants = self.tenants()
        chosen = sorted(tenants) if tenant_ids is None else list(dict.fromkeys(tenant_ids))
        unknown = [t for t in chosen if t not in tenants]
        if unknown:
            raise NotFound(f"Unknown tenant(s): {', '.join(unknown)}.")
        self.store.enqueue_many(self.course_records())
        return {tenant_id: self.rebuild_tenant(tenants[tenant_id]) for tenant_id in chosen}

    def tenants(self):
        tenants, after = {}, None
        while rows := self.sources.accounts.export_tenants(after, PAGE):
            tenants.update({t["tenant_id"]: t for t in rows})
            after = rows[-1]["tenant_id"]
        return tenants

    def course_records(self):
        """The published and archived courses (national ones reach every tenant's report)."""
        records, after, version = [], None, self.version
        while rows := self.sources.courses.export_courses(after, PAGE):
            records += [inbox_record(f"rebuild-course-{c['course_id']}-{version.isoformat()}",
                                     c["owner_tenant_id"] or EVERY_TENANT, version,
                                     projection.course_changes(c, c["status"], version))
                        for c in rows if c["status"] in ("published", "archived")]
            after = rows[-1]["course_id"]
        return records

    def rebuild_tenant(self, tenant):
        tenant_id, run, version = tenant["tenant_id"], uuid.uuid4().hex, self.version
        reset = inbox_record(f"rebuild-{run}-reset", tenant_id, version, kind="reset",
                             collections=list(REBUILT_FACTS))
        self.store.enqueue_many([reset])
        self.wait_applied([reset["_id"]], "reset")
        records = [inbox_record(f"rebuild-{run}-tenant", tenant_id, version, projection.tenant_changes(tenant, version))]
        for n, changes in enumerate(self.exported_changes(tenant_id)):
            records.append(inbox_record(f"rebuild-{run}-{n}", tenant_id, version, changes))
        self.store.enqueue_many(records)
        self.wait_applied([r["_id"] for r in records], "re-exported facts")
        return sum(len(r["changes"]) for r in records)

    def exported_changes(self, tenant_id):
        """Pages of changes holding the tenant's current users, enrollments and completions."""
        yield from self._user_changes(tenant_id)
        yield from self._enrollment_changes(tenant_id)
        yield from self._completion_changes(tenant_id)

    def _user_changes(self, tenant_id):
        after = None
        while rows := self.sources.accounts.export_users(tenant_id, after, PAGE):
            yield projection.user_changes(rows, self.version)
            after = rows[-1]["user_id"]

    def _enrollment_changes(self, tenant_id):
        after = None
        while rows := self.sources.courses.export_enrollments(tenant_id, after, PAGE):
            changes = []
            for row in rows:
                row["enrolled_at"] = _time(row["enrolled_at"])
                changes += projection.enrollment_changes(tenant_id, row, row.get("status") != "cancelled", self.version)
            yield changes
            after = rows[-1]["enrollment_id"]

    def _completion_changes(self, tenant_id):
        after = None
        while (page := self.sources.progress.export_completions(tenant_id, after, PAGE))["next_after"] is not None:
            changes = []
            for row in page["completions"]:
                row["completed_at"] = _time(row["completed_at"])
                changes += projection.completion_changes(tenant_id, row)
            yield changes
            after = page["next_after"]

    def wait_applied(self, record_ids, what):
        deadline = time.monotonic() + self.wait_seconds
        while any(self.store.has_record(r) for r in record_ids):
            if time.monotonic() > deadline:
                raise RebuildTimedOut(f"the reports projector did not apply the {what} within "
                                      f"{self.wait_seconds}s")
            self.sleep(POLL_SECONDS)
