"""The one loop that consumes a queue in batches inside a service (the reports projector, the
integrations relay, progress's activity ingestion): each of them states only how its batches
are made (``make_batches``) and what a batch does (``apply``).

A ``BatchConsumer`` is a nameko DependencyProvider used for its lifecycle only (it injects
nothing into workers): at start it declares its queues (before any traffic: a message sent
to an unbound exchange is lost) and spawns the loop; the loop takes the next batch
(``MessageBatches.next_batch``: up to ``max_messages``, ``linger`` seconds to fill once one
came) and processes it (``MessageBatches.process``: apply, then ack; retry then dead-letter
on failure). An error of the loop itself (the broker or the store away) gives the unacked
messages back, waits ``IDLE_SECONDS`` and starts again. ``stop`` lets the batch in hand
finish and be acked; ``kill`` abandons it (the broker delivers it again).
"""
import logging

import eventlet
from nameko.constants import AMQP_URI_CONFIG_KEY
from nameko.extensions import DependencyProvider

from . import queue_retirement
from .event_batches import EventBatches
from .store import prepare_database, service_database

log = logging.getLogger(__name__)

IDLE_SECONDS = 1.0  # pause after an error (the broker or the store away)


class BatchConsumer(DependencyProvider):
    """Subclasses set ``name`` (the loop's name in logs), the settings of their batch size
    and linger (``max_setting``/``default_max``, ``linger_setting``/``default_linger``), and
    implement ``make_batches(config, max_messages)`` and ``apply(items)``."""
    name = "batch consumer"
    max_setting, default_max = None, 500
    linger_setting, default_linger = None, 0.02
    # (event type, queue) of the per-event nameko handlers this consumer replaced: what waits in
    # them is moved to its queue at start, and they are deleted (queue_retirement.py)
    replaces = ()

    def setup(self):
        config = self.container.config
        self.max_messages = int(config.get(self.max_setting) or self.default_max)
        self.linger = float(config.get(self.linger_setting) or self.default_linger)
        self.batches = self.make_batches(config, self.max_messages)
        self.running, self.thread = False, None

    def make_batches(self, config, max_messages):
        """The ``MessageBatches`` this loop consumes."""
        raise NotImplementedError

    def apply(self, items):
        """Apply a batch of parsed messages (see ``MessageBatches.process``)."""
        raise NotImplementedError

    def declare(self):
        self.batches.declare()
        if self.replaces:
            delays = {self.batches.failures.delay_ms(attempt) for attempt in range(1, 32)}
            queue_retirement.retire_handler_queues(self.container.config[AMQP_URI_CONFIG_KEY], self.replaces,
                                                   self.batches.queue.name, delays)

    def close(self):
        """Release what ``apply`` holds (a publishing channel) when the loop ends."""

    def start(self):
        self.declare()
        self.running = True
        self.thread = self.container.spawn_managed_thread(self._loop, identifier=self.name)

    def stop(self):
        self.running = False
        if self.thread is not None:
            self.thread.wait()  # the batch in hand is finished and acked, not abandoned
        self.batches.pause()
        self.close()

    def kill(self):
        self.running = False
        self.batches.pause()
        self.close()

    def get_dependency(self, worker_ctx):
        return None

    def _loop(self):
        while self.running:  # every idle path of a step sleeps (next_batch waits for messages)
            try:
                self.step()
            except Exception:
                log.exception("the %s loop failed; retrying in %.0f s", self.name, IDLE_SECONDS)
                self.batches.pause()
                eventlet.sleep(IDLE_SECONDS)

    def step(self):
        batch = self.batches.next_batch(self.max_messages, self.linger)
        if batch:
            self.batches.process(batch, self.apply)


class StoreEventConsumer(BatchConsumer):
    """A batch consumer of events whose batches go to ``handle(store, envelopes)`` over a
    ``store_class`` of the service's own database (progress's enrollment replica, the
    notifications' enrollment mails). Subclasses set ``name`` (also the queue's name),
    ``event_types``, ``store_class`` and ``handle`` (a ``staticmethod``). Replicas share the
    queue: ``handle`` must tolerate running beside itself (inserts keyed by id)."""
    event_types = ()
    store_class = None

    @staticmethod
    def handle(store, envelopes):
        raise NotImplementedError

    def make_batches(self, config, max_messages):
        self.store = None
        return EventBatches(config, self.container.service_name, self.name, list(self.event_types),
                            prefetch=2 * max_messages, single_active_consumer=False)

    def start(self):
        # after every setup: the service's other dependencies have made their collections
        self.store = prepare_database(service_database(self.container.config, self.container.service_name),
                                      self.store_class)
        super().start()

    def apply(self, envelopes):
        self.handle(self.store, envelopes)
