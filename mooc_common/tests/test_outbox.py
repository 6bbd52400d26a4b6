"""Unit tests of the shared outbox (mooc_common/infra/outbox.py) over a fake store: what is
published, and when, for every place a writer can die (no broker, no store)."""
import copy
import types
import datetime as dt

import pytest
from pymongo.errors import DuplicateKeyError

from mooc_common.contracts.events.accounts import TENANT_CREATED, UNIT_UPDATED
from mooc_common.contracts.events.progress import COURSE_COMPLETED
from mooc_common.infra.outbox import MARKER, OutboxEntries, OutboxWriter, Sweeper

T0 = dt.datetime(2026, 12, 1, 8, 0, tzinfo=dt.timezone.utc)
STALE, ABANDON = dt.timedelta(seconds=5), dt.timedelta(seconds=300)


class FakeCollection:
    """The few pymongo calls the outbox makes, on documents by _id."""

    database = types.SimpleNamespace(name="fake")  # the outbox locks documents by (database, collection, _id)

    def __init__(self, name):
        self.name, self.docs = name, {}

    def insert_one(self, doc):
        if doc["_id"] in self.docs:
            raise DuplicateKeyError(f"duplicate {doc['_id']}")
        self.docs[doc["_id"]] = copy.deepcopy(doc)

    def find_one(self, query, projection=None):
        return copy.deepcopy(self.docs.get(query["_id"]))

    def find(self, query, projection=None):
        assert query == {}
        return [copy.deepcopy(d) for d in self.docs.values()]

    def update_one(self, query, update):
        doc = self.docs.get(query["_id"])
        if doc is None:
            return
        for path, value in update.get("$set", {}).items():
            *parents, last = path.split(".")
            target = doc
            for part in parents:
                target = target.setdefault(part, {})
            target[last] = value
        for path in update.get("$unset", {}):
            *parents, last = path.split(".")
            target = doc
            for part in parents:
                target = target.get(part, {})
            target.pop(last, None)

    def delete_one(self, query):
        self.docs.pop(query["_id"], None)


class FakeDatabase(dict):
    name = "fake"

    def __missing__(self, name):
        self[name] = FakeCollection(name)
        return self[name]

    def create_collection(self, name):
        self[name]


class World:
    def __init__(self, service="accounts"):
        self.db = FakeDatabase()
        self.entries = OutboxEntries(self.db)
        self.published = []
        self.sweeper = Sweeper(self.entries, self.published.append, STALE, ABANDON)
        self.writer = OutboxWriter(service, self.entries, self.sweeper, publish=None,
                                   publish_raw=self.published.append, correlation_id="c1")

    def tenant_event(self, tenant_id, code="DBN"):
        return self.writer.event(TENANT_CREATED, {
            "tenant_id": tenant_id, "code": code, "name": "Tỉnh Điện Biên", "kind": "province",
            "learner_quota": 100, "storage_quota_bytes": 0, "status": "active"}, tenant_id)

    def stage_tenant(self, tenant_id="t1", now=T0):
        staged = self.entries.stage("tenants", [(tenant_id, self.tenant_event(tenant_id))], now=now)
        return staged

    def published_ids(self):
        return [e["event_id"] for e in self.published]


def test_the_normal_path_publishes_after_the_write_and_leaves_nothing_behind():
    world = World()
    staged = world.stage_tenant()
    world.db["tenants"].insert_one(staged.insert({"_id": "t1", "code": "DBN"}))
    assert world.published == []  # nothing announced before the change is stored
    world.writer.send(staged)
    assert [e["payload"]["tenant_id"] for e in world.published] == ["t1"]
    assert world.published[0]["correlation_id"] == "c1"
    assert world.db["outbox"].docs == {}


def test_an_update_carries_the_marker_which_is_cleared_after_sending():
    world = World()
    world.db["units"].insert_one({"_id": "u1", "name": "Sở", "tenant_id": "t1"})
    event = world.writer.event(UNIT_UPDATED, {"unit_id": "u1", "tenant_id": "t1", "code": "S", "name": "Sở mới",
                                              "parent_id": None, "path": ["u1"], "level": 1, "status": "active"}, "t1")
    staged = world.entries.stage(world.db["units"], [("u1", event)])
    world.db["units"].update_one({"_id": "u1"}, {"$set": dict({"name": "Sở mới"}, **staged.update("u1"))})
    assert world.db["units"].docs["u1"][MARKER] == {staged.id: True}
    world.writer.send(staged)
    assert world.db["units"].docs["u1"][MARKER] == {} and world.db["outbox"].docs == {}
    assert world.published_ids() == [event["event_id"]]


def crashed(world):
    """What the restarted process knows of the entries its dead predecessor staged: nothing."""
    OutboxEntries._writing.clear()


def test_a_crash_between_write_and_publish_is_published_by_the_sweeper_once_stale():
    world = World()
    staged = world.stage_tenant()
    world.db["tenants"].insert_one(staged.insert({"_id": "t1"}))
    crashed(world)  # the process dies here: no send
    world.sweeper.sweep(now=T0 + dt.timedelta(seconds=2))
    assert world.published == []  # a live writer may still be about to send it
    world.sweeper.sweep(now=T0 + dt.timedelta(seconds=6))
    assert [e["payload"]["tenant_id"] for e in world.published] == ["t1"]
    assert world.db["outbox"].docs == {}
    world.sweeper.sweep(now=T0 + dt.timedelta(seconds=20))
    assert len(world.published) == 1


def test_a_crash_before_the_write_announces_nothing_and_the_entry_is_dropped_later():
    world = World()
    world.stage_tenant()
    crashed(world)  # the process dies before inserting the tenant
    world.sweeper.sweep(now=T0 + dt.timedelta(seconds=60))
    assert world.published == [] and len(world.db["outbox"].docs) == 1  # its writer may still write
    world.sweeper.sweep(now=T0 + ABANDON + dt.timedelta(seconds=1))
    assert world.published == [] and world.db["outbox"].docs == {}


def test_a_refused_change_is_discarded_at_once():
    world = World()
    staged = world.stage_tenant()
    world.writer.discard(staged)
    assert world.db["outbox"].docs == {} and world.published == []


def test_a_bulk_insert_announces_only_the_documents_it_inserted():
    world = World()
    enrollments = world.db["enrollments"]
    enrollments.insert_one({"_id": "e2", MARKER: {"older-entry": True}})  # enrolled before
    events = [(f"e{i}", world.tenant_event(f"e{i}", code=f"C{i}")) for i in (1, 2, 3)]
    staged = world.entries.stage(enrollments, events, entry_id="job:1:0", now=T0)
    inserted = set()
    for doc_id in ("e1", "e2", "e3"):
        try:
            enrollments.insert_one(staged.insert({"_id": doc_id}))
            inserted.add(doc_id)
        except DuplicateKeyError:
            pass
    world.writer.send(staged, only_docs=inserted)
    assert sorted(e["payload"]["tenant_id"] for e in world.published) == ["e1", "e3"]


def test_after_a_crash_mid_batch_the_sweeper_publishes_only_what_was_stored():
    world = World()
    enrollments = world.db["enrollments"]
    enrollments.insert_one({"_id": "e2", MARKER: {"older-entry": True}})
    events = [(f"e{i}", world.tenant_event(f"e{i}", code=f"C{i}")) for i in (1, 2, 3)]
    staged = world.entries.stage(enrollments, events, entry_id="job:1:0", now=T0)
    enrollments.insert_one(staged.insert({"_id": "e1"}))
    crashed(world)  # dies before inserting e3 and before sending
    world.sweeper.sweep(now=T0 + dt.timedelta(seconds=6))
    assert [e["payload"]["tenant_id"] for e in world.published] == ["e1"]
    world.sweeper.sweep(now=T0 + dt.timedelta(seconds=8))
    assert len(world.published) == 1  # noted as sent: not published at every round
    world.sweeper.sweep(now=T0 + ABANDON + dt.timedelta(seconds=1))
    assert len(world.published) == 1 and world.db["outbox"].docs == {}


def test_a_redone_batch_flushes_its_leftover_entry_first():
    world = World()
    enrollments = world.db["enrollments"]
    events = [(f"e{i}", world.tenant_event(f"e{i}", code=f"C{i}")) for i in (1, 2)]
    staged = world.entries.stage(enrollments, events, entry_id="job:1:0", now=T0)
    enrollments.insert_one(staged.insert({"_id": "e1"}))
    # ... the job dies; its message is redelivered and the batch is redone at once:
    world.writer.flush("job:1:0")
    assert [e["payload"]["tenant_id"] for e in world.published] == ["e1"]
    assert world.db["outbox"].docs == {}
    again = world.entries.stage(enrollments, events, entry_id="job:1:0")  # the same id can be staged again
    enrollments.insert_one(again.insert({"_id": "e2"}))
    world.writer.send(again, only_docs={"e2"})
    assert [e["payload"]["tenant_id"] for e in world.published] == ["e1", "e2"]


def test_a_service_stages_only_its_own_events():
    world = World(service="courses")
    with pytest.raises(ValueError):
        world.tenant_event("t1")
    with pytest.raises(Exception):  # the payload is validated when staged, not when sent
        World(service="progress").writer.event(COURSE_COMPLETED, {"enrollment_id": "e1"}, "t1")


def test_a_slow_writer_of_this_process_is_left_to_send_its_own_entry():
    world = World()
    staged = world.stage_tenant()
    world.db["tenants"].insert_one(staged.insert({"_id": "t1"}))
    world.sweeper.sweep(now=T0 + dt.timedelta(seconds=30))  # stale, but its writer is alive here
    assert world.published == []
    world.writer.send(staged)
    assert len(world.published) == 1 and world.db["outbox"].docs == {}
    assert ("fake", staged.id) not in OutboxEntries._writing
