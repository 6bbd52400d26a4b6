"""The event-handling policy, in-process, over the real broker and store.

- a redelivered event (same event id) changes nothing;
- a handler that keeps failing is retried EVENT_MAX_ATTEMPTS times, then its message lands in
  the service's dead-letter queue with the error; a malformed event goes there at once;
- a message that cannot be decoded (not JSON, text/plain) is dead-lettered as it came, and
  the handler goes on with the next ones;
- a claim left by a crashed worker is taken over once stale: the event is applied, not
  dead-lettered, although it meets the claim more than EVENT_MAX_ATTEMPTS times;
- a dead-lettered message can be replayed to its queue (scripts/dead_letters.py), and listed
  without being consumed.
"""
import datetime as dt
import uuid

import pytest
from kombu import Connection
from nameko.containers import ServiceContainer
from nameko.standalone.events import event_dispatcher

from mooc_common.contracts.events.accounts import TENANT_CREATED
from mooc_common.infra.events import dead_letter_queue_name, on_event
from mooc_common.infra.store import ProcessedEvents, Store, service_database
from scripts.dead_letters import list_dead_letters, replay
from tests.polling import eventually

pytestmark = pytest.mark.integration


class Effects:
    def __init__(self, db):
        self.collection = db["effects"]

    def bump(self, key):
        self.collection.update_one({"_id": key}, {"$inc": {"n": 1}}, upsert=True)


class ProbeService:
    name = "reliability_probe"
    processed_events = Store(ProcessedEvents)
    effects = Store(Effects)

    @on_event(TENANT_CREATED)
    def on_tenant_created(self, event):
        payload = event["payload"]
        self.effects.bump(payload["tenant_id"])
        if payload["code"].startswith("FAIL"):
            raise RuntimeError(f"cannot handle {payload['code']}")


@pytest.fixture
def probe(probe_env):
    config = {k: probe_env[k] for k in ("AMQP_URI", "MONGO_URI", "MONGO_DB_PREFIX",
                                       "EVENT_MAX_ATTEMPTS", "EVENT_RETRY_DELAY_MS")}
    container = ServiceContainer(ProbeService, config)
    container.start()
    db = service_database(config, ProbeService.name)
    yield config, db
    container.stop()
    db.client.drop_database(db.name)


def tenant_event(code):
    return TENANT_CREATED.build({
        "tenant_id": uuid.uuid4().hex, "code": code, "name": "Tỉnh Điện Biên", "kind": "province",
        "learner_quota": 20000, "storage_quota_bytes": 0, "status": "active"}, tenant_id=None)


def effect_count(db, tenant_id):
    doc = db["effects"].find_one({"_id": tenant_id})
    return doc["n"] if doc else 0


def dead_letters(config):
    queue = dead_letter_queue_name(ProbeService.name)
    with Connection(config["AMQP_URI"]) as conn:
        channel = conn.channel()
        _, count, _ = channel.queue_declare(queue=queue, durable=True, passive=True)
        return count


def test_redelivered_event_changes_nothing(probe):
    config, db = probe
    dispatch = event_dispatcher(config)
    envelope = tenant_event("OK1")
    for _ in range(3):
        dispatch("accounts", TENANT_CREATED.type, envelope)
    tenant_id = envelope["payload"]["tenant_id"]
    eventually(lambda: effect_count(db, tenant_id) >= 1)
    other = tenant_event("OK2")  # a later event proves the duplicates were consumed, not pending
    dispatch("accounts", TENANT_CREATED.type, other)
    eventually(lambda: effect_count(db, other["payload"]["tenant_id"]) == 1)
    assert effect_count(db, tenant_id) == 1


def test_failing_handler_is_retried_then_dead_lettered_and_can_be_replayed(probe):
    config, db = probe
    envelope = tenant_event("FAIL1")
    event_dispatcher(config)("accounts", TENANT_CREATED.type, envelope)
    tenant_id = envelope["payload"]["tenant_id"]
    eventually(lambda: dead_letters(config) == 1, timeout=30)
    assert effect_count(db, tenant_id) == int(config["EVENT_MAX_ATTEMPTS"])  # tried, not dropped

    replayed = replay(config["AMQP_URI"], ProbeService.name)
    assert replayed == 1
    eventually(lambda: effect_count(db, tenant_id) == 2 * int(config["EVENT_MAX_ATTEMPTS"]), timeout=30)
    eventually(lambda: dead_letters(config) == 1, timeout=30)


def test_malformed_event_is_dead_lettered_at_once(probe):
    config, db = probe
    before = dead_letters(config)
    event_dispatcher(config)("accounts", TENANT_CREATED.type, {"event_id": "not-a-uuid"})
    eventually(lambda: dead_letters(config) == before + 1, timeout=30)



def test_undecodable_messages_are_dead_lettered_and_block_nothing(probe):
    config, db = probe
    before = dead_letters(config)
    queue = f"evt-accounts-{TENANT_CREATED.type}--{ProbeService.name}.on_tenant_created"
    with Connection(config["AMQP_URI"]) as conn:
        producer = conn.Producer()
        producer.publish(b"\x00not json", exchange="", routing_key=queue,
                         content_type="application/json", content_encoding="binary")
        producer.publish(b"hello", exchange="", routing_key=queue, content_type="text/plain",
                         content_encoding="utf-8")
    envelope = tenant_event("OK3")
    event_dispatcher(config)("accounts", TENANT_CREATED.type, envelope)
    eventually(lambda: effect_count(db, envelope["payload"]["tenant_id"]) == 1)
    eventually(lambda: dead_letters(config) == before + 2, timeout=30)
    listed = list_dead_letters(config["AMQP_URI"], ProbeService.name)
    assert sum("undecodable" in (item["error"] or "") for item in listed) == 2
    assert dead_letters(config) == before + 2  # listing consumed nothing


def test_a_claim_left_by_a_crashed_worker_is_taken_over_not_dead_lettered(probe):
    config, db = probe
    before = dead_letters(config)
    envelope = tenant_event("CRASHED")
    # What a worker killed mid-handler leaves: a claim that nobody renews any more.
    left_at = dt.datetime.now(dt.timezone.utc) - ProcessedEvents.STALE_AFTER + dt.timedelta(seconds=3)
    db[ProcessedEvents.COLLECTION].insert_one({
        "_id": f"on_tenant_created:{envelope['event_id']}", "state": "claimed", "claimed_at": left_at,
        "event_type": TENANT_CREATED.type})
    event_dispatcher(config)("accounts", TENANT_CREATED.type, envelope)
    eventually(lambda: effect_count(db, envelope["payload"]["tenant_id"]) == 1, timeout=60)
    assert dead_letters(config) == before
