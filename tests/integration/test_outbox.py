"""The shared outbox in a nameko service, over the real broker and store (in-process).

- the normal path: the event is published after the write, the entry and the marker are gone;
- a worker that "dies" after its write and before its publish (it stops there, and the
  process forgets it as a restarted one would): the sweeper publishes the stored event;
- a change that never happened (staged only) is never announced;
- a big change (many events) goes out as one stream with pipelined confirms, each message
  as the dispatcher would publish it (JSON, persistent, the worker's headers).
"""
import json
import uuid

import pytest
from kombu import Connection, Exchange, Queue
from nameko.containers import ServiceContainer
from nameko.rpc import rpc
from nameko.testing.services import entrypoint_hook

from mooc_common.contracts.events.accounts import TENANT_CREATED
from mooc_common.infra.outbox import COLLECTION, MARKER, Outbox, OutboxEntries
from mooc_common.infra.store import Store, service_database
from tests.polling import eventually

pytestmark = pytest.mark.integration


class Tenants:
    COLLECTIONS = ("tenants",)

    def __init__(self, db):
        self.collection = db["tenants"]


class AnnouncingService:
    name = "accounts"  # the producer of tenant.created (its own vhost and database prefix here)
    events = Outbox()
    tenants = Store(Tenants)

    @rpc
    def create(self, tenant_id, stop_at=None):
        staged = self.events.stage(self.tenants.collection, [(tenant_id, self.events.event(TENANT_CREATED, {
            "tenant_id": tenant_id, "code": "LCU", "name": "Tỉnh Lai Châu", "kind": "province",
            "learner_quota": 20000, "storage_quota_bytes": 0, "status": "active"}, tenant_id))])
        if stop_at == "before_write":
            return
        self.tenants.collection.insert_one(staged.insert({"_id": tenant_id}))
        if stop_at == "before_publish":
            return
        self.events.send(staged)

    @rpc
    def create_many(self, tenant_ids):
        staged = self.events.stage(self.tenants.collection, [(t, self.events.event(TENANT_CREATED, {
            "tenant_id": t, "code": "LCU", "name": "Tỉnh Lai Châu", "kind": "province",
            "learner_quota": 20000, "storage_quota_bytes": 0, "status": "active"}, t)) for t in tenant_ids])
        self.tenants.collection.insert_many([staged.insert({"_id": t}) for t in tenant_ids])
        self.events.send(staged)


@pytest.fixture
def announcing(probe_env):
    config = {k: probe_env[k] for k in ("AMQP_URI", "MONGO_URI", "MONGO_DB_PREFIX")}
    config.update(OUTBOX_SWEEP_SECONDS="0.2", OUTBOX_STALE_SECONDS="1", OUTBOX_ABANDON_SECONDS="3")
    tap = Queue(f"outbox-tap-{uuid.uuid4().hex}", exchange=Exchange("accounts.events", type="topic", durable=True),
                routing_key=TENANT_CREATED.type, auto_delete=True)
    with Connection(config["AMQP_URI"]) as conn:
        tap(conn.default_channel).declare()
        container = ServiceContainer(AnnouncingService, config)
        container.start()
        db = service_database(config, AnnouncingService.name)

        def received(messages=None):
            found = []
            while (message := conn.default_channel.basic_get(tap.name, no_ack=True)) is not None:
                found.append(json.loads(message.body)["payload"]["tenant_id"])
                if messages is not None:
                    messages.append(message)
            return found
        yield container, db, received
        container.stop()
        db.client.drop_database(db.name)


def test_the_event_is_published_after_the_write_and_nothing_is_left(announcing):
    container, db, received = announcing
    with entrypoint_hook(container, "create") as create:
        create("t-normal")
    assert received() == ["t-normal"]
    assert db[COLLECTION].count_documents({}) == 0
    assert db["tenants"].find_one({"_id": "t-normal"})[MARKER]  # inserted documents keep it


def test_a_write_left_unpublished_is_published_by_the_sweeper(announcing):
    container, db, received = announcing
    with entrypoint_hook(container, "create") as create:
        create("t-crashed", stop_at="before_publish")
    OutboxEntries._writing.clear()  # as a restarted process: it knows nothing of that writer
    seen = []
    eventually(lambda: seen.extend(received()) or seen == ["t-crashed"], timeout=30)
    eventually(lambda: db[COLLECTION].count_documents({}) == 0, timeout=30)


def test_a_change_that_never_happened_is_never_announced(announcing):
    container, db, received = announcing
    with entrypoint_hook(container, "create") as create:
        create("t-never", stop_at="before_write")
        create("t-after")  # a later change goes through meanwhile
    OutboxEntries._writing.clear()  # as a restarted process
    eventually(lambda: db[COLLECTION].count_documents({}) == 0, timeout=30)  # abandoned after 3 s
    assert received() == ["t-after"]


def test_many_events_go_out_as_one_confirmed_stream_like_single_ones(announcing):
    container, db, received = announcing
    ids = [f"t-many-{n}" for n in range(40)]
    with entrypoint_hook(container, "create_many", context_data={"correlation_id": "batch-1"}) as create_many:
        create_many(ids)  # returns once every confirm arrived
    messages = []
    assert sorted(received(messages)) == sorted(ids)
    assert {(m.properties["content_type"], m.properties["delivery_mode"]) for m in messages} == {("application/json", 2)}
    assert {m.headers.get("nameko.correlation_id") for m in messages} == {"batch-1"}
    assert {json.loads(m.body)["correlation_id"] for m in messages} == {"batch-1"}
    assert db[COLLECTION].count_documents({}) == 0
