"""cmi5 launch of ``external_package`` lessons whose standard is ``cmi5`` (docs/xapi.md).

``POST /api/v1/me/courses/{course_id}/lessons/{lesson_id}/cmi5-launch`` (the enrolled
learner) answers the launch URL: the package URL with the parameters cmi5 requires
(``endpoint``, ``fetch``, ``actor``, ``registration``, ``activityId``). The content then POSTs
the one-time ``fetch`` URL (public: the token is the credential) and gets the
``auth-token`` it sends as Basic credentials to the statements endpoint, where a
``completed``/``passed`` statement on the launched lesson completes it.
"""
import base64
import json
import urllib.parse

import falcon

from mooc_common.contracts import xapi
from mooc_common.contracts.errors import Conflict, NotFound, ValidationFailed

from ..auth import require_role
from ..openapi import wire
from ..openapi.operation import PUBLIC, operation
from ..xapi_protocol import VERSION_HEADER, authenticate, check_version


class Cmi5Launch:
    def __init__(self, rpc, base_url):
        self.rpc = rpc
        self.base_url = base_url.rstrip("/")

    @operation("cmi5: launch an external package lesson (launch URL with endpoint, fetch, actor, registration, "
               "activityId)", ("learner",), status=201, errors=("conflict", "validation_failed"), tags=("xapi",))
    def on_post(self, req, resp, course_id, lesson_id):
        require_role(req, "learner")
        actor = req.context.actor
        course = self.rpc.call("courses", "get_course", actor, course_id)
        lesson = next((l for s in course.get("sections") or [] for l in s["lessons"]
                       if l.get("lesson_id") == lesson_id), None)
        if lesson is None:
            raise NotFound("Lesson not found.")
        if lesson["kind"] != "external_package" or lesson.get("package_standard") != "cmi5":
            raise ValidationFailed("This lesson is not a cmi5 package.", {"lesson_id": ["not a cmi5 package"]})
        context = self.rpc.call("progress", "enrollment_context", actor, course_id)  # 404: not enrolled
        if context["cancelled"]:
            raise Conflict("Your enrollment in this course was cancelled.", {"course_id": [course_id]})
        registration = xapi.registration(context["enrollment_id"])
        activity_id = xapi.lesson_activity_id(self.base_url, course_id, lesson_id)
        token = self.rpc.call("integrations", "create_cmi5_launch", actor, {
            "course_id": course_id, "lesson_id": lesson_id, "registration": registration,
            "activity_id": activity_id})["fetch_token"]
        params = {"endpoint": f"{self.base_url}/api/v1/xapi/",
                  "fetch": f"{self.base_url}/api/v1/xapi/cmi5/fetch/{token}",
                  "actor": json.dumps(xapi.actor(self.base_url, actor["tenant_id"], actor["user_id"]),
                                      separators=(",", ":")),
                  "registration": registration, "activityId": activity_id}
        url = lesson["package_url"]
        resp.status = falcon.HTTP_201
        resp.media = {"launch_url": url + ("&" if "?" in url else "?") + urllib.parse.urlencode(params),
                      **params}


class Cmi5Fetch:
    """cmi5 §8.2: POST answers ``{"auth-token": ...}`` once; a reused or expired fetch URL
    answers the cmi5 error body (error-code 1: already used, 2: expired or unknown)."""
    auth_required = False

    def __init__(self, rpc):
        self.rpc = rpc

    @operation("cmi5: redeem a one-time fetch URL for the session's auth-token (cmi5 error body on reuse)",
               PUBLIC, response=wire.Cmi5AuthTokenSchema, tags=("xapi",),
               answers=((400, wire.Cmi5FetchErrorSchema, "the fetch URL was already used, or is unknown"),))
    def on_post(self, req, resp, token):
        answer = self.rpc.call("integrations", "redeem_cmi5_fetch", token[:200])
        if answer.get("auth_token"):
            credentials = f"cmi5:{answer['auth_token']}".encode()
            resp.media = {"auth-token": base64.b64encode(credentials).decode()}
        else:
            resp.status = falcon.HTTP_400
            resp.media = {"error-code": answer["error_code"],
                          "error-text": {"1": "This fetch URL was already used.",
                                         "2": "This fetch URL is unknown or expired."}[answer["error_code"]]}


class LaunchData:
    """``GET /api/v1/xapi/activities/state?stateId=LMS.LaunchData`` with the cmi5 auth-token:
    the launch data a cmi5 AU reads before its first statement (cmi5 §10.2.1). Other state
    documents are not kept by the platform (404)."""
    auth_required = False  # the cmi5 auth-token, checked here

    def __init__(self, auth, rpc):
        self.auth = auth
        self.rpc = rpc

    @operation("cmi5: the launched session's state document LMS.LaunchData (cmi5 auth-token)", ("learner",),
               errors=("invalid_statement",), tags=("xapi",))
    def on_get(self, req, resp):
        check_version(req)
        _, session = authenticate(req, self.auth, self.rpc)
        resp.set_header(VERSION_HEADER, xapi.XAPI_VERSION)
        if (session is None or req.get_param("stateId") != "LMS.LaunchData"
                or req.get_param("activityId") != session["activity_id"]
                or req.get_param("registration") not in (None, session["registration"])):
            raise NotFound("No such state document.")
        resp.media = {
            "contextTemplate": {
                "registration": session["registration"],
                "contextActivities": {"grouping": [{"objectType": "Activity", "id": session["activity_id"]}]},
                "extensions": {"https://w3id.org/xapi/cmi5/context/extensions/sessionid": session["session_id"]}},
            "launchMode": "Normal", "moveOn": "Completed"}


def add_routes(app, api, deps):
    base_url = deps.config.public_base_url
    app.add_route(f"{api}/me/courses/{{course_id}}/lessons/{{lesson_id}}/cmi5-launch", Cmi5Launch(deps.rpc, base_url))
    app.add_route(f"{api}/xapi/cmi5/fetch/{{token}}", Cmi5Fetch(deps.rpc))
