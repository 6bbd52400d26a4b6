"""Consuming messages in batches from one queue, for a writer that applies many messages
per store round trip (the reports projector, the integrations relay, progress's activity
ingestion). A nameko handler costs a worker, a store write and an ack per message; this costs
one of each per batch. ``BatchConsumer`` (batch_consumer.py) runs the loop in a service.

``MessageBatches`` consumes one durable queue with a ``parse`` function (a body -> the item
handed out; ``ValidationError`` = malformed), with the same retry and dead-letter queues as
the per-message handlers (``FailurePolicy``). ``EventBatches`` is the one for events: its
queue is bound to each given event type (the producer's ``<producer>.events`` exchange,
routing key = type) and it hands out loaded envelopes. Its owner calls, in one loop:
- ``next_batch(max_messages, linger, wait)``: the next messages, as (message, envelope)
  pairs: consumed until ``max_messages`` are buffered or ``linger`` seconds passed once the
  first came (or ``wait`` seconds passed with none);
  a malformed or undecodable message (not JSON, another content type) is dead-lettered on
  the spot and never handed out;
- ``process(batch, apply)``: ``apply(envelopes)``, then ack the batch. If ``apply`` raises,
  every message goes to the retry queue (then dead-letter), and comes back in a batch of its
  own, so that one poison message is isolated instead of failing its neighbours forever;
  except when it raises an outage (the broker or the store away, ``outages.is_outage``): the
  batch is then given back whole (``BatchGivenBack``; the loop pauses and the broker delivers
  it again as a batch), up to ``OUTAGE_GIVE_BACKS`` times in a row.
  ``apply`` may also return ``{position in the batch: exc_info}``: only those messages go to
  their retry queue, the others are acked (an activity whose enrollment is not known yet);
- ``pause()``: stop consuming (e.g. the writer role was lost); unacked messages go back to
  the queue for the next consumer.

While consuming, a pump greenthread receives and parses messages (up to the prefetch) while
the owner applies the previous batch, so a backlog is taken in large batches and parsing
overlaps the store's work. The pump is the only user of the AMQP connection: acks and
requeues are queued to it (two greenthreads writing frames on one socket could interleave
them).

By default the queue has ``x-single-active-consumer``, so the broker never delivers to two consumers at
once even if two processes believe they are the writer. Delivery is at least once: ``apply``
must be idempotent (a crash after its effects and before the ack redelivers the batch).
"""
import logging
import socket
import sys
import time

import eventlet
from kombu import Connection, Consumer, Queue, binding
from marshmallow import ValidationError
from nameko.constants import AMQP_URI_CONFIG_KEY
from nameko.standalone.events import get_event_exchange

from opentelemetry import trace

from . import logs, metrics, tracing
from .events import ATTEMPTS_HEADER, FailurePolicy, PermanentEventError
from .outages import is_outage

log = logging.getLogger(__name__)

HEARTBEAT_SECONDS = 60
# A batch that fails because the broker or the store is away is given back whole (the loop
# pauses; the broker delivers it again as a batch) this many times in a row; after that its
# messages go one by one through their retry queues (so that a batch too big for the store's
# timeout, say, still gets through).
OUTAGE_GIVE_BACKS = 3
POLL_SECONDS = 0.02  # how often the pump settles queued acks when no message comes


class BatchGivenBack(Exception):
    """The batch met an outage and was not settled: the caller pauses the consumer, so that the
    broker delivers its messages again (see ``OUTAGE_GIVE_BACKS``)."""


class MessageBatches:
    """Batches of ``parse(body)`` from the kombu ``queue`` (see the module docstring)."""

    def __init__(self, config, service_name, queue, parse, prefetch):
        self.amqp_uri = config[AMQP_URI_CONFIG_KEY]
        self.queue, self.parse = queue, parse
        self.failures = FailurePolicy(config, service_name, queue.name)
        self.service_name, self.queue_name = service_name, queue.name
        self.prefetch = prefetch
        self.conn = self.consumer = self.pump = None
        self.buffer, self.settlements = [], []
        self.outages_in_a_row = 0

    def declare(self):
        """Declare the queue, its bindings and its retry and dead-letter queues: call it at
        start-up, before traffic (an event published to an unbound exchange is lost)."""
        with Connection(self.amqp_uri) as conn:
            self.queue(conn.default_channel).declare()
            self.failures.declare(conn.default_channel)

    # ---- consuming ------------------------------------------------------------------------
    def next_batch(self, max_messages, linger, wait=1.0):
        """Up to ``max_messages`` (message, envelope) pairs; [] if none came within ``wait``."""
        self._consume()
        deadline = time.monotonic() + (linger if self.buffer else wait)
        while len(self.buffer) < max_messages and time.monotonic() < deadline:
            had_some = bool(self.buffer)
            eventlet.sleep(POLL_SECONDS)
            if self.pump is None:  # the connection broke
                raise ConnectionError("the event consumer lost its broker connection")
            if self.buffer and not had_some:
                deadline = min(deadline, time.monotonic() + linger)
        return self._take(max_messages)

    def _take(self, max_messages):
        """A retried message is handed out alone (see ``process``); others in order."""
        batch = []
        for item in self.buffer[:max_messages]:
            retried = int((item[0].headers or {}).get(ATTEMPTS_HEADER, 0)) > 0
            if retried and batch:
                break
            batch.append(item)
            if retried:
                break
        self.buffer = self.buffer[len(batch):]
        return batch

    def _consume(self):
        if self.conn is not None:
            return
        self.conn = Connection(self.amqp_uri, heartbeat=HEARTBEAT_SECONDS)
        self.consumer = Consumer(self.conn.channel(), queues=[self.queue], callbacks=[self._on_message],
                                 accept=["json"], prefetch_count=self.prefetch, auto_declare=False,
                                 on_decode_error=self._on_undecodable)
        self.consumer.consume()
        self.pump = eventlet.spawn(self._pump, self.conn, self.consumer.channel)

    def _pump(self, conn, channel):
        """Receive messages and carry out queued acks until paused (or the connection breaks)."""
        try:
            while self.conn is conn:
                self._settle(channel)
                try:
                    conn.drain_events(timeout=POLL_SECONDS)
                except socket.timeout:
                    pass
                conn.heartbeat_check()
                eventlet.sleep(0)  # parsing is CPU work: let the batch being applied go on
        except Exception:
            if self.conn is conn:
                log.exception("the event consumer connection broke")
                self.pump = None
        finally:
            if self.conn is not conn:  # paused: settle what was queued before the release
                self._settle(channel)

    def _settle(self, channel):
        """Carry out the queued acks of ``channel``'s deliveries. Those of an earlier channel
        (its connection broke or was released while their batch was being applied) are dropped:
        the broker delivers those messages again, and an ack on a closed channel would only
        break this connection in turn (each new connection then failing on the last one's acks,
        while its own prefetched batches were applied and never acked)."""
        settlements, self.settlements = self.settlements, []
        for message, settle in settlements:
            if message.channel is channel:
                settle()
            else:
                log.debug("dropped the settlement of a delivery on a closed channel (delivered again)")

    def _on_message(self, body, message):
        try:
            self.buffer.append((message, self.parse(body)))
        except ValidationError as exc:
            error = PermanentEventError(f"malformed message: {exc.messages}")
            self._fail(message, (PermanentEventError, error, None))

    def _on_undecodable(self, message, exc):
        """Not JSON, or a content type other than JSON: dead-lettered as it came. Without this
        the decode error breaks the pump, which reconnects and meets the same message again."""
        error = PermanentEventError(f"undecodable message ({message.content_type}): {exc}")
        self._fail(message, (PermanentEventError, error, None))

    def pause(self):
        """Stop consuming; the broker gives every unacked message back to the queue."""
        conn, pump = self.conn, self.pump
        self.conn = self.consumer = self.pump = None
        self.buffer = []
        if pump is not None:
            pump.wait()  # acks queued by finished batches go out first
        if conn is not None:
            try:
                conn.release()
            except Exception:  # already broken: nothing to give back politely
                log.debug("closing a broken consumer connection", exc_info=True)

    # ---- settling -------------------------------------------------------------------------
    def process(self, batch, apply):
        """``apply`` the batch's envelopes, then ack it; on failure retry / dead-letter each."""
        envelopes = [envelope for _, envelope in batch]
        started = time.perf_counter()
        # One log line per batch, with every correlation id (and tenant) in it: a grep by one id
        # finds its batch.
        logs.bind(**{key: ",".join(sorted({str(e.get(key)) for e in envelopes if e.get(key)})[:100]) or None
                     for key in ("correlation_id", "tenant_id")})
        metrics.EVENTS_CONSUMED.labels(self.service_name, self.queue_name).inc(len(batch))
        incomings = [tracing.from_amqp_headers(message.headers) for message, _ in batch]
        # One span per batch: child of its one message's sender, else linked to every sender.
        span = tracing.start(f"{self.service_name}.{self.queue_name} batch", incomings[0] if len(batch) == 1 else None,
                             kind=trace.SpanKind.CONSUMER, attributes={"mooc.events": len(batch)},
                             links=tracing.links(incomings))
        try:
            failed = apply(envelopes) or {}
        except Exception as exc:
            tracing.finish(*span, error=exc)
            try:
                self._fail_batch(batch, exc)
            finally:
                logs.clear()  # after the failure's log line: it carries the batch's ids
            return
        tracing.finish(*span)
        self.outages_in_a_row = 0
        elapsed = time.perf_counter() - started
        metrics.EVENT_DURATION.labels(self.service_name, self.queue_name).observe(elapsed)
        log.info("applied a batch of %d event(s) from %s (%d to retry)", len(batch), self.queue_name, len(failed),
                 extra={"events": len(batch), "duration_ms": round(elapsed * 1000, 2)})
        logs.clear()
        self._settle_applied(batch, failed)

    def _fail_batch(self, batch, exc):
        """The whole batch failed (called in the ``except`` of its apply): given back whole if it
        met an outage, else each message goes to its retry queue."""
        if is_outage(exc) and self.outages_in_a_row < OUTAGE_GIVE_BACKS:
            # Not the messages' fault: retried one by one (a retried message is handed out
            # alone) a batch of 100 would take 100 rounds once the outage is over.
            self.outages_in_a_row += 1
            raise BatchGivenBack(f"a batch of {len(batch)} event(s) met an outage: given back whole") from exc
        self.outages_in_a_row = 0
        metrics.EVENTS_FAILED.labels(self.service_name, self.queue_name).inc(len(batch))
        exc_info = (type(exc), exc, exc.__traceback__)
        log.error("a batch of %d event(s) failed; each goes to its retry queue", len(batch), exc_info=exc_info)
        for message, _ in batch:
            self._fail(message, exc_info)

    def _settle_applied(self, batch, failed):
        """Retry the messages ``failed`` ({position: exc_info}) singly, then ack the others."""
        if failed:
            metrics.EVENTS_FAILED.labels(self.service_name, self.queue_name).inc(len(failed))
            for position, exc_info in sorted(failed.items()):
                log.warning("message %d of a batch from %s failed: %s", position, self.queue_name, exc_info[1])
                self._fail(batch[position][0], exc_info)  # settled (republished, or requeued) first
        applied = [message for position, (message, _) in enumerate(batch) if position not in failed]
        if applied:  # with the last applied one, every earlier delivery not settled yet is acked
            last = applied[-1]
            self.settlements.append((last, lambda: last.ack(multiple=True)))

    def _fail(self, message, exc_info):
        try:
            self.failures.republish(message, exc_info)
        except Exception:  # the broker refused the republish: keep the original
            log.exception("could not republish a failed event; requeueing it")
            self.settlements.append((message, message.requeue))
        else:
            self.settlements.append((message, message.ack))


class EventBatches(MessageBatches):
    """Batches of loaded envelopes of ``event_types`` from a queue bound to each of them."""

    def __init__(self, config, service_name, queue_name, event_types, prefetch, single_active_consumer=True):
        self.types = {t.type: t for t in event_types}
        # Without single-active-consumer, replicas share the queue (their ``apply`` must then
        # tolerate running beside each other, as the integrations relay's does).
        arguments = {"x-single-active-consumer": True} if single_active_consumer else {}
        queue = Queue(queue_name, durable=True, queue_arguments=arguments,
                      bindings=[binding(get_event_exchange(t.producer, config), routing_key=t.type)
                                for t in event_types])
        super().__init__(config, service_name, queue, self._parse_event, prefetch)

    def _parse_event(self, body):
        event_type = self.types.get(body.get("type") if isinstance(body, dict) else None)
        if event_type is None:
            raise ValidationError({"type": ["not an event type this queue consumes"]})
        return event_type.parse(body)
