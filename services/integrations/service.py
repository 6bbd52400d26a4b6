"""Integrations service: the edge towards integrating agencies. Thin entrypoints only.

It owns subscribers, the public event log and webhook deliveries, and no domain rule of the
other services. Every public event is consumed in batches by the relay (relay.py: one queue
bound to every public type, idempotent by event id, retried then dead-lettered), which
republishes it on ``integration.events`` (confirmed), queues one webhook delivery per matching
subscriber and its xAPI statement per LRS, and logs it. Internal events (``public=False``) are
never subscribed to.
"""
import datetime as dt
import secrets

from nameko.timer import timer

from mooc_common.contracts import roles, xapi
from mooc_common.contracts.errors import AuthenticationFailed, NotFound, PermissionDenied, ValidationFailed
from mooc_common.infra.actor_trust import RpcProxy, rpc
from mooc_common.infra.boundary import load
from mooc_common.infra.service_base import PlatformService
from mooc_common.infra.store import Store

from . import cmi5_rules, domain, routing, schemas
from .broker_admin import BrokerAdminProvider
from .catalog import asyncapi_document, public_event_types
from .cmi5_sessions import Cmi5Store
from .lrs_forwarder import LrsForwarder
from .lrs_storage import GLOBAL, LrsStore
from .relay import EventRelay
from .storage import IntegrationsStore, now
from .webhooks import WebhookDispatcher, retention_hours_to_purge


def _unknown_registration():
    raise PermissionDenied("This cmi5 registration is not known.")


class IntegrationsService(PlatformService):
    name = "integrations"

    store = Store(IntegrationsStore)
    relay = EventRelay()
    broker = BrokerAdminProvider()
    webhooks = WebhookDispatcher()
    lrs = LrsForwarder()
    lrs_store = Store(LrsStore)
    cmi5 = Store(Cmi5Store)
    accounts = RpcProxy("accounts")

    # -- events: every public event is relayed in batches by ``relay`` (relay.py) -----------
    @timer(interval=0.5)
    def dispatch_webhooks(self):
        self.webhooks.tick()

    @timer(interval=0.5)
    def forward_statements(self):
        self.lrs.tick()

    @timer(interval=3600, eager=True)
    def purge_event_log(self):
        for hour in retention_hours_to_purge(now(), self.webhooks.settings.retention_days):
            self.store.purge_event_log_hour(hour)

    # -- catalog ---------------------------------------------------------------------------
    @rpc
    def event_catalog(self):
        return asyncapi_document()

    # -- subscribers (operator only) -------------------------------------------------------
    @rpc
    def register_subscriber(self, actor, data):
        domain.require_operator(actor)
        sub_in = load(schemas.SubscriberCreateSchema(), data)
        sub_in["tenants"] = sorted(set(sub_in["tenants"]))
        sub_in["event_types"] = sorted(set(sub_in["event_types"] or [e.type for e in public_event_types()]))
        self._check_tenants(actor, sub_in["tenants"])
        credentials = {}
        if sub_in["kind"] == "webhook":
            domain.check_endpoint(sub_in["url"], self.webhooks.settings.allow_loopback_http)
            sub_in["secret"] = credentials["secret"] = "whsec_" + secrets.token_urlsafe(32)
        subscriber = self.store.insert_subscriber(sub_in)
        changes = {"status": "active"}
        if sub_in["kind"] == "amqp":
            password = secrets.token_urlsafe(24)
            try:
                user = self.broker.create_agency(subscriber["_id"], password, sub_in["tenants"],
                                                 sub_in["event_types"])
            except Exception:  # leave nothing half-made behind
                self.store.update_subscriber(subscriber["_id"], {"status": "failed"})
                self.broker.revoke_agency(subscriber["_id"])
                raise
            changes.update(broker_user=user, queue=routing.agency_queue(subscriber["_id"]))
            credentials = {"username": user, "password": password, "vhost": self.broker.vhost,
                           "exchange": routing.EXCHANGE, "queue": changes["queue"],
                           "read_pattern": routing.topic_read_pattern(sub_in["tenants"], sub_in["event_types"])}
        subscriber = self.store.update_subscriber(subscriber["_id"], changes)
        return dict(schemas.SubscriberSchema().dump(subscriber), credentials=credentials)

    def _check_tenants(self, actor, tenants):
        unknown = []
        for tenant_id in tenants:
            if tenant_id == routing.PLATFORM_KEY:
                continue
            try:
                self.accounts.get_tenant(actor, tenant_id)
            except NotFound:
                unknown.append(tenant_id)
        if unknown:
            raise ValidationFailed("Unknown tenants.", {"tenants": [f"unknown tenant {t}" for t in unknown]})

    def _subscriber(self, actor, subscriber_id):
        domain.require_operator(actor)
        subscriber = self.store.get_subscriber(subscriber_id)
        if not subscriber:
            raise NotFound("Subscriber not found.")
        return subscriber

    @rpc
    def list_subscribers(self, actor):
        domain.require_operator(actor)
        return {"items": schemas.SubscriberSchema(many=True).dump(self.store.list_subscribers())}

    @rpc
    def get_subscriber(self, actor, subscriber_id):
        return schemas.SubscriberSchema().dump(self._subscriber(actor, subscriber_id))

    @rpc
    def revoke_subscriber(self, actor, subscriber_id):
        subscriber = self._subscriber(actor, subscriber_id)
        if subscriber["kind"] == "amqp":
            self.broker.revoke_agency(subscriber_id)
        subscriber = self.store.update_subscriber(subscriber_id, {"status": "revoked", "revoked_at": now()})
        return schemas.SubscriberSchema().dump(subscriber)

    @rpc
    def rotate_secret(self, actor, subscriber_id, data):
        subscriber = self._subscriber(actor, subscriber_id)
        if subscriber["kind"] != "webhook" or subscriber["status"] != "active":
            raise ValidationFailed("Only an active webhook subscriber has a secret.", {})
        grace = load(schemas.RotateSecretSchema(), data)["grace_seconds"]
        secret = "whsec_" + secrets.token_urlsafe(32)
        self.store.update_subscriber(subscriber_id, {
            "secret": secret, "previous_secret": subscriber["secret"] if grace else None,
            "previous_secret_until": now() + dt.timedelta(seconds=grace) if grace else None})
        return {"subscriber_id": subscriber_id, "secret": secret, "previous_secret_valid_seconds": grace}

    # -- deliveries ------------------------------------------------------------------------
    @rpc
    def list_deliveries(self, actor, subscriber_id, query):
        self._subscriber(actor, subscriber_id)
        q = load(schemas.DeliveryQuerySchema(), query)
        items = self.store.deliveries_in(subscriber_id, q["state"], q["limit"])
        return {"items": schemas.DeliverySchema(many=True).dump(items), "state": q["state"]}

    @rpc
    def get_delivery(self, actor, subscriber_id, delivery_id):
        self._subscriber(actor, subscriber_id)
        delivery = self.store.get_delivery(delivery_id)
        if not delivery or delivery["subscriber_id"] != subscriber_id:
            raise NotFound("Delivery not found.")
        return dict(schemas.DeliverySchema().dump(delivery),
                    attempts_log=schemas.AttemptSchema(many=True).dump(self.store.attempts_of(delivery_id)))

    @rpc
    def replay(self, actor, subscriber_id, data):
        subscriber = self._subscriber(actor, subscriber_id)
        if subscriber["kind"] != "webhook" or subscriber["status"] != "active":
            raise ValidationFailed("Only an active webhook subscriber can be replayed to.", {})
        window = load(schemas.ReplaySchema(), data)
        if window["until"] and window["until"] < window["since"]:
            raise ValidationFailed("Empty window.", {"until": ["must not be before since"]})
        replay = self.store.insert_replay(subscriber_id, window["since"], window["until"])
        return {"replay_id": replay["_id"], "state": replay["state"]}

    @rpc
    def get_replay(self, actor, subscriber_id, replay_id):
        self._subscriber(actor, subscriber_id)
        replay = self.store.get_replay(replay_id)
        if not replay or replay["subscriber_id"] != subscriber_id:
            raise NotFound("Replay not found.")
        return {"replay_id": replay["_id"], "state": replay["state"], "queued": replay["queued"],
                "since": replay["since"].isoformat(),
                "until": replay["until"].isoformat() if replay["until"] else None}

    # -- xAPI forwarding: LRS per tenant (its admin) or for all tenants (operator) ----------
    def _lrs_scope(self, actor, scope):
        """``scope`` is a tenant id or ``*`` (all tenants: operator only). Another tenant's
        scope answers 404, as if it did not exist."""
        domain.require_lrs_manager(actor, scope)
        if roles.is_operator(actor) and scope != GLOBAL:
            self.accounts.get_tenant(actor, scope)  # NotFound for an unknown tenant
        return scope

    def _lrs_config(self, actor, scope):
        config = self.lrs_store.get_config(self._lrs_scope(actor, scope))
        if not config:
            raise NotFound("No LRS is configured.")
        return config

    @rpc
    def put_lrs_config(self, actor, scope, data):
        scope = self._lrs_scope(actor, scope)
        config = load(schemas.LrsConfigSchema(), data)
        try:
            domain.check_endpoint(config["endpoint"], self.lrs.settings.allow_loopback_http)
        except ValidationFailed as exc:
            raise ValidationFailed(exc.message, {"endpoint": exc.errors.get("url", [])})
        config["password"] = self.lrs.cipher.encrypt(config["password"])
        return schemas.LrsConfigOutSchema().dump(self.lrs_store.put_config(scope, config))

    @rpc
    def get_lrs_config(self, actor, scope):
        config = self._lrs_config(actor, scope)
        return dict(schemas.LrsConfigOutSchema().dump(config),
                    delivery=schemas.LrsStatusSchema().dump(self.lrs_store.status_of(config["_id"])))

    @rpc
    def delete_lrs_config(self, actor, scope):
        config = self._lrs_config(actor, scope)
        self.lrs_store.delete_config(config["_id"])
        self.lrs_store.forget(config["_id"])
        return {"deleted": True}

    @rpc
    def lrs_dead_statements(self, actor, scope):
        config = self._lrs_config(actor, scope)
        return {"items": [{"statement_id": d["_id"].split(":", 1)[1], "event_type": d["event_type"],
                           "attempts": d["attempts"], "last_error": d["last_error"],
                           "last_status_code": d.get("last_status_code"),
                           "dead_at": d["dead_at"].isoformat()}
                          for d in self.lrs_store.dead_sample(config["_id"])]}

    @rpc
    def replay_lrs_dead(self, actor, scope):
        config = self._lrs_config(actor, scope)
        return {"requeued": self.lrs_store.replay_dead(config["_id"])}

    # -- cmi5 launch sessions (the gateway checked the lesson and the enrollment) ------------
    @rpc
    def create_cmi5_launch(self, actor, launch):
        """A new AU session: abandons the registration's open one, records the LMS's
        ``launched`` statement (forwarded to the tenant's LRSs), and answers the one-time fetch
        token; ``moved_on`` when the lesson's moveOn is NotApplicable (satisfied at launch)."""
        roles.require_role(actor, (roles.LEARNER,), "Only learners launch content.")
        launch = load(schemas.Cmi5LaunchSchema(), launch)
        actor = {"user_id": actor["user_id"], "tenant_id": actor["tenant_id"], "role": roles.LEARNER}
        base_url = self.lrs.settings.public_base_url
        launch.update(actor=actor, tenant_id=actor["tenant_id"], session_id=self.cmi5.new_session_id())
        lms = dict(launch, actor=xapi.actor(base_url, actor["tenant_id"], actor["user_id"]))
        at = now()
        moved_on = launch["move_on"] == "NotApplicable"

        def open_session(reg):
            abandoned = cmi5_rules.open_session(reg, launch["session_id"], launch["lesson_id"],
                                                launch["activity_id"], at)
            statements = [cmi5_rules.abandoned_statement(lms, s, at) for s in abandoned]
            statements.append(cmi5_rules.launched_statement(lms, at))
            if moved_on and cmi5_rules.satisfy(reg, launch["lesson_id"], launch["au_lessons"]):
                statements.append(cmi5_rules.satisfied_statement(
                    lms, xapi.course_activity_id(base_url, launch["course_id"]), at))
            return statements

        statements = self.cmi5.change_registration(launch["registration"], open_session, lambda: (
            cmi5_rules.new_registration(launch["registration"], actor["user_id"], launch["course_id"])))
        self.lrs.enqueue_statements(routing.tenant_key(actor["tenant_id"]), statements, "cmi5.lms")
        return {"fetch_token": self.cmi5.create_launch(launch), "session_id": launch["session_id"],
                "moved_on": moved_on}

    @rpc
    def redeem_cmi5_fetch(self, fetch_token):
        token, error = self.cmi5.redeem(fetch_token)
        return {"auth_token": token} if token else {"error_code": error}

    @rpc
    def cmi5_session(self, auth_token):
        session = self.cmi5.session(auth_token)
        if not session:
            raise AuthenticationFailed("The cmi5 auth-token is unknown or expired.")
        return session

    @rpc
    def cmi5_statements(self, auth_token, statements):
        """An AU's statements (JSON, ids set) checked against the cmi5 rules of its session and
        registration (PermissionDenied with the reasons per statement: the LMS rejects them),
        recorded and forwarded with the LMS's ``satisfied`` when the course's AUs are all
        satisfied. ``moved_on``: the AU's moveOn is met by this batch (complete the lesson)."""
        session = self.cmi5_session(auth_token)
        base_url = self.lrs.settings.public_base_url
        lms = dict(session, actor=xapi.actor(base_url, session["tenant_id"], session["actor"]["user_id"]))
        lms["actor_account"] = lms["actor"]["account"]
        at = now()

        def record(reg):
            try:
                new, moved_on = cmi5_rules.check_statements(reg, lms, statements, at)
            except cmi5_rules.Violation as exc:
                raise PermissionDenied("cmi5 rules refuse these statements.", {"statements": exc.errors})
            lms_statements = []
            if moved_on and cmi5_rules.satisfy(reg, session["lesson_id"], session["au_lessons"]):
                lms_statements.append(cmi5_rules.satisfied_statement(
                    lms, xapi.course_activity_id(base_url, session["course_id"]), at))
            return new, lms_statements, moved_on

        new, lms_statements, moved_on = self.cmi5.change_registration(session["registration"], record,
                                                                      _unknown_registration)
        tenant = routing.tenant_key(session["tenant_id"])
        self.lrs.enqueue_statements(tenant, new, "cmi5.au")
        self.lrs.enqueue_statements(tenant, lms_statements, "cmi5.lms")
        return {"moved_on": moved_on, "accepted": len(new)}

