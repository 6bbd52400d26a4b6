"""Integrations: the public event catalog and the operator's subscriber management.

Thin adapters over the integrations service. Subscriber routes are operator-only (checked
here and again by the service); the catalog is public: it describes public events only.
"""
import threading

import falcon

from mooc_common.contracts.roles import OPERATOR_ADMIN

from services.integrations import schemas

from ..openapi import wire
from ..openapi.operation import PUBLIC, operation
from ..service_resource import ServiceResource


class _Resource(ServiceResource):
    service = "integrations"


class EventCatalog(_Resource):
    """The AsyncAPI document; it only changes with a deployment, so it is fetched once."""
    auth_required = False

    def __init__(self, rpc):
        super().__init__(rpc)
        self._doc, self._lock = None, threading.Lock()

    @operation("The AsyncAPI document of the public events", PUBLIC,
               description="An AsyncAPI 2.6 document, not described further here (docs/events.md).")
    def on_get(self, req, resp):
        with self._lock:
            if self._doc is None:
                self._doc = self.call_public("event_catalog")
        resp.media = self._doc


class Subscribers(_Resource):
    @operation("Register an agency subscriber (AMQP queue or webhook) to tenants' public events", (OPERATOR_ADMIN,),
               request=schemas.SubscriberCreateSchema, response=schemas.SubscriberSchema, status=201,
               errors=("conflict",))
    def on_post(self, req, resp):
        resp.status = falcon.HTTP_201
        resp.media = self.call(req, "register_subscriber", self.body(req))

    @operation("The subscribers", (OPERATOR_ADMIN,), response=wire.SubscriberListSchema)
    def on_get(self, req, resp):
        resp.media = self.call(req, "list_subscribers")


class Subscriber(_Resource):
    @operation("A subscriber", (OPERATOR_ADMIN,), response=schemas.SubscriberSchema)
    def on_get(self, req, resp, subscriber_id):
        resp.media = self.call(req, "get_subscriber", subscriber_id)

    @operation("Revoke a subscriber (its broker user and queue are removed)", (OPERATOR_ADMIN,),
               response=schemas.SubscriberSchema)
    def on_delete(self, req, resp, subscriber_id):
        resp.media = self.call(req, "revoke_subscriber", subscriber_id)


class SubscriberSecret(_Resource):
    @operation("Rotate a webhook subscriber's signing secret", (OPERATOR_ADMIN,), request=schemas.RotateSecretSchema,
               response=wire.SecretSchema)
    def on_post(self, req, resp, subscriber_id):
        resp.media = self.call(req, "rotate_secret", subscriber_id, self.body(req, optional=True))


class Deliveries(_Resource):
    @operation("A subscriber's webhook deliveries in one state", (OPERATOR_ADMIN,), query=schemas.DeliveryQuerySchema,
               response=wire.DeliveryListSchema)
    def on_get(self, req, resp, subscriber_id):
        query = {k: req.get_param(k) for k in ("state", "limit") if req.get_param(k) is not None}
        resp.media = self.call(req, "list_deliveries", subscriber_id, query)


class Delivery(_Resource):
    @operation("One delivery with its attempts", (OPERATOR_ADMIN,), response=schemas.DeliverySchema)
    def on_get(self, req, resp, subscriber_id, delivery_id):
        resp.media = self.call(req, "get_delivery", subscriber_id, delivery_id)


class Replays(_Resource):
    @operation("Replay a subscriber's events of a time range", (OPERATOR_ADMIN,), request=schemas.ReplaySchema,
               response=wire.ReplayStateSchema, status=202)
    def on_post(self, req, resp, subscriber_id):
        resp.status = falcon.HTTP_202
        resp.media = self.call(req, "replay", subscriber_id, self.body(req))


class Replay(_Resource):
    @operation("A replay's state", (OPERATOR_ADMIN,), response=wire.ReplayStateSchema)
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
