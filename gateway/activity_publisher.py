"""Publishes learner activity to RabbitMQ and returns only once the broker confirmed it.

The message is persistent, on a durable exchange bound to a durable queue, published with
``mandatory`` so that an unroutable message is an error rather than silently dropped. When
the broker is down the publish fails fast and the resource answers 503: a client that got a
202 knows its activity is safely queued.
"""
import threading

from kombu import Connection, Exchange, Queue

from mooc_common.contracts import activities as contract
from mooc_common.infra import tracing

from .errors import ServiceUnavailable

EXCHANGE = Exchange(contract.INGEST_EXCHANGE, type="direct", durable=True)
QUEUE = Queue(contract.INGEST_QUEUE, exchange=EXCHANGE, routing_key=contract.INGEST_ROUTING_KEY,
              durable=True)


class ActivityPublisher:
    def __init__(self, amqp_uri, connect_timeout=2.0):
        self.amqp_uri = amqp_uri
        self.connect_timeout = connect_timeout
        self._local = threading.local()

    def _producer(self):
        producer = getattr(self._local, "producer", None)
        if producer is None:
            connection = Connection(self.amqp_uri, connect_timeout=self.connect_timeout,
                                    transport_options={"confirm_publish": True})
            connection.ensure_connection(max_retries=1)
            producer = connection.Producer(serializer="json")
            QUEUE(producer.channel).declare()
            self._local.producer = producer
        return producer

    def _reset(self):
        producer = getattr(self._local, "producer", None)
        self._local.producer = None
        if producer is not None:
            try:
                producer.connection.close()
            except Exception:
                pass

    def publish(self, message):
        try:
            producer = self._producer()
            # confirm_publish makes publish() block until the broker's ack (or raise on nack).
            # The ids as nameko context headers: progress's worker logs them, and the events it
            # publishes carry the correlation id on.
            headers = {f"nameko.{key}": message[key] for key in ("correlation_id", "tenant_id") if message.get(key)}
            headers.update({f"nameko.{key}": value for key, value in tracing.carrier().items()})
            producer.publish(message, exchange=EXCHANGE, routing_key=contract.INGEST_ROUTING_KEY,
                             delivery_mode=2, mandatory=True, retry=False, headers=headers)
        except Exception as exc:
            self._reset()
            raise ServiceUnavailable("Activity could not be queued: the message broker is unavailable.") from exc

    def ping(self):
        try:
            self._producer()
            return True
        except Exception:
            self._reset()
            return False
