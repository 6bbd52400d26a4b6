"""Learner activity ingestion (202 after the broker's confirm), progress views, certificates."""
import os

import falcon

from mooc_common.contracts import activities as contract
from mooc_common.contracts.roles import LEARNER, STAFF
from mooc_common.infra.clock import utcnow

from services.progress import schemas

from .. import pagination
from ..enrollment_context import EnrollmentContexts
from ..openapi import wire
from ..openapi.operation import CSV, PDF, PUBLIC, XLSX, operation
from ..service_resource import ServiceResource, send_base64_file
from . import xapi_statements

# One instance each, shared by every request: building a marshmallow schema (and its nested
# one) cost more than the load or dump itself on the ingestion path; loads and dumps keep no state.
ACTIVITY, ACTIVITY_BATCH, INGEST_MESSAGE = (contract.ActivitySchema(), contract.ActivityBatchSchema(),
                                            contract.IngestMessageSchema())

class Activities:
    """``POST /activities`` (one) and ``POST /activities/batch`` (up to 500): one AMQP message each.

    Validated against the learner's enrollment context (cached, see enrollment_context.py):
    no RPC per activity.
    """

    def __init__(self, publisher, contexts):
        self.publisher = publisher
        self.contexts = contexts

    def ingest(self, req, actor, activities):
        """Validates loaded activities against the enrollment and queues them (one message);
        also the path of the activities that xAPI statements carry (resources/xapi_statements.py)."""
        message = INGEST_MESSAGE.dump({
            "learner_id": actor["user_id"], "tenant_id": actor["tenant_id"],
            "received_at": utcnow(),
            "correlation_id": req.context.request_id,
            "activities": activities,
        })
        with self.contexts.admitted(actor, activities):
            self.publisher.publish(message)

    def _accept(self, req, resp, activities):
        self.ingest(req, req.context.actor, activities)
        resp.status = falcon.HTTP_202
        resp.media = {"accepted": len(activities),
                      "activity_ids": [str(a["activity_id"]) for a in activities]}

    @operation("Record one learning activity; 202 once the broker has it (sending it again counts once)",
               (LEARNER,), request=contract.ActivitySchema, response=wire.AcceptedActivitiesSchema, status=202,
               errors=("not_found", "conflict"),
               example={"activity_id": "0b6f7c1e-3f57-4d1a-9a51-6d6a2b8f9e10", "kind": "lesson_completed",
                        "course_id": "3f2a9c4b1d7e4f60a8b5c6d7e8f90123", "lesson_id": "l1",
                        "occurred_at": "2026-11-23T09:00:00+07:00"})
    def on_post(self, req, resp):
        self._accept(req, resp, [ACTIVITY.load(req.get_media())])

    @operation("Record up to 500 activities at once; 202 once the broker has them", (LEARNER,),
               request=contract.ActivityBatchSchema, response=wire.AcceptedActivitiesSchema, status=202,
               errors=("not_found", "conflict"))
    def on_post_batch(self, req, resp):
        self._accept(req, resp, ACTIVITY_BATCH.load(req.get_media())["activities"])


class _Resource(ServiceResource):
    service = "progress"


class MyProgress(_Resource):
    @operation("My progress in a course, lesson by lesson", (LEARNER,), response=wire.MyProgressSchema,
               service_checks_role=True)
    def on_get(self, req, resp, course_id):
        resp.media = self.call(req, "get_my_progress", course_id)


class MyCertificatePdf(_Resource):
    @operation("My certificate of a completed course (PDF)", (LEARNER,), response_media=(PDF,))
    def on_get(self, req, resp, course_id):
        file = self.call(req, "get_my_certificate_pdf", course_id)
        send_base64_file(resp, file["data"], PDF, file["filename"])


class CertificateVerification(_Resource):
    """Public: shows only what the certificate shows (name, course, issuer, date)."""
    auth_required = False

    @operation("Verify a certificate: what it shows (name, course, issuer, date)", PUBLIC,
               response=schemas.PublicCertificateSchema)
    def on_get(self, req, resp, code):
        resp.media = self.call_public("verify_certificate", code[:64])


def _filters(req, *names):
    return {n: req.get_param(n) for n in names if req.get_param(n) is not None}


class CourseProgress(_Resource):
    """Learners' progress in a course, for the course's staff (own tenant's learners only)."""

    @operation("Learners' progress in a course (your tenant's), filtered, a page at a time", STAFF,
               query=schemas.ProgressQuerySchema, response=wire.ProgressPageSchema, paginated=True,
               description="`page` and `page_size` are the older way to ask for a page; `offset` and `limit` win.")
    def on_get(self, req, resp, course_id):
        result = self.call(req, "list_course_progress", course_id,
                           _filters(req, "status", "unit_id", "page", "page_size", "offset", "limit"))
        pagination.link(req, resp, result, len(result["items"]), result["total"])
        resp.media = result

    @operation("Learners' progress in a course as CSV or XLSX", STAFF, query=wire.ProgressExportQuerySchema,
               response_media=(CSV, XLSX))
    def on_get_export(self, req, resp, course_id):
        file = self.call(req, "export_course_progress", course_id, _filters(req, "status", "unit_id", "format"))
        send_base64_file(resp, file["data"], file["content_type"], file["filename"])


def add_routes(app, api, deps):
    contexts = EnrollmentContexts(deps.rpc, ttl=float(os.environ.get("PROGRESS_CONTEXT_TTL_SECONDS", "30")))
    activities = Activities(deps.publisher, contexts)
    app.add_route(f"{api}/activities", activities)
    app.add_route(f"{api}/activities/batch", activities, suffix="batch")
    xapi_statements.add_routes(app, api, deps, activities)  # xAPI in: the same ingestion path
    app.add_route(f"{api}/me/courses/{{course_id}}/progress", MyProgress(deps.rpc))
    app.add_route(f"{api}/me/courses/{{course_id}}/certificate.pdf", MyCertificatePdf(deps.rpc))
    app.add_route(f"{api}/certificates/verify/{{code}}", CertificateVerification(deps.rpc))
    course_progress = CourseProgress(deps.rpc)
    app.add_route(f"{api}/courses/{{course_id}}/progress", course_progress)
    app.add_route(f"{api}/courses/{{course_id}}/progress/export", course_progress, suffix="export")
