"""Publishes learner activity to RabbitMQ and returns only once the broker confirmed it.

The message is persistent, on a durable exchange bound to a durable queue, published with
``mandatory`` so that an unroutable message is an error rather than silently dropped. When
the broker is down the publish fails fast and the resource answers 503: a client that got a
202 knows its activity is safely queued.

The request threads of a gateway process share one confirm-mode channel
(``mooc_common.infra.confirms.SharedConfirms``): each request writes its own message and waits
for ITS confirm, and one read of the broker's (``multiple``) ack settles every request whose
message the same disk flush covered. Measured in issue 15 (docs/performance.md): fewer
system calls and broker work per request than a connection per thread with a synchronous
confirm each.
"""
import json

from kombu import Exchange, Queue

from mooc_common.contracts import activities as contract
from mooc_common.infra import tracing
from mooc_common.infra.confirms import SharedConfirms

from .errors import ServiceUnavailable

EXCHANGE = Exchange(contract.INGEST_EXCHANGE, type="direct", durable=True)
QUEUE = Queue(contract.INGEST_QUEUE, exchange=EXCHANGE, routing_key=contract.INGEST_ROUTING_KEY,
              durable=True)
CONFIRM_TIMEOUT_SECONDS = 10.0


class ActivityPublisher:
    def __init__(self, amqp_uri, connect_timeout=2.0):
        self.confirms = SharedConfirms(amqp_uri, declare=(QUEUE,), connect_timeout=connect_timeout,
                                       timeout=CONFIRM_TIMEOUT_SECONDS)

    def publish(self, message):
        # The ids as nameko context headers: progress's worker logs them, and the events it
        # publishes carry the correlation id on.
        headers = {f"nameko.{key}": message[key] for key in ("correlation_id", "tenant_id") if message.get(key)}
        headers.update({f"nameko.{key}": value for key, value in tracing.carrier().items()})
        try:
            self.confirms.publish(json.dumps(message).encode(), EXCHANGE.name, contract.INGEST_ROUTING_KEY,
                                  mandatory=True, headers=headers, content_type="application/json",
                                  content_encoding="utf-8")
        except Exception as exc:
            raise ServiceUnavailable("Activity could not be queued: the message broker is unavailable.") from exc

    def ping(self):
        try:
            self.confirms.channel()
            return True
        except Exception:
            return False
