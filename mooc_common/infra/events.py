"""Publishing events in the common envelope, and handling them reliably.

Publishing: ``EventPublisher`` is nameko's EventDispatcher (durable topic exchange
``<service>.events``, persistent messages, publisher confirms) that validates the payload
against the declared ``EventType`` and wraps it in the envelope.

Handling: ``on_event(EVENT_TYPE)`` declares a handler that
- loads and validates the envelope and payload (a malformed event is dead-lettered at once);
- applies each event id once per handler (claim, apply, mark done; see ProcessedEvents);
- on an exception, republishes the message to a per-handler retry queue whose TTL brings it
  back after a delay that doubles at each attempt (``FailurePolicy``). A failure caused by an
  outage of the store or the broker, or by a claim still in flight, is retried for 15 minutes;
  one of the message's own after ``EVENT_MAX_ATTEMPTS`` attempts (or at once if malformed or
  undecodable) goes to the service's dead-letter queue ``dead-letter.<service>`` with the
  error, for an operator to inspect and replay (``scripts/dead_letters.py``). The original is
  acked only once the republish is confirmed, so nothing is lost; if even that fails it is
  requeued.
"""
import functools
import logging
import time
import traceback

from kombu import Connection, Exchange, Queue
from marshmallow import ValidationError
from nameko.amqp.publish import Publisher as AmqpPublisher
from nameko.constants import AMQP_URI_CONFIG_KEY
from nameko.events import EventDispatcher, EventHandler
from nameko.messaging import Consumer, QueueConsumer

from . import logs
from .metrics import EVENTS_DEAD_LETTERED, EVENTS_RETRIED
from .outages import is_outage
from .store import ProcessedEvents

log = logging.getLogger(__name__)

ATTEMPTS_HEADER = "x-mooc-attempts"
FIRST_FAILURE_HEADER = "x-mooc-first-failure"  # epoch seconds of the message's first failure
OWN_FAILURES_HEADER = "x-mooc-own-failures"  # failures that were not outages
DEFAULT_MAX_ATTEMPTS = 5
DEFAULT_RETRY_DELAY_MS = 2000
DEFAULT_RETRY_MAX_DELAY_MS = 10_000  # after an outage, everything is retried within 10 s
DEFAULT_OUTAGE_RETRY_SECONDS = 15 * 60


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


class TransientEventError(Exception):
    """Fails because of something outside the message that will pass (a claim in flight, an
    event this one depends on not arrived yet): retried for the outage window, never counted
    against ``EVENT_MAX_ATTEMPTS``."""


class EventInFlight(TransientEventError):
    """A duplicate of an event that another worker is applying right now: retry later."""


class FailurePolicy:
    """Delayed retries with exponential backoff, then dead-letter, for the messages of one queue.

    A failed message is republished (confirmed, as it came: same body, content type and
    encoding) to a retry queue whose TTL dead-letters it back to ``<queue>`` after the delay:
    ``EVENT_RETRY_DELAY_MS`` doubled at each attempt up to ``EVENT_RETRY_MAX_DELAY_MS`` (one
    queue per delay, ``<queue>.retry.<ms>ms``: a per-queue TTL, because per-message TTLs only
    expire at the head of a queue).

    Where it ends depends on why it failed:
    - ``PermanentEventError`` (malformed, undecodable): dead-lettered at once;
    - an outage (``is_outage``) or a ``TransientEventError``: retried until
      ``EVENT_OUTAGE_RETRY_SECONDS`` (15 min) passed since its first failure, so that a
      broker or store outage of up to 10 minutes dead-letters nothing; a claim left in flight
      by a crash is retried at the base delay, to be taken over soon after it goes stale;
    - anything else (the message fails for a reason of its own): dead-lettered after
      ``EVENT_MAX_ATTEMPTS`` attempts.
    Dead letters go to ``dead-letter.<service>`` with the error and the original queue in
    headers, and are counted in the log. The caller acks the original only after
    ``republish`` returned.
    """

    def __init__(self, config, service_name, queue_name):
        self.queue_name, self.service_name = queue_name, service_name
        self.max_attempts = int(config.get("EVENT_MAX_ATTEMPTS") or DEFAULT_MAX_ATTEMPTS)
        self.base_delay = int(config.get("EVENT_RETRY_DELAY_MS") or DEFAULT_RETRY_DELAY_MS)
        self.max_delay = max(self.base_delay,
                             int(config.get("EVENT_RETRY_MAX_DELAY_MS") or DEFAULT_RETRY_MAX_DELAY_MS))
        self.outage_window = float(config.get("EVENT_OUTAGE_RETRY_SECONDS") or DEFAULT_OUTAGE_RETRY_SECONDS)
        self.dead_letter_queue = Queue(
            dead_letter_queue_name(service_name), exchange=Exchange(""),
            routing_key=dead_letter_queue_name(service_name), durable=True)
        self.republisher = AmqpPublisher(config[AMQP_URI_CONFIG_KEY], use_confirms=True)
        self.dead_lettered = 0

    def retry_queue(self, delay_ms):
        name = f"{self.queue_name}.retry.{delay_ms}ms"
        return Queue(name, exchange=Exchange(""), routing_key=name, durable=True, queue_arguments={
            "x-message-ttl": delay_ms, "x-dead-letter-exchange": "",
            "x-dead-letter-routing-key": self.queue_name})

    def delay_ms(self, attempts):
        return min(self.max_delay, self.base_delay * 2 ** min(attempts - 1, 30))

    def declare(self, channel):
        # Declared up front so that operators see (and monitor) them before any failure; the
        # longer retry delays are declared on first use.
        for queue in (self.retry_queue(self.base_delay), self.dead_letter_queue):
            queue(channel).declare()

    def decide(self, headers, exc_info, now=None):
        """``(target queue, headers)`` for a message with ``headers`` that failed with ``exc_info``."""
        now = time.time() if now is None else now
        headers = dict(headers or {})
        attempts = int(headers.get(ATTEMPTS_HEADER, 0)) + 1
        headers[ATTEMPTS_HEADER] = attempts
        first_failure = float(headers.setdefault(FIRST_FAILURE_HEADER, now))
        exc = exc_info[1]
        if issubclass(exc_info[0], PermanentEventError):
            dead = True
        elif isinstance(exc, TransientEventError) or is_outage(exc):
            dead = now - first_failure >= self.outage_window
        else:
            headers[OWN_FAILURES_HEADER] = own = int(headers.get(OWN_FAILURES_HEADER, 0)) + 1
            dead = own >= self.max_attempts
        if dead:
            headers.update({
                "x-mooc-original-queue": self.queue_name,
                "x-mooc-error": "".join(traceback.format_exception_only(*exc_info[:2]))[-2000:],
            })
            return self.dead_letter_queue, headers
        if isinstance(exc, EventInFlight):
            return self.retry_queue(self.base_delay), headers
        return self.retry_queue(self.delay_ms(attempts)), headers

    def republish(self, message, exc_info):
        """Send a failed ``message`` (a kombu Message) to a retry or the dead-letter queue."""
        target, headers = self.decide(message.headers, exc_info)
        if target is self.dead_letter_queue:
            self.dead_lettered += 1
            EVENTS_DEAD_LETTERED.labels(self.service_name, self.queue_name).inc()
            log.error("message dead-lettered after %d attempt(s) in %s (%d dead letter(s) from this "
                      "queue since start): %s", headers[ATTEMPTS_HEADER], self.queue_name,
                      self.dead_lettered, headers["x-mooc-error"].strip())
        else:
            EVENTS_RETRIED.labels(self.service_name, self.queue_name).inc()
            log.warning("message failed (attempt %d) in %s: retried later", headers[ATTEMPTS_HEADER],
                        self.queue_name)
        # The raw body as it came: an undecodable message is kept for inspection as it was.
        self.republisher.publish(
            message.body, exchange=target.exchange, routing_key=target.routing_key,
            headers=headers, declare=[target],
            content_type=message.content_type or "application/octet-stream",
            content_encoding=message.content_encoding or "binary")


class DeadLetteringQueueConsumer(QueueConsumer):
    """nameko's queue consumer, except that a message it cannot decode (not JSON, a content
    type it does not accept) is dead-lettered by its provider's policy instead of raising in
    the consumer loop, where it would stop every consumer of the service, then come back."""

    def get_consumers(self, consumer_cls, channel):
        consumers = super().get_consumers(consumer_cls, channel)
        for provider, consumer in self._consumers.items():
            consumer.on_decode_error = functools.partial(self._undecodable, provider)
        return consumers

    def _undecodable(self, provider, message, exc):
        error = PermanentEventError(f"undecodable message ({message.content_type}): {exc}")
        provider.handle_message_processed(message, exc_info=(PermanentEventError, error, None))


class RetryThenDeadLetter:
    """Failure policy for a nameko Consumer: delayed retries, then dead-letter (FailurePolicy)."""
    queue_consumer = DeadLetteringQueueConsumer()

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
                with processed.kept_alive(method.__name__, event_id):
                    result = method(self, envelope)
            except BaseException:
                processed.release(method.__name__, event_id)
                raise
            processed.complete(method.__name__, event_id)
            return result
        return ReliableEventHandler.decorator(event_type, **kwargs)(handle)
    return decorator
