"""The relay's batch (relay.Relay) on fakes: one publish of every event, deliveries only for
matching subscribers, the log written last, nothing written when the publish fails, and the
storage's bulk inserts skipping only duplicate ids."""
import datetime as dt
import json
import uuid

import pytest
from pymongo.errors import BulkWriteError

from mooc_common.contracts.events.progress import COURSE_COMPLETED, LESSON_COMPLETED
from services.integrations import routing
from services.integrations.lrs_forwarder import StatementOutbox
from services.integrations.relay import Relay, handler_queue
from services.integrations.storage import IntegrationsStore

TENANT_A, TENANT_B = "a" * 32, "b" * 32
AT = dt.datetime(2026, 11, 23, 2, 0, tzinfo=dt.timezone.utc)


def _envelope(event_type, tenant, lesson="l1"):
    payload = {"enrollment_id": uuid.uuid4().hex, "course_id": "c" * 32, "course_owner_tenant_id": tenant,
               "intake_id": None, "learner_id": uuid.uuid4().hex, "unit_id": None, "category": "civil_servant"}
    if event_type is LESSON_COMPLETED:
        payload.update(lesson_id=lesson, completed_at=AT)
    else:
        payload.update(completed_at=AT)
    return event_type.parse(event_type.build(payload, tenant, occurred_at=AT))


class FakeCollection:
    def __init__(self):
        self.docs, self.calls = {}, 0

    def insert_many(self, docs, ordered=True):
        self.calls += 1
        errors = []
        for index, doc in enumerate(docs):
            if doc["_id"] in self.docs:
                errors.append({"index": index, "code": 11000, "errmsg": "duplicate key"})
            else:
                self.docs[doc["_id"]] = doc
        if errors:
            raise BulkWriteError({"writeErrors": errors, "nInserted": len(docs) - len(errors)})

    def find_one(self, query, projection=None):
        return self.docs.get(query["_id"])

    def find(self, query):
        return [d for d in self.docs.values() if all(d.get(k) == v for k, v in query.items())]


class FakeDb(dict):
    def __missing__(self, name):
        self[name] = FakeCollection()
        return self[name]


class FakeLrsStore:
    def __init__(self, configs):
        self.configs, self.queued, self.reads = configs, {}, 0

    def configs_for(self, tenant):
        self.reads += 1
        return [c for c in self.configs if c["_id"] in (tenant, "*")]

    outbox_doc = staticmethod(lambda config_id, statement_id, text, tenant, kind: {
        "_id": f"{config_id}:{statement_id}", "kind": kind})

    def enqueue(self, docs):
        new = [d for d in docs if d["_id"] not in self.queued]
        self.queued.update((d["_id"], d) for d in new)
        return len(new)


@pytest.fixture
def world():
    db = FakeDb()
    store = IntegrationsStore(db)
    store.subscribers.docs = {
        "s1": {"_id": "s1", "kind": "webhook", "status": "active", "tenants": [TENANT_A],
               "event_types": [COURSE_COMPLETED.type]},
        "s2": {"_id": "s2", "kind": "webhook", "status": "active", "tenants": [TENANT_A, TENANT_B],
               "event_types": [COURSE_COMPLETED.type, LESSON_COMPLETED.type]},
        "s3": {"_id": "s3", "kind": "amqp", "status": "active", "tenants": [TENANT_A],
               "event_types": [COURSE_COMPLETED.type]}}
    published, order = [], []
    lrs = FakeLrsStore([{"_id": TENANT_A, "status": "active"}])

    def publish_all(messages):
        order.append("publish")
        published.extend(messages)
    return {"db": db, "store": store, "published": published, "lrs": lrs, "order": order,
            "relay": Relay(store, publish_all, StatementOutbox(lrs, "https://mooc.example.vn"))}


def test_a_batch_is_published_queued_and_logged_in_a_fixed_number_of_writes(world):
    events = [_envelope(COURSE_COMPLETED, TENANT_A), _envelope(LESSON_COMPLETED, TENANT_B),
              _envelope(LESSON_COMPLETED, TENANT_A, "l2"), _envelope(COURSE_COMPLETED, None)]
    world["relay"].relay(events)
    assert [(m["routing_key"], m["message_id"]) for m in world["published"]] == [
        (routing.routing_key(e["type"], e["tenant_id"]), str(e["event_id"])) for e in events]
    body = json.loads(world["published"][0]["body"])
    assert body["event_id"] == str(events[0]["event_id"]) and body["type"] == COURSE_COMPLETED.type
    deliveries = world["db"]["deliveries"]
    assert sorted(deliveries.docs) == sorted([f"s1:{events[0]['event_id']}", f"s2:{events[0]['event_id']}",
                                              f"s2:{events[1]['event_id']}", f"s2:{events[2]['event_id']}"])
    log = world["db"]["event_log"]
    assert sorted(log.docs) == sorted(str(e["event_id"]) for e in events)
    assert log.docs[str(events[3]["event_id"])]["tenant"] == routing.PLATFORM_KEY
    assert deliveries.calls == 1 and log.calls == 1  # one bulk insert each, whatever the batch size
    # statements: for tenant A's two events only (tenant B and the platform have no LRS); one
    # read of the configurations per tenant
    assert len(world["lrs"].queued) == 2 and world["lrs"].reads == 3


def test_a_redelivered_batch_adds_nothing_and_a_new_neighbour_is_written(world):
    first = [_envelope(COURSE_COMPLETED, TENANT_A), _envelope(LESSON_COMPLETED, TENANT_A)]
    world["relay"].relay(first)
    world["lrs"].queued.clear()  # the LRS took them: the outbox forgets delivered statements
    world["relay"].relay(first + [_envelope(COURSE_COMPLETED, TENANT_A)])
    assert len(world["db"]["event_log"].docs) == 3
    assert len(world["db"]["deliveries"].docs) == 2 + 1 + 2  # s1 and s2 want course.completed; s2 lessons
    assert len(world["lrs"].queued) == 1  # the new event's statement only


def test_nothing_is_queued_or_logged_when_the_publish_is_not_confirmed(world):
    def refused(messages):
        raise ConnectionError("no confirm")
    relay = Relay(world["store"], refused, StatementOutbox(world["lrs"], "https://mooc.example.vn"))
    with pytest.raises(ConnectionError):
        relay.relay([_envelope(COURSE_COMPLETED, TENANT_A)])
    assert not world["db"]["deliveries"].docs and not world["db"]["event_log"].docs and not world["lrs"].queued


def test_a_write_error_other_than_a_duplicate_fails_the_batch():
    class Refusing(FakeCollection):
        def insert_many(self, docs, ordered=True):
            raise BulkWriteError({"writeErrors": [{"index": 0, "code": 121, "errmsg": "validation"}],
                                  "nInserted": len(docs) - 1})
    db = FakeDb(deliveries=Refusing())
    store = IntegrationsStore(db)
    with pytest.raises(BulkWriteError):
        store.insert_deliveries([store.delivery_doc("s1", "e1", COURSE_COMPLETED.type, TENANT_A, "{}")])


def test_the_former_handler_queues_are_named_as_nameko_named_them():
    assert handler_queue(LESSON_COMPLETED) == (
        "evt-progress-progress.lesson.completed.v1--integrations.relay_progress_lesson_completed_v1")
