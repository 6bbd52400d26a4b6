"""Batched event consumption (mooc_common.infra.event_batches) over the real broker:
batches in publication order, acked once applied; a malformed event is dead-lettered at once;
a failing batch is retried message by message, so that a poison message ends in the
dead-letter queue while its neighbours are applied; single messages an apply fails are
retried alone while the rest is acked (also the last one of the batch, which the batch's ack
must not ack twice); pausing gives unacked messages back."""
import time
import uuid

import pytest
from kombu import Connection
from nameko.standalone.events import event_dispatcher

from mooc_common.contracts.events.accounts import TENANT_CREATED, UNIT_CREATED
from mooc_common.infra.event_batches import BatchGivenBack, EventBatches
from mooc_common.infra.events import dead_letter_queue_name
from tests.polling import eventually

pytestmark = pytest.mark.integration


@pytest.fixture
def batches(probe_env):
    config = {k: probe_env[k] for k in ("AMQP_URI", "EVENT_MAX_ATTEMPTS", "EVENT_RETRY_DELAY_MS")}
    service = f"batch_probe_{uuid.uuid4().hex[:8]}"
    consumer = EventBatches(config, service, f"{service}.events", [TENANT_CREATED], prefetch=50)
    consumer.declare()
    yield consumer, config, service
    consumer.pause()
    with Connection(config["AMQP_URI"]) as conn:
        channel = conn.channel()
        for queue in (consumer.queue.name, dead_letter_queue_name(service)):
            channel.queue_delete(queue)
        for attempt in range(1, int(config["EVENT_MAX_ATTEMPTS"]) + 1):
            channel.queue_delete(consumer.failures.retry_queue(consumer.failures.delay_ms(attempt)).name)


def _tenant(code):
    return TENANT_CREATED.build({
        "tenant_id": uuid.uuid4().hex, "code": code, "name": "Tỉnh Hà Giang", "kind": "province",
        "learner_quota": 20000, "storage_quota_bytes": 0, "status": "active"}, tenant_id=None)


def _publish(config, *envelopes):
    dispatch = event_dispatcher(config)
    for envelope in envelopes:
        dispatch("accounts", envelope.get("type") or TENANT_CREATED.type, envelope)


def _queued(config, queue):
    with Connection(config["AMQP_URI"]) as conn:
        return conn.channel().queue_declare(queue=queue, passive=True).message_count


def _drain(consumer, apply, until, seconds=30):
    """Fetch and process batches until ``until()`` holds; returns the sizes of the batches."""
    sizes, deadline = [], time.monotonic() + seconds
    while not until():
        assert time.monotonic() < deadline, "the consumer did not get there in time"
        batch = consumer.next_batch(max_messages=4, linger=0.2, wait=0.2)
        if batch:
            sizes.append(len(batch))
            consumer.process(batch, apply)
    return sizes


def test_batches_come_in_order_and_are_acked_once_applied(batches):
    consumer, config, _ = batches
    events = [_tenant(f"T{i}") for i in range(10)]
    _publish(config, *events)
    applied = []
    sizes = _drain(consumer, applied.extend, lambda: len(applied) == 10)
    assert [e["payload"]["code"] for e in applied] == [f"T{i}" for i in range(10)]
    assert max(sizes) == 4 and len(sizes) >= 3  # bounded batches, not one message each
    consumer.pause()
    assert _queued(config, consumer.queue.name) == 0  # everything acked


def test_a_malformed_or_foreign_event_is_dead_lettered_at_once(batches):
    consumer, config, service = batches
    foreign = UNIT_CREATED.build({"unit_id": "u", "tenant_id": "t", "code": "U", "name": "Xã Ý Tý",
                                  "parent_id": None, "path": ["u"], "level": None, "status": "active"}, "t")
    event_dispatcher(config)("accounts", TENANT_CREATED.type, {"event_id": "not-a-uuid"})
    event_dispatcher(config)("accounts", TENANT_CREATED.type, foreign)  # a type this queue does not take
    _publish(config, _tenant("OK"))
    applied = []
    _drain(consumer, applied.extend, lambda: len(applied) == 1)
    assert applied[0]["payload"]["code"] == "OK"
    assert _queued(config, dead_letter_queue_name(service)) == 2


def test_a_poison_event_is_isolated_retried_then_dead_lettered(batches):
    consumer, config, service = batches
    _publish(config, _tenant("A"), _tenant("POISON"), _tenant("B"))
    applied, attempts = [], []

    def apply(envelopes):
        codes = [e["payload"]["code"] for e in envelopes]
        attempts.append(codes)
        if "POISON" in codes:
            raise RuntimeError("cannot apply POISON")
        applied.extend(codes)

    _drain(consumer, apply, lambda: _queued(config, dead_letter_queue_name(service)) == 1 and len(applied) == 2)
    assert sorted(applied) == ["A", "B"]  # the neighbours were applied, once each
    assert attempts.count(["POISON"]) == int(config["EVENT_MAX_ATTEMPTS"]) - 1  # retried alone
    assert _queued(config, consumer.queue.name) == 0
    assert _queued(config, consumer.failures.retry_queue(consumer.failures.base_delay).name) == 0


def test_a_message_the_apply_returns_as_failed_is_retried_alone_and_its_neighbours_acked(batches):
    """``apply`` may fail single messages (an activity whose enrollment is not known yet):
    only those go to their retry queue (and come back alone); the rest of the batch is acked."""
    consumer, config, service = batches
    _publish(config, _tenant("A"), _tenant("LATER"), _tenant("B"), _tenant("LAST"))
    applied, attempts = [], []

    def apply(envelopes):
        codes = [e["payload"]["code"] for e in envelopes]
        attempts.append(codes)
        failed = {i: (RuntimeError, RuntimeError(f"{code} not yet"), None) for i, code in enumerate(codes)
                  if code in ("LATER", "LAST") and attempts.count([code]) == 0}
        applied.extend(code for i, code in enumerate(codes) if i not in failed)
        return failed

    _drain(consumer, apply, lambda: len(applied) == 4)
    assert sorted(applied) == ["A", "B", "LAST", "LATER"]  # each applied once
    assert ["LATER"] in attempts and ["LAST"] in attempts  # came back alone
    consumer.pause()
    assert _queued(config, consumer.queue.name) == 0
    assert _queued(config, dead_letter_queue_name(service)) == 0


def test_an_undecodable_message_is_dead_lettered_and_blocks_nothing(batches):
    """Not JSON, or JSON sent as text/plain: dead-lettered as it came; the queue goes on."""
    consumer, config, service = batches
    with Connection(config["AMQP_URI"]) as conn:
        producer = conn.Producer()
        producer.publish(b"{not json", routing_key=consumer.queue.name, exchange="",
                         content_type="application/json", content_encoding="utf-8")
        producer.publish(b'{"type": "tenant.created"}', routing_key=consumer.queue.name, exchange="",
                         content_type="text/plain", content_encoding="utf-8")
    _publish(config, _tenant("AFTER"))
    applied = []
    _drain(consumer, applied.extend, lambda: len(applied) == 1)
    assert applied[0]["payload"]["code"] == "AFTER"
    eventually(lambda: _queued(config, dead_letter_queue_name(service)) == 2)
    with Connection(config["AMQP_URI"]) as conn:
        raw = [conn.default_channel.basic_get(dead_letter_queue_name(service), no_ack=True) for _ in range(2)]
        kept = sorted((m.properties["content_type"], bytes(m.body, "utf-8") if isinstance(m.body, str) else m.body)
                      for m in raw)
    assert kept == [("application/json", b"{not json"), ("text/plain", b'{"type": "tenant.created"}')]


def test_pausing_gives_unacked_messages_back(batches):
    consumer, config, _ = batches
    _publish(config, _tenant("X"), _tenant("Y"))
    first = []
    deadline = time.monotonic() + 10
    while len(first) < 2 and time.monotonic() < deadline:
        first += consumer.next_batch(max_messages=10, linger=0.2, wait=0.2)
    consumer.pause()  # e.g. the writer lease was lost before these were applied
    applied = []
    _drain(consumer, applied.extend, lambda: len(applied) == 2)
    assert sorted(e["payload"]["code"] for e in applied) == ["X", "Y"]


def test_a_batch_applied_after_its_connection_went_is_delivered_again_on_the_next_one(batches):
    """The broker restarts while a batch is applied: its acks are for a closed channel. They are
    dropped (the broker delivers the messages again), and the next connection keeps consuming
    (an ack on the closed channel used to break each new connection in turn: a livelock)."""
    consumer, config, _ = batches
    _publish(config, _tenant("R1"), _tenant("R2"), _tenant("R3"))
    first = []
    deadline = time.monotonic() + 10
    while len(first) < 3 and time.monotonic() < deadline:
        first += consumer.next_batch(max_messages=10, linger=0.2, wait=0.2)
    assert len(first) == 3
    consumer.pause()  # the connection goes while the batch is being applied
    consumer.process(first, lambda envelopes: None)  # its acks queue up for the closed channel
    applied = []
    _drain(consumer, applied.extend, lambda: len(applied) == 3)
    assert sorted(e["payload"]["code"] for e in applied) == ["R1", "R2", "R3"]
    consumer.pause()
    assert _queued(config, consumer.queue.name) == 0  # acked on the connection that delivered them


def test_a_batch_that_meets_an_outage_is_given_back_whole_not_retried_one_by_one(batches):
    consumer, config, _ = batches
    _publish(config, *[_tenant(f"O{i}") for i in range(4)])
    first = []
    deadline = time.monotonic() + 10
    while len(first) < 4 and time.monotonic() < deadline:
        first += consumer.next_batch(max_messages=10, linger=0.3, wait=0.2)

    def store_away(envelopes):
        raise ConnectionError("the store is away")
    with pytest.raises(BatchGivenBack):
        consumer.process(first, store_away)
    consumer.pause()  # what the batch loop does with it: the broker delivers the batch again
    applied = []
    sizes = _drain(consumer, applied.extend, lambda: len(applied) == 4)
    assert sorted(e["payload"]["code"] for e in applied) == ["O0", "O1", "O2", "O3"]
    # as a batch again: through the retry queues each would come back alone (see _take)
    assert max(sizes) > 1
