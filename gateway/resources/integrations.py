"""Integrations: the public event catalog and the operator's subscriber management.

Thin adapters over the integrations service. Subscriber routes are operator-only (checked
here and again by the service); the catalog is public: it describes public events only.
"""
import threading

import falcon

from ..auth import require_role

OPERATOR = "operator_admin"


class EventCatalog:
    """The AsyncAPI document; it only changes with a deployment, so it is fetched once."""
    auth_required = False

    def __init__(self, rpc):
        self.rpc = rpc
        self._doc, self._lock = None, threading.Lock()

    def on_get(self, req, resp):
        with self._lock:
            if self._doc is None:
                self._doc = self.rpc.call("integrations", "event_catalog")
        resp.media = self._doc


class _Operator:
    def __init__(self, rpc):
        self.rpc = rpc

    def call(self, req, method, *args):
        require_role(req, OPERATOR)
        return self.rpc.call("integrations", method, req.context.actor, *args)


class Subscribers(_Operator):
    def on_post(self, req, resp):
        resp.status = falcon.HTTP_201
        resp.media = self.call(req, "register_subscriber", req.get_media())

    def on_get(self, req, resp):
        resp.media = self.call(req, "list_subscribers")


class Subscriber(_Operator):
    def on_get(self, req, resp, subscriber_id):
        resp.media = self.call(req, "get_subscriber", subscriber_id)

    def on_delete(self, req, resp, subscriber_id):
        resp.media = self.call(req, "revoke_subscriber", subscriber_id)


class SubscriberSecret(_Operator):
    def on_post(self, req, resp, subscriber_id):
        resp.media = self.call(req, "rotate_secret", subscriber_id, req.get_media(default_when_empty={}))


class Deliveries(_Operator):
    def on_get(self, req, resp, subscriber_id):
        query = {k: req.get_param(k) for k in ("state", "limit") if req.get_param(k) is not None}
        resp.media = self.call(req, "list_deliveries", subscriber_id, query)


class Delivery(_Operator):
    def on_get(self, req, resp, subscriber_id, delivery_id):
        resp.media = self.call(req, "get_delivery", subscriber_id, delivery_id)


class Replays(_Operator):
    def on_post(self, req, resp, subscriber_id):
        resp.status = falcon.HTTP_202
        resp.media = self.call(req, "replay", subscriber_id, req.get_media())


class Replay(_Operator):
    def on_get(self, req, resp, subscriber_id, replay_id):
        resp.media = self.call(req, "get_replay", subscriber_id, replay_id)


def add_routes(app, api, deps):
    rpc = deps.rpc
    app.add_route(f"{api}/events/catalog", EventCatalog(rpc))
    base = f"{api}/integrations/subscribers"
    app.add_route(base, Subscribers(rpc))
    app.add_route(f"{base}/{{subscriber_id}}", Subscriber(rpc))
    app.add_route(f"{base}/{{subscriber_id}}/secret", SubscriberSecret(rpc))
    app.add_route(f"{base}/{{subscriber_id}}/deliveries", Deliveries(rpc))
    app.add_route(f"{base}/{{subscriber_id}}/deliveries/{{delivery_id}}", Delivery(rpc))
    app.add_route(f"{base}/{{subscriber_id}}/replays", Replays(rpc))
    app.add_route(f"{base}/{{subscriber_id}}/replays/{{replay_id}}", Replay(rpc))
