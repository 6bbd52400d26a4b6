"""cmi5 launch of ``external_package`` lessons whose standard is ``cmi5`` (docs/xapi.md).

``POST /api/v1/me/courses/{course_id}/lessons/{lesson_id}/cmi5-launch`` (the enrolled
learner) answers the launch URL: the package URL with the parameters cmi5 requires
(``endpoint``, ``fetch``, ``actor``, ``registration``, ``activityId``). The content then POSTs
the one-time ``fetch`` URL (public: the token is the credential) and gets the
``auth-token`` it sends as Basic credentials to the statements endpoint. The LMS side of
cmi5 (the launched/abandoned/satisfied statements, the session and registration rules, the
moveOn decision) is in the integrations service (cmi5_rules.py); when the lesson's moveOn is
met the lesson is completed through the same ingestion as ``/activities``, once.
"""
import base64
import json
import urllib.parse

import falcon

from mooc_common.contracts import activities as contract
from mooc_common.contracts import xapi
from mooc_common.contracts.errors import Conflict, NotFound, ValidationFailed
from mooc_common.contracts.roles import LEARNER
from mooc_common.infra.clock import utcnow

from ..openapi import wire
from ..openapi.operation import PUBLIC, operation
from ..service_resource import ServiceResource
from ..xapi_protocol import VERSION_HEADER, authenticate, check_version


def moved_on_activity(course_id, lesson_id, registration):
    """The lesson_completed activity of an AU whose moveOn is met: one id per registration and
    lesson, so however often it is sent the lesson completes once."""
    return contract.ActivitySchema().load({
        "activity_id": str(xapi.inbound_activity_id(f"cmi5:{registration}:{lesson_id}")), "kind": "lesson_completed",
        "course_id": course_id, "lesson_id": lesson_id, "occurred_at": utcnow().isoformat()})


def is_cmi5(lesson):
    return lesson.get("kind") == "external_package" and lesson.get("package_standard") == "cmi5"


class Cmi5Launch(ServiceResource):
    def __init__(self, rpc, base_url, activities):
        super().__init__(rpc)
        self.base_url = base_url.rstrip("/")
        self.activities = activities

    def _lessons(self, req, course_id, lesson_id):
        """The course's lessons and the cmi5 one launched (404: no such lesson, 422: not cmi5)."""
        course = self.call(req, "get_course", course_id, service="courses")
        lessons = [l for s in course.get("sections") or [] for l in s["lessons"]]
        lesson = next((l for l in lessons if l.get("lesson_id") == lesson_id), None)
        if lesson is None:
            raise NotFound("Lesson not found.")
        if not is_cmi5(lesson):
            raise ValidationFailed("This lesson is not a cmi5 package.", {"lesson_id": ["not a cmi5 package"]})
        return lessons, lesson

    def _registration(self, req, course_id):
        """The cmi5 registration of the learner's enrollment (404: not enrolled, 409: cancelled)."""
        context = self.call(req, "enrollment_context", course_id, service="progress")
        if context["cancelled"]:
            raise Conflict("Your enrollment in this course was cancelled.", {"course_id": [course_id]})
        return xapi.registration(context["enrollment_id"])

    def _launch_params(self, actor, token, registration, activity_id):
        return {"endpoint": f"{self.base_url}/api/v1/xapi/",
                "fetch": f"{self.base_url}/api/v1/xapi/cmi5/fetch/{token}",
                "actor": json.dumps(xapi.actor(self.base_url, actor["tenant_id"], actor["user_id"]),
                                    separators=(",", ":")),
                "registration": registration, "activityId": activity_id}

    @operation("cmi5: launch an external package lesson (launch URL with endpoint, fetch, actor, registration, "
               "activityId)", (LEARNER,), status=201, errors=("conflict", "validation_failed"), tags=("xapi",))
    def on_post(self, req, resp, course_id, lesson_id):
        lessons, lesson = self._lessons(req, course_id, lesson_id)
        registration = self._registration(req, course_id)
        activity_id = xapi.lesson_activity_id(self.base_url, course_id, lesson_id)
        url = lesson["package_url"]
        launched = self.call(req, "create_cmi5_launch", {
            "course_id": course_id, "lesson_id": lesson_id, "registration": registration,
            "activity_id": activity_id, "move_on": lesson.get("move_on") or "Completed",
            "mastery_score": lesson.get("mastery_score"), "launch_url": url,
            "return_url": f"{self.base_url}/courses/{course_id}",
            "au_lessons": [l["lesson_id"] for l in lessons if is_cmi5(l)]}, service="integrations")
        if launched["moved_on"]:  # moveOn NotApplicable: satisfied at launch
            self.activities.ingest(req, req.context.actor, [moved_on_activity(course_id, lesson_id, registration)])
        params = self._launch_params(req.context.actor, launched["fetch_token"], registration, activity_id)
        resp.status = falcon.HTTP_201
        resp.media = {"launch_url": url + ("&" if "?" in url else "?") + urllib.parse.urlencode(params),
                      **params}


class Cmi5Fetch(ServiceResource):
    """cmi5 §8.2: POST answers ``{"auth-token": ...}`` once; a reused or expired fetch URL
    answers the cmi5 error body (error-code 1: already used, 2: expired or unknown)."""
    auth_required = False
    service = "integrations"

    @operation("cmi5: redeem a one-time fetch URL for the session's auth-token (cmi5 error body on reuse)",
               PUBLIC, response=wire.Cmi5AuthTokenSchema, tags=("xapi",),
               answers=((400, wire.Cmi5FetchErrorSchema, "the fetch URL was already used, or is unknown"),))
    def on_post(self, req, resp, token):
        answer = self.call_public("redeem_cmi5_fetch", token[:200])
        if answer.get("auth_token"):
            credentials = f"cmi5:{answer['auth_token']}".encode()
            resp.media = {"auth-token": base64.b64encode(credentials).decode()}
        else:
            resp.status = falcon.HTTP_400
            resp.media = {"error-code": answer["error_code"],
                          "error-text": {"1": "This fetch URL was already used.",
                                         "2": "This fetch URL is unknown or expired."}[answer["error_code"]]}


class _XapiDocument:
    """A document of the xAPI document APIs a cmi5 AU reads, with the xAPI version header."""
    auth_required = False  # the cmi5 auth-token (or the learner's token), checked here

    def __init__(self, auth, rpc):
        self.auth = auth
        self.rpc = rpc

    def _session(self, req, resp):
        """The caller's cmi5 session (None for the learner's own token)."""
        check_version(req)
        _, session = authenticate(req, self.auth, self.rpc)
        resp.set_header(VERSION_HEADER, xapi.XAPI_VERSION)
        return session


class LaunchData(_XapiDocument):
    """``GET /api/v1/xapi/activities/state?stateId=LMS.LaunchData`` with the cmi5 auth-token:
    the launch data a cmi5 AU reads before its first statement (cmi5 §10): contextTemplate,
    launchMode, returnURL, moveOn, masteryScore. Other state documents are not kept by the
    platform (404)."""

    @operation("cmi5: the launched session's state document LMS.LaunchData (cmi5 auth-token)", (LEARNER,),
               errors=("invalid_statement",), tags=("xapi",), service_checks_role=True)
    def on_get(self, req, resp):
        session = self._session(req, resp)
        if (session is None or req.get_param("stateId") != "LMS.LaunchData"
                or req.get_param("activityId") != session["activity_id"]
                or req.get_param("registration") not in (None, session["registration"])):
            raise NotFound("No such state document.")
        resp.media = dict({
            "contextTemplate": {
                "registration": session["registration"],
                "contextActivities": {"grouping": [{"objectType": "Activity", "id": session["activity_id"]}]},
                "extensions": {xapi.CMI5_SESSION_ID: session["session_id"]}},
            "launchMode": "Normal", "returnURL": session["return_url"], "moveOn": session["move_on"]},
            **({"masteryScore": session["mastery_score"]} if session.get("mastery_score") is not None else {}))


class LearnerPreferences(_XapiDocument):
    """``GET /api/v1/xapi/agents/profile?profileId=cmi5LearnerPreferences`` (cmi5 §11): the
    learner's language (Vietnamese first) and audio preference. Other profiles: 404."""

    @operation("cmi5: the learner's agent profile cmi5LearnerPreferences (cmi5 auth-token)", (LEARNER,),
               errors=("invalid_statement",), tags=("xapi",), service_checks_role=True)
    def on_get(self, req, resp):
        self._session(req, resp)
        if req.get_param("profileId") != "cmi5LearnerPreferences":
            raise NotFound("No such agent profile.")
        resp.media = {"languagePreference": "vi-VN,en-US", "audioPreference": "on"}


def add_routes(app, api, deps):
    app.add_route(f"{api}/xapi/cmi5/fetch/{{token}}", Cmi5Fetch(deps.rpc))


def add_learner_routes(app, api, deps, activities):
    """The routes that complete lessons (through the activities' ingestion) or read sessions."""
    base_url = deps.config.public_base_url
    app.add_route(f"{api}/me/courses/{{course_id}}/lessons/{{lesson_id}}/cmi5-launch",
                  Cmi5Launch(deps.rpc, base_url, activities))
    app.add_route(f"{api}/xapi/activities/state", LaunchData(deps.auth, deps.rpc))
    app.add_route(f"{api}/xapi/agents/profile", LearnerPreferences(deps.auth, deps.rpc))
