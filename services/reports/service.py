"""Reports service entrypoints: event handlers feeding read models, and report queries."""
from collections import defaultdict

from nameko.rpc import rpc
from nameko.timer import timer

from mooc_common.contracts.errors import NotFound, PermissionDenied
from mooc_common.contracts.events.accounts import TENANT_CREATED, USER_REGISTERED
from mooc_common.contracts.events.courses import ENROLLMENT_CREATED
from mooc_common.contracts.events.progress import COURSE_COMPLETED
from mooc_common.infra.events import on_event
from mooc_common.infra.service_base import PlatformService
from mooc_common.infra.store import Store

from . import domain
from .storage import ReportsStore

REPORT_ROLES = ("tenant_admin", "report_viewer")
FACT_KINDS = ("learners", "enrollments", "completions")


class ReportsService(PlatformService):
    name = "reports"

    store = Store(ReportsStore)

    @on_event(TENANT_CREATED)
    def on_tenant_created(self, event):
        self.store.save_tenant(dict(event["payload"]))
        self.store.mark_dirty(event["tenant_id"], event["event_id"], event["occurred_at"])

    @on_event(USER_REGISTERED)
    def on_user_registered(self, event):
        user = event["payload"]
        if user["role"] == "learner":
            self.store.save_fact("learners", user["user_id"], user)
            self.store.mark_dirty(event["tenant_id"], event["event_id"], event["occurred_at"])

    @on_event(ENROLLMENT_CREATED)
    def on_enrollment_created(self, event):
        fact = dict(event["payload"], tenant_id=event["tenant_id"])
        self.store.save_fact("enrollments", fact["enrollment_id"], fact)
        self.store.mark_dirty(event["tenant_id"], event["event_id"], event["occurred_at"])

    @on_event(COURSE_COMPLETED)
    def on_course_completed(self, event):
        fact = dict(event["payload"], tenant_id=event["tenant_id"])
        self.store.save_fact("completions", fact["enrollment_id"], fact)
        self.store.mark_dirty(event["tenant_id"], event["event_id"], event["occurred_at"])

    @timer(interval=0.5)
    def refresh_summaries(self):
        by_tenant = defaultdict(list)
        for marker in self.store.dirty_markers():
            by_tenant[marker["tenant_id"]].append(marker)
        for tenant_id, markers in by_tenant.items():
            tenant = self.store.get_tenant(tenant_id) or {"_id": tenant_id}
            previous = self.store.get_summary(tenant_id) or {}
            as_of = max([m["occurred_at"].isoformat() for m in markers] + [previous.get("as_of") or ""])
            counts = {kind: self.store.count(kind, tenant_id) for kind in FACT_KINDS}
            self.store.save_summary(domain.tenant_summary(tenant, counts, as_of),
                                    [m["_id"] for m in markers])

    @rpc
    def tenant_report(self, actor, tenant_id):
        if actor.get("role") != "operator_admin" and (
                actor.get("role") not in REPORT_ROLES or actor.get("tenant_id") != tenant_id):
            if actor.get("tenant_id") != tenant_id:
                raise NotFound("Tenant not found.")
            raise PermissionDenied("Reports are for administrators and report viewers.")
        summary = self.store.get_summary(tenant_id)
        if summary is None:
            raise NotFound("No report for this tenant yet.")
        summary.pop("_id", None)
        return summary
