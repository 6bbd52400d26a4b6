"""The relay: every public event, consumed in batches, logged, republished on
``integration.events`` and queued for webhook subscribers and LRSs.

One queue (``integrations.relay``) is bound to every public event type; a loop takes up to
``RELAY_MAX_EVENTS`` events at a time (``RELAY_LINGER_SECONDS`` to fill a batch once one came,
see ``EventBatches``) and relays the batch with a fixed number of round trips whatever its
size: the republishes with their confirms pipelined, one bulk insert of webhook deliveries,
one of LRS statements, one of the event log. Only then is the batch acked.

Guarantees, as the per-event handlers it replaces had them:
- idempotent by event id: every row has a natural id (the event id, ``<subscriber>:<event>``,
  ``<LRS>:<statement id>``) and a row inserted before is kept as it is (``insert_new``); any
  other write error fails the batch. The LRS outbox forgets what it delivered, so an event
  with an LRS to go to is first looked up in the log (by id, only those events): logged
  means its statements were queued already. A redelivered batch republishes its events again: the
  exchange is at least once, and agencies deduplicate on ``message_id`` (the event id).
- retry then dead-letter: a failed batch sends each event to its retry queue, from where it
  comes back alone, so a poison event is dead-lettered after its attempts and delays its
  batch's other events by one retry only (``EventBatches.process``).
- nothing lost: a process killed mid-batch has acked nothing of it; the broker delivers the
  batch again to the next consumer. Replicas share the queue (no single active consumer).
- the log is written last: an event in the log has been republished and queued.
"""
import logging
import typing

from nameko.constants import AMQP_URI_CONFIG_KEY

from mooc_common.infra import queue_retirement
from mooc_common.infra.batch_consumer import BatchConsumer
from mooc_common.infra.event_batches import EventBatches
from mooc_common.infra.store import service_database

from . import domain, routing
from .catalog import public_event_types
from .exchange import IntegrationExchange
from .lrs_forwarder import LrsSettings, StatementOutbox
from .lrs_storage import LrsStore
from .storage import IntegrationsStore

log = logging.getLogger(__name__)

QUEUE = "integrations.relay"
DEFAULT_MAX_EVENTS = 500
DEFAULT_LINGER_SECONDS = 0.02


class Relay:
    """Relays one batch of loaded envelopes (pure orchestration over its collaborators, so the
    unit tests run it on fakes): ``publish_all(messages)`` returns once every message is
    confirmed, ``lrs.enqueue_events(events)`` queues their xAPI statements."""

    def __init__(self, store, publish_all, lrs):
        self.store, self.publish_all, self.lrs = store, publish_all, lrs

    def relay(self, envelopes):
        events = [_Event.of(envelope) for envelope in envelopes]
        self.publish_all([{"body": e.body.encode(), "exchange": routing.EXCHANGE,
                           "routing_key": routing.routing_key(e.type, e.tenant_id), "message_id": e.id,
                           "type": e.type, "content_type": "application/json", "content_encoding": "utf-8"}
                          for e in events])
        subscribers = self.store.active_subscribers("webhook")
        self.store.insert_deliveries([self.store.delivery_doc(s["_id"], e.id, e.type, e.tenant, e.body)
                                      for e in events for s in subscribers if domain.wants(s, e.type, e.tenant)])
        self.lrs.enqueue_events([(e.type, e.id, e.tenant, e.body) for e in events], self.store.logged_among)
        self.store.log_events([self.store.log_doc(e.id, e.type, e.tenant, e.occurred_at, e.body) for e in events])


class _Event(typing.NamedTuple):
    type: str
    id: str
    tenant_id: str  # None for the platform's own events
    tenant: str  # the tenant's key: its id, or "platform"
    occurred_at: object
    body: str  # the wire body, as agencies receive it

    @classmethod
    def of(cls, envelope):
        event_type = _TYPES[envelope["type"]]
        return cls(event_type.type, str(envelope["event_id"]), envelope["tenant_id"],
                   routing.tenant_key(envelope["tenant_id"]), envelope["occurred_at"],
                   domain.wire_body(event_type, envelope))


_TYPES = {t.type: t for t in public_event_types()}


def handler_queue(event_type):
    """The queue nameko declared for the former ``relay_<type>`` handler of ``event_type``."""
    return queue_retirement.handler_queue(event_type, "integrations", "relay_" + event_type.type.replace(".", "_"))


class EventRelay(BatchConsumer):
    """Runs the relay loop for the service's lifetime (``BatchConsumer``); declares the
    integration exchange at start."""
    name = QUEUE
    max_setting, default_max = "RELAY_MAX_EVENTS", DEFAULT_MAX_EVENTS
    linger_setting, default_linger = "RELAY_LINGER_SECONDS", DEFAULT_LINGER_SECONDS
    replaces = tuple((t, handler_queue(t)) for t in public_event_types())

    def make_batches(self, config, max_messages):
        db = service_database(config, self.container.service_name)
        self.exchange = IntegrationExchange(config[AMQP_URI_CONFIG_KEY])
        self.relay = Relay(IntegrationsStore(db), self.exchange.publish_all,
                           StatementOutbox(LrsStore(db), LrsSettings.from_config(config).public_base_url))
        return EventBatches(config, self.container.service_name, QUEUE, public_event_types(),
                            prefetch=2 * max_messages, single_active_consumer=False)

    def apply(self, envelopes):
        self.relay.relay(envelopes)

    def declare(self):
        self.exchange.declare()  # agencies bind to it: it exists before the first event
        super().declare()

    def close(self):
        self.exchange.close()

