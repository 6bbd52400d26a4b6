"""Publishing events in the common envelope, and handling them reliably.

Publishing: ``EventPublisher`` is nameko's EventDispatcher (durable topic exchange
``<service>.events``, persistent messages, publisher confirms) that validates the payload
against the declared ``EventType`` and wraps it in the envelope.

Handling: ``on_event(EVENT_TYPE)`` declares a handler that
- loads and validates the envelope and payload (a malformed event is dead-lettered at once);
- applies each event id once per handler (claim, apply, mark done; see ProcessedEvents);
- on an exception, republishes the message to a per-handler retry queue whose TTL brings it
  back after ``EVENT_RETRY_DELAY_MS``; after ``EVENT_MAX_ATTEMPTS`` attempts it goes to the
  service's dead-letter queue ``dead-letter.<service>`` with the error, for an operator to
  inspect and replay (``scripts/dead_letters.py``). The original is acked only once the
  republish is confirmed, so nothing is lost; if even that fails it is requeued.
"""
import functools
import logging
import traceback

from kombu import Connection, Exchange, Queue
from marshmallow import ValidationError
from nameko.amqp.publish import Publisher as AmqpPublisher
from nameko.constants import AMQP_URI_CONFIG_KEY
from nameko.events import EventDispatcher, EventHandler
from nameko.messaging import Consumer

from . import logs
from .metrics import EVENTS_DEAD_LETTERED, EVENTS_RETRIED
from .store import ProcessedEvents

log = logging.getLogger(__name__)

ATTEMPTS_HEADER = "x-mooc-attempts"
DEFAULT_MAX_ATTEMPTS = 5
DEFAULT_RETRY_DELAY_MS = 2000


def dead_letter_queue_name(service_name):
    return f"dead-letter.{service_name}"


class EventPublisher(EventDispatcher):
    """Inject ``publish(event_type, payload, tenant_id, event_id=None)``."""

    def get_dependency(self, worker_ctx):
        dispatch = super().get_dependency(worker_ctx)
        service_name = self.container.service_name
        correlation_id = worker_ctx.context_data.get("correlation_id") or worker_ctx.call_id

        def publish(event_type, payload, tenant_id, event_id=None):
            if event_type.producer != service_name:
                raise ValueError(f"{service_name} cannot publish {event_type.type}")
            envelope = event_type.build(payload, tenant_id, correlation_id=correlation_id,
                                        event_id=event_id)
            dispatch(event_type.type, envelope)
            return envelope
        return publish


class PermanentEventError(Exception):
    """Retrying cannot help (malformed event): dead-letter at once."""


class EventInFlight(Exception):
    """A duplicate of an event that another worker is applying right now: retry later."""


class FailurePolicy:
    """Bounded, delayed retries, then dead-letter, for the messages of one queue.

    A failed message is republished (confirmed) to ``<queue>.retry``, whose TTL dead-letters
    it back to ``<queue>`` after ``EVENT_RETRY_DELAY_MS``; at ``EVENT_MAX_ATTEMPTS`` attempts,
    or at once for a ``PermanentEventError``, it goes to ``dead-letter.<service>`` with the
    error. The caller acks the original only after ``republish`` returned.
    """

    def __init__(self, config, service_name, queue_name):
        self.queue_name, self.service_name = queue_name, service_name
        self.max_attempts = int(config.get("EVENT_MAX_ATTEMPTS") or DEFAULT_MAX_ATTEMPTS)
        retry_delay = int(config.get("EVENT_RETRY_DELAY_MS") or DEFAULT_RETRY_DELAY_MS)
        self.retry_queue = Queue(
            f"{queue_name}.retry", exchange=Exchange(""), routing_key=f"{queue_name}.retry",
            durable=True, queue_arguments={
                "x-message-ttl": retry_delay,
                "x-dead-letter-exchange": "",
                "x-dead-letter-routing-key": queue_name,
            })
        self.dead_letter_queue = Queue(
            dead_letter_queue_name(service_name), exchange=Exchange(""),
            routing_key=dead_letter_queue_name(service_name), durable=True)
        self.republisher = AmqpPublisher(config[AMQP_URI_CONFIG_KEY], use_confirms=True)

    def declare(self, channel):
        # Declared up front so that operators see (and monitor) them before any failure.
        for queue in (self.retry_queue, self.dead_letter_queue):
            queue(channel).declare()

    def republish(self, message, exc_info):
        """Send a failed ``message`` (a kombu Message) to the retry or the dead-letter queue."""
        headers = dict(message.headers or {})
        attempts = int(headers.get(ATTEMPTS_HEADER, 0)) + 1
        headers[ATTEMPTS_HEADER] = attempts
        permanent = issubclass(exc_info[0], PermanentEventError)
        if permanent or attempts >= self.max_attempts:
            headers.update({
                "x-mooc-original-queue": self.queue_name,
                "x-mooc-error": "".join(traceback.format_exception_only(*exc_info[:2]))[-2000:],
            })
            target = self.dead_letter_queue
            log.error("message dead-lettered after %d attempt(s) in %s", attempts, self.queue_name)
            EVENTS_DEAD_LETTERED.labels(self.service_name, self.queue_name).inc()
        else:
            target = self.retry_queue
            log.warning("message failed (attempt %d) in %s: retried later", attempts, self.queue_name)
            EVENTS_RETRIED.labels(self.service_name, self.queue_name).inc()
        self.republisher.publish(
            message.payload, exchange=target.exchange, routing_key=target.routing_key,
            headers=headers, declare=[target])


class RetryThenDeadLetter:
    """Failure policy for a nameko Consumer: bounded, delayed retries, then dead-letter."""

    def setup(self):
        super().setup()
        self.failures = FailurePolicy(self.container.config, self.container.service_name, self.queue.name)

    def start(self):
        with Connection(self.container.config[AMQP_URI_CONFIG_KEY]) as conn:
            self.failures.declare(conn.default_channel)
        super().start()

    def handle_message_processed(self, message, result=None, exc_info=None):
        if exc_info is None:
            self.queue_consumer.ack_message(message)
            return
        try:
            self.failures.republish(message, exc_info)
        except Exception:  # the broker refused the republish: keep the original
            log.exception("could not republish failed event; requeueing it")
            self.queue_consumer.requeue_message(message)
        else:
            self.queue_consumer.ack_message(message)


class ReliableEventHandler(RetryThenDeadLetter, EventHandler):
    def __init__(self, event_type, **kwargs):
        super().__init__(event_type.producer, event_type.type, **kwargs)


class ReliableConsumer(RetryThenDeadLetter, Consumer):
    """``@reliable_consume(queue)``: a queue consumer with the same failure policy."""


reliable_consume = ReliableConsumer.decorator


def on_event(event_type, idempotent=False, **kwargs):
    """Declare ``method(self, envelope)`` as the reliable, idempotent handler of ``event_type``.

    The service needs ``processed_events = Store(ProcessedEvents)``. The handler gets the
    loaded envelope (``payload`` loaded by the type's schema). The queue is named after the
    method: renaming the method orphans its queue, so don't.

    ``idempotent=True`` skips the claims, for a handler whose only effect is itself keyed by
    the event id (e.g. one insert with ``_id`` = event id): it saves two writes per event.
    """
    def decorator(method):
        @functools.wraps(method)
        def handle(self, body):
            try:
                envelope = event_type.parse(body)
            except ValidationError as exc:
                raise PermanentEventError(f"malformed {event_type.type}: {exc.messages}") from exc
            logs.bind(event_id=envelope["event_id"], event_type=event_type.type, tenant_id=envelope["tenant_id"],
                      correlation_id=envelope.get("correlation_id"))
            log.info("handling %s in %s", event_type.type, method.__name__)
            if idempotent:
                return method(self, envelope)
            event_id, processed = str(envelope["event_id"]), self.processed_events
            claim = processed.claim(method.__name__, event_id, event_type.type)
            if claim == processed.DONE:
                return None
            if claim == processed.IN_FLIGHT:
                raise EventInFlight(f"{event_type.type} {event_id} is being handled by another worker")
            try:
                result = method(self, envelope)
            except BaseException:
                processed.release(method.__name__, event_id)
                raise
            processed.complete(method.__name__, event_id)
            return result
        return ReliableEventHandler.decorator(event_type, **kwargs)(handle)
    return decorator
