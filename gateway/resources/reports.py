"""Reports: thin HTTP adapters over the reports service."""
import falcon

from mooc_common.contracts.roles import OPERATOR_ADMIN, REPORT_READERS, TENANT_ADMIN

from services.reports import schemas

from ..openapi import wire
from ..openapi.operation import CSV, XLSX, JSON, operation
from ..service_resource import ServiceResource, send_base64_file, send_json_text


class _Resource(ServiceResource):
    service = "reports"

    @staticmethod
    def send_export(resp, result, json_body):
        """A year-end report in the format asked for: JSON (``json_body``) or a CSV/XLSX download."""
        if result["format"] == "json":
            resp.media = json_body
        else:
            send_base64_file(resp, result["base64"], result["media_type"], result["filename"])


class TenantReport(_Resource):
    @operation("A tenant's report: learners, seats, courses, enrollments, completions, certificates by unit, "
               "course, month and category, plan vs actual (gzip when accepted)", REPORT_READERS,
               response=wire.ReportSchema, description="Sections: docs/reports.md.")
    def on_get(self, req, resp, tenant_id):
        send_json_text(req, resp, gzipped=self.call(req, "tenant_report", tenant_id)["gzip"])


class NationalReport(_Resource):
    @operation("The national report: one row per tenant with totals, national courses, year-end submissions",
               (OPERATOR_ADMIN,), query=schemas.NationalQuerySchema, response=wire.ReportSchema)
    def on_get(self, req, resp):
        query = {k: req.params[k] for k in ("year", "sort", "order") if k in req.params}
        send_json_text(req, resp, self.call(req, "national_report", query))


class YearEndReport(_Resource):
    @operation("A tenant's year-end report of a year (draft, as of now): JSON, CSV or XLSX", REPORT_READERS,
               query=wire.FormatQuerySchema, response=wire.ReportSchema, response_media=(JSON, CSV, XLSX),
               errors=("validation_failed",))
    def on_get(self, req, resp, tenant_id, year):
        query = {"year": year, "format": req.get_param("format") or "json"}
        result = self.call(req, "year_end_report", tenant_id, query)
        self.send_export(resp, result, result.get("content"))


class YearEndEvaluation(_Resource):
    @operation("Save the tenant admin's evaluation text in the draft year-end report", (TENANT_ADMIN,),
               request=schemas.EvaluationSchema, response=wire.YearEndEvaluationSchema)
    def on_put(self, req, resp, tenant_id, year):
        resp.media = self.call(req, "save_year_end_evaluation", tenant_id, year, self.body(req))


class YearEndSubmit(_Resource):
    @operation("Submit the year-end report: an immutable, hashed, numbered version", (TENANT_ADMIN,),
               request=schemas.SubmitSchema, response=wire.ReportSchema, status=201)
    def on_post(self, req, resp, tenant_id, year):
        body = self.body(req, optional=True)
        resp.status = falcon.HTTP_201
        resp.media = self.call(req, "submit_year_end_report", tenant_id, year, body)


class YearEndVersions(_Resource):
    @operation("The submitted versions of a year-end report and the deadline", REPORT_READERS,
               response=wire.YearEndVersionsSchema, errors=("validation_failed",))
    def on_get(self, req, resp, tenant_id, year):
        resp.media = self.call(req, "year_end_versions", tenant_id, year)


class YearEndVersion(_Resource):
    @operation("One submitted version of a year-end report: JSON, CSV or XLSX", REPORT_READERS,
               query=wire.FormatQuerySchema, response=wire.ReportSchema, response_media=(JSON, CSV, XLSX),
               errors=("validation_failed",))
    def on_get(self, req, resp, tenant_id, year, version):
        query = {"year": year, "version": version, "format": req.get_param("format") or "json"}
        result = self.call(req, "year_end_version", tenant_id, query)
        self.send_export(resp, result, result)


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
