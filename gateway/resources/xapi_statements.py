"""xAPI in: an LRS-compatible statements endpoint for xAPI and cmi5 content (docs/xapi.md).

``POST /api/v1/xapi/statements`` (one statement or up to 100) and ``PUT ...?statementId=``.
Authentication: the learner's access token as Bearer, or as the password of Basic
credentials (xAPI content speaks Basic), or the ``cmi5`` auth-token of a cmi5 launch. The
``X-Experience-API-Version`` header (1.0.x) is required. Invalid statements answer 400 (the
xAPI status) with the platform's error body. A ``completed``/``passed`` statement on one of
the platform's lesson activity ids becomes a ``lesson_completed`` activity whose id is
derived from the statement id, sent through the same ingestion path as ``/activities``: a
statement sent again, or a lesson completed twice, counts once. Other statements are
acknowledged and not kept (the platform is not a general-purpose LRS).
"""
import uuid

import falcon
from marshmallow import ValidationError

from mooc_common.contracts import activities as contract
from mooc_common.contracts import xapi
from mooc_common.contracts.errors import ValidationFailed
from mooc_common.contracts.roles import LEARNER, require_role
from mooc_common.infra.clock import utcnow

from ..openapi.operation import PUBLIC, operation
from ..service_resource import ServiceResource
from ..xapi_protocol import VERSION_HEADER, authenticate, bad_statement as _bad, check_version
from . import cmi5


class About:
    auth_required = False

    @operation("xAPI: the versions this LRS endpoint speaks", PUBLIC, tags=("xapi",))
    def on_get(self, req, resp):
        resp.set_header(VERSION_HEADER, xapi.XAPI_VERSION)
        resp.media = {"version": [xapi.XAPI_VERSION]}


class Statements(ServiceResource):
    auth_required = False  # Bearer or Basic: checked here
    service = "integrations"

    def __init__(self, auth, rpc, activities, base_url):
        super().__init__(rpc)
        self.auth = auth
        self.activities = activities
        self.base_url = base_url

    def _statements(self, req, body):
        check_version(req)
        actor, session = authenticate(req, self.auth, self.rpc)
        require_role(actor, (LEARNER,), "Only learners send statements.")
        items = body if isinstance(body, list) else [body]
        if not 1 <= len(items) <= xapi.MAX_STATEMENTS_PER_POST:
            raise _bad(f"Send 1 to {xapi.MAX_STATEMENTS_PER_POST} statements.", {"statements": ["count"]})
        loaded, errors = [], {}
        for index, item in enumerate(items):
            try:
                loaded.append(xapi.StatementSchema().load(item if isinstance(item, dict) else None))
            except ValidationError as exc:  # also what is not a JSON object ("Invalid input type")
                errors[str(index)] = exc.messages
        if errors:
            raise _bad("Invalid statements.", {"statements": errors})
        for statement, item in zip(loaded, items):
            statement.setdefault("id", uuid.uuid4())
            item["id"] = str(statement["id"])  # the JSON as sent, with its id: what a cmi5 LRS records
        if len({s["id"] for s in loaded}) != len(loaded):
            raise _bad("Two statements have the same id.", {"statements": ["duplicate id"]})
        return actor, session, loaded, items

    def _completions(self, loaded, session):
        """The lesson_completed activities that plain xAPI statements carry (loaded by the same
        contract); a cmi5 session's are decided by its moveOn rule (_cmi5)."""
        activities = []
        for statement in loaded:
            if statement["verb"]["id"] not in xapi.COMPLETION_VERBS or statement["object"]["objectType"] != "Activity":
                continue
            lesson = xapi.parse_lesson_activity_id(self.base_url, statement["object"]["id"])
            if lesson is None or (session and list(lesson) != [session["course_id"], session["lesson_id"]]):
                continue  # not one of our lessons (or not the launched one)
            at = statement.get("timestamp") or utcnow()
            activities.append({"activity_id": str(xapi.inbound_activity_id(statement["id"])),
                               "kind": "lesson_completed", "course_id": lesson[0], "lesson_id": lesson[1],
                               "occurred_at": at.isoformat()})
        return activities

    def _cmi5(self, req, session, items):
        """A cmi5 session's statements: checked and recorded by the LMS side (integrations,
        403 with the reasons when a cmi5 rule refuses them); the lesson's completion when its
        moveOn is met."""
        answer = self.call_public("cmi5_statements", session["auth_token"], items)
        if not answer["moved_on"]:
            return []
        return [cmi5.moved_on_activity(session["course_id"], session["lesson_id"], session["registration"])]

    def _ingest(self, req, actor, loaded, session, items):
        try:
            activities = (self._cmi5(req, session, items) if session else
                          [contract.ActivitySchema().load(a) for a in self._completions(loaded, session)])
        except ValidationError as exc:
            raise _bad("A completion statement cannot be applied.", exc.messages)
        if activities:
            try:
                self.activities.ingest(req, actor, activities)
            except ValidationFailed as exc:
                raise _bad("A completion statement does not fit the course.", exc.errors)

    @operation("xAPI: store statements (a completed/passed lesson statement completes that lesson once); "
               "Bearer session token, Basic with the token as password, or a cmi5 auth-token", (LEARNER,),
               status=204, response_media=(), tags=("xapi",), service_checks_role=True,
               errors=("invalid_statement", "not_found", "conflict", "validation_failed", "permission_denied"))
    def on_post(self, req, resp):
        actor, session, loaded, items = self._statements(req, self.body(req))
        self._ingest(req, actor, loaded, session, items)
        resp.set_header(VERSION_HEADER, xapi.XAPI_VERSION)
        resp.media = [str(s["id"]) for s in loaded]

    @operation("xAPI: store one statement under ?statementId=", (LEARNER,), status=204, response_media=(),
               errors=("invalid_statement", "not_found", "conflict", "validation_failed"), tags=("xapi",),
               service_checks_role=True)
    def on_put(self, req, resp):
        try:
            statement_id = uuid.UUID(req.get_param("statementId") or "")
        except ValueError:
            raise _bad("statementId must be a UUID.", {"statementId": ["must be a UUID"]})
        body = self.body(req)
        if not isinstance(body, dict):
            raise _bad("PUT takes one statement.", {"statements": ["one JSON object"]})
        actor, session, loaded, items = self._statements(req, body)
        if loaded[0]["id"] != statement_id and body.get("id") is not None:
            raise _bad("The statement's id differs from statementId.", {"id": ["must equal statementId"]})
        loaded[0]["id"] = statement_id
        items[0]["id"] = str(statement_id)
        self._ingest(req, actor, loaded, session, items)
        resp.set_header(VERSION_HEADER, xapi.XAPI_VERSION)
        resp.status = falcon.HTTP_204


def add_routes(app, api, deps, activities):
    auth = deps.auth  # the app's own: one suspension and revocation cache for every route
    app.add_route(f"{api}/xapi/statements", Statements(auth, deps.rpc, activities, deps.config.public_base_url))
    app.add_route(f"{api}/xapi/about", About())
    cmi5.add_learner_routes(app, api, deps, activities)
