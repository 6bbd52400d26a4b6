"""Courses, intakes, documents, enrollments and assignment jobs: thin HTTP adapters."""
import base64
import csv
import io

import falcon
from marshmallow import Schema

from mooc_common.infra.boundary import Id

from ..auth import require_role
from ..errors import ApiError

AUTHORS = ("tenant_admin", "instructor", "operator_admin")
ADMINS = ("tenant_admin", "operator_admin")
MAX_DOCUMENT_BYTES = 50 * 1024 * 1024  # the courses service enforces the same limit
CHUNK_BYTES = 4 * 1024 * 1024
MAX_CSV_ROWS = 10_000


def _page(req):
    return {k: req.get_param_as_int(k) for k in ("offset", "limit") if req.get_param(k) is not None}


class _Resource:
    def __init__(self, rpc):
        self.rpc = rpc

    def call(self, method, req, *args):
        return self.rpc.call("courses", method, req.context.actor, *args)


class Courses(_Resource):
    def on_post(self, req, resp):
        require_role(req, *AUTHORS)
        resp.status = falcon.HTTP_201
        resp.media = self.call("create_course", req, req.get_media())

    def on_get(self, req, resp):
        """?scope=catalog (default): courses I may join; ?scope=owned: my organisation's."""
        resp.media = self.call("list_courses", req, req.get_param("scope") or "catalog", _page(req))


class Course(_Resource):
    def on_get(self, req, resp, course_id):
        resp.media = self.call("get_course", req, course_id)

    def on_put(self, req, resp, course_id):
        require_role(req, *AUTHORS)
        resp.media = self.call("update_course", req, course_id, req.get_media())


class CoursePublication(_Resource):
    def on_post(self, req, resp, course_id):
        require_role(req, *AUTHORS)
        resp.media = self.call("publish_course", req, course_id)


class CourseArchival(_Resource):
    def on_post(self, req, resp, course_id):
        require_role(req, *AUTHORS)
        resp.media = self.call("archive_course", req, course_id)


class CourseDocuments(_Resource):
    """Raw file body (``?filename=``), streamed to the service in chunks of 4 MiB."""
    max_body_bytes = MAX_DOCUMENT_BYTES

    def on_post(self, req, resp, course_id):
        require_role(req, *AUTHORS)
        if not req.content_length:
            raise ApiError(falcon.HTTP_411, "length_required", "Send the file with a Content-Length.")
        document = self.call("start_document", req, course_id,
                             {"filename": req.get_param("filename"), "size": req.content_length})
        for index in range(-(-req.content_length // CHUNK_BYTES)):
            data = req.bounded_stream.read(CHUNK_BYTES)
            self.call("put_document_chunk", req, document["document_id"], index,
                      base64.b64encode(data).decode("ascii"))
        resp.status = falcon.HTTP_201
        resp.media = self.call("finish_document", req, document["document_id"])


class CourseIntakes(_Resource):
    def on_post(self, req, resp, course_id):
        require_role(req, *AUTHORS)
        resp.status = falcon.HTTP_201
        resp.media = self.call("create_intake", req, course_id, req.get_media())

    def on_get(self, req, resp, course_id):
        resp.media = self.call("list_intakes", req, course_id)


class EnrollmentBody(Schema):
    learner_id = Id(load_default=None, allow_none=True)
    intake_id = Id(load_default=None, allow_none=True)


class CourseEnrollments(_Resource):
    def on_post(self, req, resp, course_id):
        body = EnrollmentBody().load(req.get_media(default_when_empty={}) or {})
        learner_id = body["learner_id"] or req.context.actor["user_id"]
        resp.status = falcon.HTTP_201
        resp.media = self.call("enroll", req, course_id, learner_id, body["intake_id"])

    def on_get(self, req, resp, course_id):
        resp.media = self.call("list_enrollments", req, course_id, _page(req))


class EnrollmentCancellation(_Resource):
    def on_post(self, req, resp, enrollment_id):
        resp.media = self.call("cancel_enrollment", req, enrollment_id)


class CourseAssignments(_Resource):
    """JSON ``{learner_ids | unit_id | category, intake_id?}``, or ``text/csv`` with a
    ``username`` column; answers 202 with the background job."""

    def on_post(self, req, resp, course_id):
        require_role(req, *ADMINS)
        if (req.content_type or "").startswith("text/csv"):
            body = {"usernames": _csv_usernames(req.bounded_stream.read().decode("utf-8-sig", "replace")),
                    **{k: req.get_param(k) for k in ("intake_id", "tenant_id") if req.get_param(k)}}
        else:
            body = req.get_media()
        resp.status = falcon.HTTP_202
        resp.media = self.call("assign", req, course_id, body)


def _csv_usernames(text):
    rows = list(csv.DictReader(io.StringIO(text)))
    if not rows or "username" not in rows[0]:
        raise ApiError(falcon.HTTP_422, "validation_failed", "The CSV needs a 'username' column.",
                       {"file": ["missing username column"]})
    if len(rows) > MAX_CSV_ROWS:
        raise ApiError(falcon.HTTP_422, "validation_failed", f"At most {MAX_CSV_ROWS} rows.",
                       {"file": [f"at most {MAX_CSV_ROWS} rows"]})
    return [r["username"].strip().lower() for r in rows if (r.get("username") or "").strip()]


class AssignmentJob(_Resource):
    def on_get(self, req, resp, job_id):
        resp.media = self.call("get_job", req, job_id)


class MyCourses(_Resource):
    def on_get(self, req, resp):
        resp.media = self.call("my_courses", req)


def add_routes(app, api, deps):
    rpc = deps.rpc
    app.add_route(f"{api}/courses", Courses(rpc))
    app.add_route(f"{api}/courses/{{course_id}}", Course(rpc))
    app.add_route(f"{api}/courses/{{course_id}}/publish", CoursePublication(rpc))
    app.add_route(f"{api}/courses/{{course_id}}/archive", CourseArchival(rpc))
    app.add_route(f"{api}/courses/{{course_id}}/documents", CourseDocuments(rpc))
    app.add_route(f"{api}/courses/{{course_id}}/intakes", CourseIntakes(rpc))
    app.add_route(f"{api}/courses/{{course_id}}/enrollments", CourseEnrollments(rpc))
    app.add_route(f"{api}/courses/{{course_id}}/assignments", CourseAssignments(rpc))
    app.add_route(f"{api}/enrollments/{{enrollment_id}}/cancel", EnrollmentCancellation(rpc))
    app.add_route(f"{api}/assignment-jobs/{{job_id}}", AssignmentJob(rpc))
    app.add_route(f"{api}/me/courses", MyCourses(rpc))
