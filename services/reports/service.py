"""Reports service entrypoints: report queries and year-end reports. Thin: the projector
(projector.py, a dependency running its own loop) consumes the events, projection.py turns
them into fact changes, domain.py holds the arithmetic."""
import base64
import datetime as dt
import json


from mooc_common.contracts.envelope import deterministic_event_id
from mooc_common.contracts.errors import NotFound
from mooc_common.contracts.events.reports import YEAR_END_REPORT_SUBMITTED
from mooc_common.infra.actor_trust import RpcProxy, rpc
from mooc_common.infra.boundary import load
from mooc_common.infra.outbox import Outbox
from mooc_common.infra.service_base import PlatformService
from mooc_common.infra.store import Store, utcnow
from mooc_common.infra.vietnam_time import vietnam_now

from . import domain, exports, schemas
from .projector import QUEUE, SingleProjector
from .rebuild import Rebuild
from .storage import ReportsStore




def _render(content, fmt, filename):
    if fmt == "json":
        return {"format": "json", "content": content}
    media_type, render = exports.FORMATS[fmt]
    return {"format": fmt, "media_type": media_type, "filename": f"{filename}.{fmt}",
            "base64": base64.b64encode(render(content)).decode("ascii")}


def _version_meta(doc):
    return {k: doc[k] for k in ("tenant_id", "year", "version", "content_sha256", "submitted_by",
                                "submitted_at", "late")}


class ReportsService(PlatformService):
    name = "reports"
    observed_queues = (QUEUE,)  # the projector's batch queue (not a nameko entrypoint): its depth on /metrics

    store = Store(ReportsStore)
    events = Outbox()
    projector = SingleProjector()
    accounts = RpcProxy("accounts")  # their read-only exports, for ``rebuild``
    courses = RpcProxy("courses")
    progress = RpcProxy("progress")

    # Events are consumed by ``projector`` (one queue, in batches; see projector.py), not by
    # one handler per event type.

    # ---- queries -----------------------------------------------------------------------
    @rpc
    def tenant_report(self, actor, tenant_id):
        """The stored report: ``{"gzip": base64 of the gzipped JSON}`` (the gateway sends it on
        without re-encoding)."""
        domain.require_reader(actor, tenant_id)
        packed = self.store.summary_gzip(tenant_id)
        if packed is None:
            raise NotFound("No report for this tenant yet.")
        return {"gzip": base64.b64encode(packed).decode("ascii")}

    @rpc
    def national_report(self, actor, query):
        """The national report as JSON text."""
        domain.require_national_reader(actor)
        query = load(schemas.NationalQuerySchema(), query)
        year = query["year"] or vietnam_now().year
        report = domain.national_report(self.store.all_national_rows(), self.store.year_end_submissions(year),
                                        year, query["sort"], query["order"])
        return json.dumps(report, ensure_ascii=False, separators=(",", ":"))

    # ---- operator command ---------------------------------------------------------------
    @rpc
    def rebuild(self, tenant_ids=None):
        """Rebuild the read models of ``tenant_ids`` (None: every tenant) from the source
        services' exports, through the projector (rebuild.py); returns {tenant_id: facts
        re-exported}. Run by scripts/rebuild_reports.py; takes no actor, like the exports it
        reads: the broker's permissions decide who may publish it (docs/security.md)."""
        tenant_ids = load(schemas.RebuildSchema(), {"tenant_ids": tenant_ids})["tenant_ids"]
        return Rebuild(self, self.store).run(tenant_ids)

    # ---- year-end report ---------------------------------------------------------------
    @rpc
    def year_end_report(self, actor, tenant_id, query):
        """The live (not yet submitted) year-end report, as JSON, CSV or XLSX."""
        domain.require_reader(actor, tenant_id)
        query = load(schemas.ExportSchema(), query)
        content = self._year_end_content(tenant_id, query["year"])
        return _render(content, query["format"], f"bao-cao-nam-{query['year']}-{content['tenant']['code']}")

    @rpc
    def save_year_end_evaluation(self, actor, tenant_id, year, data):
        domain.require_year_end_writer(actor, tenant_id)
        year = load(schemas.YearSchema(), {"year": year})["year"]
        evaluation = load(schemas.EvaluationSchema(), data)["evaluation"]
        self._summary(tenant_id)
        self.store.save_draft(tenant_id, year, evaluation, actor["user_id"], utcnow())
        return {"tenant_id": tenant_id, "year": year, "evaluation": evaluation}

    @rpc
    def submit_year_end_report(self, actor, tenant_id, year, data):
        """Freeze the report as it is now: an immutable, hashed, numbered version."""
        domain.require_year_end_writer(actor, tenant_id)
        year = load(schemas.YearSchema(), {"year": year})["year"]
        evaluation = load(schemas.SubmitSchema(), data)["evaluation"]
        content = self._year_end_content(tenant_id, year, evaluation)
        now = utcnow()
        doc = {"tenant_id": tenant_id, "year": year, "tenant_year": f"{tenant_id}|{year}", "content": content,
               "content_sha256": domain.content_sha256(content), "submitted_by": actor["user_id"],
               "submitted_at": now.isoformat(), "late": domain.is_late(year, now)}
        doc["version"] = self.store.insert_year_end_version(doc, self._announce)
        return _version_meta(doc)

    @rpc
    def year_end_versions(self, actor, tenant_id, year):
        domain.require_reader(actor, tenant_id)
        year = load(schemas.YearSchema(), {"year": year})["year"]
        versions = self.store.year_end_versions(tenant_id, year)
        return {"tenant_id": tenant_id, "year": year, "deadline": domain.deadline(year).isoformat(),
                "versions": [_version_meta(v) for v in versions]}

    @rpc
    def year_end_version(self, actor, tenant_id, query):
        domain.require_reader(actor, tenant_id)
        query = load(schemas.VersionSchema(), query)
        doc = self.store.year_end_version(tenant_id, query["year"], query["version"])
        if doc is None:
            raise NotFound("No such version of this year-end report.")
        rendered = _render(doc["content"], query["format"],
                           f"bao-cao-nam-{query['year']}-{doc['content']['tenant']['code']}-v{doc['version']}")
        return dict(rendered, **_version_meta(doc))

    def _summary(self, tenant_id):
        summary = self.store.get_summary(tenant_id)
        if summary is None:
            raise NotFound("No report for this tenant yet.")
        return summary

    def _year_end_content(self, tenant_id, year, evaluation=None):
        if evaluation is None:
            draft = self.store.get_draft(tenant_id, year) or {}
            evaluation = draft.get("evaluation", "")
        return domain.year_end_content(self._summary(tenant_id), year, evaluation)

    def _announce(self, doc, insert):
        """``insert(doc)`` (the numbered version), announced through the outbox; True if inserted."""
        payload = {k: doc[k] for k in ("tenant_id", "year", "version", "content_sha256", "submitted_by")}
        payload["submitted_at"] = dt.datetime.fromisoformat(doc["submitted_at"])
        staged = self.events.stage(self.store.year_end, [(doc["_id"], self.events.event(
            YEAR_END_REPORT_SUBMITTED, payload, doc["tenant_id"],
            event_id=deterministic_event_id("year_end_report.submitted", doc["tenant_id"], doc["year"],
                                            doc["version"])))])
        if not insert(staged.insert(doc)):
            self.events.discard(staged)  # that number was taken meanwhile: the next one is tried
            return False
        self.events.send(staged)
        return True
