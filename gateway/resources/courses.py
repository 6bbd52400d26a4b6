"""Courses, intakes, documents, enrollments and assignment jobs: thin HTTP adapters."""
import base64
import csv
import io

import falcon
from marshmallow import Schema

from mooc_common.contracts.roles import ADMINS, ENROLLERS, STAFF
from mooc_common.infra.boundary import Id

from services.courses import schemas

from .. import pagination
from ..errors import ApiError
from ..openapi import wire
from ..openapi.operation import ANY_ROLE, BINARY, CSV, PDF, operation
from ..service_resource import ServiceResource, send_file

MAX_DOCUMENT_BYTES = 50 * 1024 * 1024  # the courses service enforces the same limit
CHUNK_BYTES = 4 * 1024 * 1024
MAX_CSV_ROWS = 10_000


class _Resource(ServiceResource):
    service = "courses"


class Courses(_Resource):
    @operation("Create a draft course with its sections and lessons (operator: national course)", STAFF,
               request=schemas.CourseCreateSchema, response=schemas.CourseSchema, status=201,
               errors=("conflict",))
    def on_post(self, req, resp):
        resp.status = falcon.HTTP_201
        resp.media = self.call(req, "create_course", self.body(req))

    @operation("Courses: the catalog I may join (default) or my organisation's (scope=owned)", ANY_ROLE,
               query=wire.CourseListQuerySchema, response=wire.CourseListSchema, paginated=True,
               errors=("not_found",))
    def on_get(self, req, resp):
        """?scope=catalog (default): courses I may join; ?scope=owned: my organisation's."""
        page = pagination.page(req)
        result = self.call(req, "list_courses", req.get_param("scope") or "catalog", page)
        pagination.link(req, resp, page, len(result["items"]), result["total"])
        resp.media = result


class Course(_Resource):
    @operation("A course (answer keys only for its authors)", ANY_ROLE, response=schemas.CourseSchema)
    def on_get(self, req, resp, course_id):
        resp.media = self.call(req, "get_course", course_id)

    @operation("Replace a draft course's content (a published one gets a new revision)", STAFF,
               request=schemas.CourseInSchema, response=schemas.CourseSchema, errors=("conflict",))
    def on_put(self, req, resp, course_id):
        resp.media = self.call(req, "update_course", course_id, self.body(req))


class CoursePublication(_Resource):
    @operation("Publish a course", STAFF, response=schemas.CourseSchema, errors=("conflict",))
    def on_post(self, req, resp, course_id):
        resp.media = self.call(req, "publish_course", course_id)


class CourseArchival(_Resource):
    @operation("Archive a course", STAFF, response=schemas.CourseSchema, errors=("conflict",))
    def on_post(self, req, resp, course_id):
        resp.media = self.call(req, "archive_course", course_id)


class CourseDocuments(_Resource):
    """Raw file body (``?filename=``), streamed to the service in chunks of 4 MiB."""
    max_body_bytes = MAX_DOCUMENT_BYTES

    @operation("Attach a document to a course: the file itself as the body, at most 50 MiB", STAFF,
               request_media=(BINARY,), query=wire.DocumentQuerySchema, response=schemas.DocumentSchema,
               status=201, errors=("length_required", "quota_exceeded"))
    def on_post(self, req, resp, course_id):
        if not req.content_length:
            raise ApiError(falcon.HTTP_411, "length_required", "Send the file with a Content-Length.")
        document = self.call(req, "start_document", course_id,
                             {"filename": req.get_param("filename"), "size": req.content_length})
        for index in range(-(-req.content_length // CHUNK_BYTES)):
            data = req.bounded_stream.read(CHUNK_BYTES)
            self.call(req, "put_document_chunk", document["document_id"], index,
                      base64.b64encode(data).decode("ascii"))
        resp.status = falcon.HTTP_201
        resp.media = self.call(req, "finish_document", document["document_id"])


class CourseDocument(_Resource):
    """A lesson's document for reading: PDF inline (the browser's viewer), DOCX/PPTX as a
    download. Streamed chunk by chunk (one RPC per 4 MiB), never held whole in the gateway."""

    @operation("A lesson's document: its editors, or a learner enrolled in a course that shows it",
               ANY_ROLE, response_media=(PDF, BINARY))
    def on_get(self, req, resp, course_id, document_id):
        document = self.call(req, "open_document", course_id, document_id)

        def chunks():
            for index in range(document["chunks"]):
                yield base64.b64decode(self.call(req, "read_document_chunk", course_id, document_id, index))
        send_file(resp, chunks(), document["content_type"], document["filename"],
                  inline=document["content_type"] == PDF)
        resp.content_length = document["size"]
        resp.set_header("Cache-Control", "private, no-cache")


class CourseIntakes(_Resource):
    @operation("Create an intake (a cohort with enrollment and study dates)", STAFF,
               request=schemas.IntakeInSchema, response=schemas.IntakeSchema, status=201, errors=("conflict",))
    def on_post(self, req, resp, course_id):
        resp.status = falcon.HTTP_201
        resp.media = self.call(req, "create_intake", course_id, self.body(req))

    @operation("A course's intakes", ANY_ROLE, response=schemas.IntakeSchema(many=True))
    def on_get(self, req, resp, course_id):
        resp.media = self.call(req, "list_intakes", course_id)


class EnrollmentBody(Schema):
    learner_id = Id(load_default=None, allow_none=True)
    intake_id = Id(load_default=None, allow_none=True)


class CourseEnrollments(_Resource):
    @operation("Enroll a learner (yourself, or one of your tenant's as its admin); enrolling twice creates nothing",
               ENROLLERS, request=wire.EnrollmentRequestSchema, response=schemas.EnrollmentSchema, status=201,
               errors=("conflict",), service_checks_role=True)
    def on_post(self, req, resp, course_id):
        body = self.body(req, EnrollmentBody(), optional=True)
        learner_id = body["learner_id"] or req.context.actor["user_id"]
        resp.status = falcon.HTTP_201
        resp.media = self.call(req, "enroll", course_id, learner_id, body["intake_id"])

    @operation("A course's enrollments (of your tenant's learners), filtered, the learners named, a page at a time",
               STAFF, query=wire.EnrollmentListQuerySchema, response=wire.EnrollmentListSchema, paginated=True,
               service_checks_role=True)
    def on_get(self, req, resp, course_id):
        page = pagination.page(req)
        resp.media = self.call(req, "list_enrollments", course_id, page, _enrollment_filters(req))
        pagination.link(req, resp, page, len(resp.media["items"]))


def _enrollment_filters(req):
    return {k: req.params[k] for k in schemas.EnrollmentFilterSchema().fields if k in req.params}


class CourseEnrollmentsExport(_Resource):
    @operation("The course's enrollments as the list filters them, as CSV (UTF-8 with BOM)", STAFF,
               query=schemas.EnrollmentFilterSchema, response_media=(CSV,), service_checks_role=True)
    def on_get(self, req, resp, course_id):
        result = self.call(req, "export_course_enrollments", course_id, _enrollment_filters(req))
        send_file(resp, result["csv"], "text/csv; charset=utf-8", result["filename"])


class EnrollmentCancellation(_Resource):
    @operation("Cancel an enrollment", ENROLLERS, response=schemas.EnrollmentSchema, service_checks_role=True)
    def on_post(self, req, resp, enrollment_id):
        resp.media = self.call(req, "cancel_enrollment", enrollment_id)


class CourseAssignments(_Resource):
    """JSON ``{learner_ids | unit_id | category, intake_id?}``, or ``text/csv`` with a
    ``username`` column; answers 202 with the background job."""

    @operation("Assign a course to learners (ids, a unit subtree, a category, or a CSV of usernames)", ADMINS,
               request=schemas.AssignmentInSchema, request_media=(CSV,), query=wire.AssignmentQuerySchema,
               response=schemas.JobSchema, status=202, errors=("conflict",))
    def on_post(self, req, resp, course_id):
        if (req.content_type or "").startswith("text/csv"):
            body = {"usernames": _csv_usernames(req.bounded_stream.read().decode("utf-8-sig", "replace")),
                    **{k: req.get_param(k) for k in ("intake_id", "tenant_id") if req.get_param(k)}}
        else:
            body = self.body(req)
        resp.status = falcon.HTTP_202
        resp.media = self.call(req, "assign", course_id, body)


def _csv_usernames(text):
    try:
        rows = list(csv.DictReader(io.StringIO(text, newline="")))
    except csv.Error as exc:  # NUL bytes, a stray carriage return inside a field...
        raise ApiError(falcon.HTTP_422, "validation_failed", "The CSV file cannot be read.",
                       {"file": [str(exc)]}) from exc
    if not rows or "username" not in rows[0]:
        raise ApiError(falcon.HTTP_422, "validation_failed", "The CSV needs a 'username' column.",
                       {"file": ["missing username column"]})
    if len(rows) > MAX_CSV_ROWS:
        raise ApiError(falcon.HTTP_422, "validation_failed", f"At most {MAX_CSV_ROWS} rows.",
                       {"file": [f"at most {MAX_CSV_ROWS} rows"]})
    return [r["username"].strip().lower() for r in rows if (r.get("username") or "").strip()]


class AssignmentJob(_Resource):
    @operation("An assignment job: state, learners done, result", ADMINS, response=schemas.JobSchema,
               service_checks_role=True)
    def on_get(self, req, resp, job_id):
        resp.media = self.call(req, "get_job", job_id)


class MyCourses(_Resource):
    @operation("My enrollments, with each course", ANY_ROLE, response=wire.MyCoursesSchema)
    def on_get(self, req, resp):
        resp.media = self.call(req, "my_courses")


def add_routes(app, api, deps):
    rpc = deps.rpc
    app.add_route(f"{api}/courses", Courses(rpc))
    app.add_route(f"{api}/courses/{{course_id}}", Course(rpc))
    app.add_route(f"{api}/courses/{{course_id}}/publish", CoursePublication(rpc))
    app.add_route(f"{api}/courses/{{course_id}}/archive", CourseArchival(rpc))
    app.add_route(f"{api}/courses/{{course_id}}/documents", CourseDocuments(rpc))
    app.add_route(f"{api}/courses/{{course_id}}/documents/{{document_id}}", CourseDocument(rpc))
    app.add_route(f"{api}/courses/{{course_id}}/intakes", CourseIntakes(rpc))
    app.add_route(f"{api}/courses/{{course_id}}/enrollments", CourseEnrollments(rpc))
    app.add_route(f"{api}/courses/{{course_id}}/enrollments/export", CourseEnrollmentsExport(rpc))
    app.add_route(f"{api}/courses/{{course_id}}/assignments", CourseAssignments(rpc))
    app.add_route(f"{api}/enrollments/{{enrollment_id}}/cancel", EnrollmentCancellation(rpc))
    app.add_route(f"{api}/assignment-jobs/{{job_id}}", AssignmentJob(rpc))
    app.add_route(f"{api}/me/courses", MyCourses(rpc))
