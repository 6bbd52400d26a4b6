"""Learner activity ingestion (202 after the broker's confirm) and progress views."""
import datetime as dt
import uuid

import falcon

from mooc_common.contracts import activities as contract

from ..auth import require_role


class Activities:
    """``POST /activities`` (one) and ``POST /activities/batch`` (up to 500): one AMQP message each."""

    def __init__(self, publisher):
        self.publisher = publisher

    def _accept(self, req, resp, activities):
        actor = req.context.actor
        message = contract.IngestMessageSchema().dump({
            "learner_id": actor["user_id"], "tenant_id": actor["tenant_id"],
            "received_at": dt.datetime.now(dt.timezone.utc),
            "correlation_id": req.get_header("X-Request-Id") or uuid.uuid4().hex,
            "activities": activities,
        })
        self.publisher.publish(message)
        resp.status = falcon.HTTP_202
        resp.media = {"accepted": len(activities),
                      "activity_ids": [str(a["activity_id"]) for a in activities]}

    def on_post(self, req, resp):
        require_role(req, "learner")
        self._accept(req, resp, [contract.ActivitySchema().load(req.get_media())])

    def on_post_batch(self, req, resp):
        require_role(req, "learner")
        self._accept(req, resp, contract.ActivityBatchSchema().load(req.get_media())["activities"])


class MyProgress:
    def __init__(self, rpc):
        self.rpc = rpc

    def on_get(self, req, resp, course_id):
        resp.media = self.rpc.call("progress", "get_my_progress", req.context.actor, course_id)


def add_routes(app, api, deps):
    activities = Activities(deps.publisher)
    app.add_route(f"{api}/activities", activities)
    app.add_route(f"{api}/activities/batch", activities, suffix="batch")
    app.add_route(f"{api}/me/courses/{{course_id}}/progress", MyProgress(deps.rpc))
