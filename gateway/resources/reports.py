"""Reports: thin HTTP adapters over the reports service."""
import base64
import gzip

import falcon

from services.reports import schemas

from ..auth import require_role
from ..openapi import wire
from ..openapi.operation import CSV, XLSX, JSON, operation

READERS = ("operator_admin", "tenant_admin", "report_viewer")


def _send(resp, result):
    """A CSV/XLSX export as a file download."""
    resp.data = base64.b64decode(result["base64"])
    resp.content_type = result["media_type"]
    resp.downloadable_as = result["filename"]


def _send_gzipped_json(req, resp, result):
    """A report the service stored gzipped: sent as is to a client that accepts gzip."""
    packed = base64.b64decode(result["gzip"])
    resp.content_type = falcon.MEDIA_JSON
    resp.vary = ("Accept-Encoding",)
    if "gzip" in (req.get_header("Accept-Encoding") or "").lower():
        resp.set_header("Content-Encoding", "gzip")
        resp.data = packed
    else:
        resp.data = gzip.decompress(packed)


def _send_json_text(resp, text):
    """A report the service stored (or built) as JSON text: sent as is, not decoded and re-encoded."""
    resp.text = text
    resp.content_type = falcon.MEDIA_JSON


class TenantReport:
    def __init__(self, rpc):
        self.rpc = rpc

    @operation("A tenant's report: learners, seats, courses, enrollments, completions, certificates by unit, "
               "course, month and category, plan vs actual (gzip when accepted)", READERS,
               response=wire.ReportSchema, description="Sections: docs/reports.md.")
    def on_get(self, req, resp, tenant_id):
        require_role(req, *READERS)
        _send_gzipped_json(req, resp, self.rpc.call("reports", "tenant_report", req.context.actor, tenant_id))


class NationalReport:
    def __init__(self, rpc):
        self.rpc = rpc

    @operation("The national report: one row per tenant with totals, national courses, year-end submissions",
               ("operator_admin",), query=schemas.NationalQuerySchema, response=wire.ReportSchema)
    def on_get(self, req, resp):
        require_role(req, "operator_admin")
        query = {k: req.params[k] for k in ("year", "sort", "order") if k in req.params}
        _send_json_text(resp, self.rpc.call("reports", "national_report", req.context.actor, query))


class YearEndReport:
    def __init__(self, rpc):
        self.rpc = rpc

    @operation("A tenant's year-end report of a year (draft, as of now): JSON, CSV or XLSX", READERS,
               query=wire.FormatQuerySchema, response=wire.ReportSchema, response_media=(JSON, CSV, XLSX),
               errors=("validation_failed",))
    def on_get(self, req, resp, tenant_id, year):
        require_role(req, *READERS)
        query = {"year": year, "format": req.get_param("format") or "json"}
        result = self.rpc.call("reports", "year_end_report", req.context.actor, tenant_id, query)
        if result["format"] == "json":
            resp.media = result["content"]
        else:
            _send(resp, result)


class YearEndEvaluation:
    def __init__(self, rpc):
        self.rpc = rpc

    @operation("Save the tenant admin's evaluation text in the draft year-end report", ("tenant_admin",),
               request=schemas.EvaluationSchema, response=wire.YearEndEvaluationSchema)
    def on_put(self, req, resp, tenant_id, year):
        require_role(req, "tenant_admin")
        resp.media = self.rpc.call("reports", "save_year_end_evaluation", req.context.actor, tenant_id, year,
                                   req.get_media())


class YearEndSubmit:
    def __init__(self, rpc):
        self.rpc = rpc

    @operation("Submit the year-end report: an immutable, hashed, numbered version", ("tenant_admin",),
               request=schemas.SubmitSchema, response=wire.ReportSchema, status=201)
    def on_post(self, req, resp, tenant_id, year):
        require_role(req, "tenant_admin")
        body = req.get_media(default_when_empty={})
        resp.status = falcon.HTTP_201
        resp.media = self.rpc.call("reports", "submit_year_end_report", req.context.actor, tenant_id, year, body)


class YearEndVersions:
    def __init__(self, rpc):
        self.rpc = rpc

    @operation("The submitted versions of a year-end report and the deadline", READERS,
               response=wire.YearEndVersionsSchema, errors=("validation_failed",))
    def on_get(self, req, resp, tenant_id, year):
        require_role(req, *READERS)
        resp.media = self.rpc.call("reports", "year_end_versions", req.context.actor, tenant_id, year)


class YearEndVersion:
    def __init__(self, rpc):
        self.rpc = rpc

    @operation("One submitted version of a year-end report: JSON, CSV or XLSX", READERS,
               query=wire.FormatQuerySchema, response=wire.ReportSchema, response_media=(JSON, CSV, XLSX),
               errors=("validation_failed",))
    def on_get(self, req, resp, tenant_id, year, version):
        require_role(req, *READERS)
        query = {"year": year, "version": version, "format": req.get_param("format") or "json"}
        result = self.rpc.call("reports", "year_end_version", req.context.actor, tenant_id, query)
        if result["format"] == "json":
            resp.media = result
        else:
            _send(resp, result)


def add_routes(app, api, deps):
    rpc = deps.rpc
    base = f"{api}/tenants/{{tenant_id}}"
    app.add_route(f"{base}/report", TenantReport(rpc))
    app.add_route(f"{api}/reports/national", NationalReport(rpc))
    app.add_route(f"{base}/year-end-reports/{{year}}", YearEndReport(rpc))
    app.add_route(f"{base}/year-end-reports/{{year}}/evaluation", YearEndEvaluation(rpc))
    app.add_route(f"{base}/year-end-reports/{{year}}/submit", YearEndSubmit(rpc))
    app.add_route(f"{base}/year-end-reports/{{year}}/versions", YearEndVersions(rpc))
    app.add_route(f"{base}/year-end-reports/{{year}}/versions/{{version}}", YearEndVersion(rpc))
