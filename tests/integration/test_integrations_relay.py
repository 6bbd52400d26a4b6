"""The integrations relay's parts over the real broker and store: pipelined confirms (every
message confirmed, an unroutable one reported as such), a batch relayed twice leaves each row
once, and the queues of the former per-event handlers are emptied into the relay's queue."""
import datetime as dt
import uuid

import pytest
from kombu import Connection, Exchange, Queue

from mooc_common.contracts.events.progress import COURSE_COMPLETED, LESSON_COMPLETED
from mooc_common.infra.confirms import ConfirmedChannel, MessageNotConfirmed, publish_all
from services.integrations import routing
from services.integrations.exchange import IntegrationExchange
from services.integrations.lrs_forwarder import StatementOutbox
from services.integrations.lrs_storage import LrsStore
from services.integrations.relay import Relay
from services.integrations.storage import IntegrationsStore

pytestmark = pytest.mark.integration

TENANT = "d" * 32
AT = dt.datetime(2026, 11, 23, 2, 0, tzinfo=dt.timezone.utc)


def _count(uri, queue):
    with Connection(uri) as conn:
        return conn.channel().queue_declare(queue=queue, passive=True).message_count


@pytest.fixture
def scratch_queue(probe_env):
    uri = probe_env["AMQP_URI"]
    name = f"relay-probe-{uuid.uuid4().hex[:8]}"
    with Connection(uri) as conn:
        Queue(name, durable=True)(conn.default_channel).declare()
    yield uri, name
    with Connection(uri) as conn:
        conn.channel().queue_delete(name)


def test_pipelined_confirms_settle_every_message_and_report_the_unroutable(scratch_queue):
    uri, queue = scratch_queue
    channel = ConfirmedChannel(uri)
    outcomes = {}
    try:
        for i in range(300):
            channel.publish(f"m{i}".encode(), exchange="", routing_key=queue, mandatory=True,
                            on_done=lambda error, i=i: outcomes.__setitem__(i, error))
        channel.publish(b"lost", exchange="", routing_key=f"{queue}-nobody", mandatory=True,
                        on_done=lambda error: outcomes.__setitem__("unroutable", error))
        channel.wait(timeout=30)
    finally:
        channel.close()
    assert [outcomes[i] for i in range(300)] == [None] * 300
    assert isinstance(outcomes["unroutable"], MessageNotConfirmed)
    assert _count(uri, queue) == 300
    channel = ConfirmedChannel(uri)
    try:
        with pytest.raises(MessageNotConfirmed):
            publish_all(channel, [{"body": b"x", "exchange": "", "routing_key": f"{queue}-nobody",
                                   "mandatory": True}], timeout=30)
    finally:
        channel.close()


def _envelope(event_type, **extra):
    payload = {"enrollment_id": uuid.uuid4().hex, "course_id": "c" * 32, "course_owner_tenant_id": TENANT,
               "intake_id": None, "learner_id": uuid.uuid4().hex, "unit_id": None, "category": None,
               "completed_at": AT, **extra}
    return event_type.parse(event_type.build(payload, TENANT, occurred_at=AT))


def test_a_batch_relayed_twice_is_logged_queued_and_delivered_once(probe_env, fresh_database):
    uri = probe_env["AMQP_URI"]
    db = fresh_database("relay")
    exchange = IntegrationExchange(uri)
    exchange.declare()
    tap = Queue(f"relay-tap-{uuid.uuid4().hex[:8]}", exchange=Exchange(routing.EXCHANGE, type="topic", durable=True),
                routing_key=f"{TENANT}.#", durable=True)
    with Connection(uri) as conn:
        tap(conn.default_channel).declare()
    store = IntegrationsStore(db)
    IntegrationsStore.ensure_indexes(db)
    db["subscribers"].insert_one({"_id": "sub", "kind": "webhook", "status": "active", "tenants": [TENANT],
                                  "event_types": [COURSE_COMPLETED.type, LESSON_COMPLETED.type]})
    db["lrs_configs"].insert_one({"_id": TENANT, "status": "active"})
    lrs = LrsStore(db)
    relay = Relay(store, exchange.publish_all, StatementOutbox(lrs, "https://mooc.example.vn"))
    batch = [_envelope(LESSON_COMPLETED, lesson_id=f"l{i}") for i in range(50)] + [_envelope(COURSE_COMPLETED)]
    try:
        relay.relay(batch)
        relay.relay(batch[:10])  # a redelivery (killed before the ack): no second row anywhere
        ids = {str(e["event_id"]) for e in batch}
        assert {d["_id"] for d in db["event_log"].find({})} == ids
        assert sorted(d["_id"] for d in db["deliveries"].find({})) == sorted(f"sub:{i}" for i in ids)
        assert db[lrs.outbox.name].count_documents({}) == len(batch)  # one statement per forwarded event
        assert _count(uri, tap.name) == len(batch) + 10  # republished at least once (agencies dedupe by id)
    finally:
        exchange.close()
        with Connection(uri) as conn:
            conn.channel().queue_delete(tap.name)
