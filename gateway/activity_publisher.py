"""Publishes learner activity to RabbitMQ and returns only once the broker confirmed it.

The message is persistent, on a durable exchange bound to a durable queue, published with
``mandatory`` so that an unroutable message is an error rather than silently dropped. When
the broker is down the publish fails fast and the resource answers 503: a client that got a
202 knows its activity is safely queued.

Confirms are pipelined across concurrent requests: one publishing thread per gateway process
owns the connection; request threads hand it their message and wait. The thread writes every
message handed over since its last round, then waits for their confirms together (the
broker confirms a whole disk flush at once), and wakes each request with ITS message's
outcome. A request thus costs one shared round trip instead of one of its own, and the
broker sees one connection per process instead of one per thread (docs/performance.md).
"""
import os
import queue
import threading

from kombu.utils.json import dumps

from kombu import Exchange, Queue

from mooc_common.contracts import activities as contract
from mooc_common.infra import tracing
from mooc_common.infra.confirms import ConfirmedChannel

from .errors import ServiceUnavailable

EXCHANGE = Exchange(contract.INGEST_EXCHANGE, type="direct", durable=True)
QUEUE = Queue(contract.INGEST_QUEUE, exchange=EXCHANGE, routing_key=contract.INGEST_ROUTING_KEY,
              durable=True)
MAX_ROUND = 1000  # messages written before their confirms are awaited together


class _Handover:
    """One request's message and, once the publishing thread settled it, its outcome."""
    __slots__ = ("body", "headers", "settled", "error")

    def __init__(self, body, headers):
        self.body, self.headers = body, headers
        self.settled, self.error = threading.Event(), None

    def settle(self, error):
        if not self.settled.is_set():  # the first outcome counts (a later failure of the round does not)
            self.error = error
            self.settled.set()


class ActivityPublisher:
    def __init__(self, amqp_uri, connect_timeout=2.0, confirm_timeout=10.0):
        self.amqp_uri = amqp_uri
        self.connect_timeout, self.confirm_timeout = connect_timeout, confirm_timeout
        self._handovers = queue.Queue()
        self._thread, self._pid = None, None
        self.channel = None  # the publishing thread's own
        self._lock = threading.Lock()

    def publish(self, message):
        # The ids as nameko context headers: progress's worker logs them, and the events it
        # publishes carry the correlation id on (the trace context is this request thread's).
        headers = {f"nameko.{key}": message[key] for key in ("correlation_id", "tenant_id") if message.get(key)}
        headers.update({f"nameko.{key}": value for key, value in tracing.carrier().items()})
        error = self._submit(_Handover(dumps(message).encode(), headers))
        if error is not None:
            raise ServiceUnavailable("Activity could not be queued: the message broker is unavailable.") from error

    def ping(self):
        return self._submit(_Handover(None, None)) is None

    def _submit(self, handover):
        self._started()
        self._handovers.put(handover)
        # bounded: a thread stuck on a dead socket still lets the request answer 503
        if not handover.settled.wait(2 * self.connect_timeout + self.confirm_timeout + 1):
            return TimeoutError("the broker did not confirm in time")
        return handover.error

    def _started(self):
        if self._pid == os.getpid() and self._thread.is_alive():
            return
        with self._lock:  # one thread per process (a forked worker starts its own)
            if self._pid != os.getpid() or not self._thread.is_alive():
                self._thread = threading.Thread(target=self._run, name="activity-publisher", daemon=True)
                self._thread.start()
                self._pid = os.getpid()

    # -- the publishing thread ---------------------------------------------------------------
    def _run(self):
        self.channel = None
        while True:
            round_ = [self._handovers.get()]
            while len(round_) < MAX_ROUND:
                try:
                    round_.append(self._handovers.get_nowait())
                except queue.Empty:
                    break
            # A connection left idle may have died unnoticed: a round that fails on an old
            # connection is sent again once on a new one (duplicates count once: activity ids).
            for last_try in (self.channel is None, True):
                try:
                    if self.channel is None:
                        self.channel = ConfirmedChannel(self.amqp_uri, connect_timeout=self.connect_timeout)
                        self.channel.declare(QUEUE)
                    self._publish_round(self.channel, round_)
                    break
                except Exception as exc:
                    if self.channel is not None:
                        self.channel.pending.clear()  # their handovers are settled below, or sent again
                        self.channel.close()
                        self.channel = None
                    round_ = [h for h in round_ if not h.settled.is_set()]
                    if last_try:
                        for handover in round_:
                            handover.settle(exc)
                        break

    def _publish_round(self, channel, round_):
        for handover in round_:
            if handover.body is None:  # a ping: the connection is there
                handover.settle(None)
                continue
            channel.publish(handover.body, exchange=EXCHANGE, routing_key=contract.INGEST_ROUTING_KEY,
                            on_done=handover.settle, mandatory=True, headers=handover.headers,
                            content_type="application/json", content_encoding="utf-8")
        channel.wait(self.confirm_timeout)
