"""The reports projector against the real store: a batch interrupted after its journal is
finished by the next holder exactly once, and only the lease holder projects."""
import datetime as dt
import uuid

import pytest

from mooc_common.infra.lease import Lease
from mooc_common.infra.store import service_database
from services.reports import projection
from services.reports.projector import Projector
from services.reports.storage import ReportsStore
from tests.polling import eventually

pytestmark = pytest.mark.integration
NOW = dt.datetime(2026, 5, 4, 3, tzinfo=dt.timezone.utc)


@pytest.fixture
def store(probe_env):
    config = dict(probe_env, MONGO_DB_PREFIX=f"{probe_env['MONGO_DB_PREFIX']}proj{uuid.uuid4().hex[:6]}_")
    db = service_database(config, "reports")
    for name in ReportsStore.COLLECTIONS:  # as the Store provider does at start-up
        db.create_collection(name)
    yield ReportsStore(db)
    db.client.drop_database(db.name)


def _enroll(store, tenant, n):
    for i in range(n):
        payload = {"enrollment_id": f"e{i}", "course_id": "C", "intake_id": None, "learner_id": f"l{i}",
                   "unit_id": "u1", "category": "cadre", "enrolled_at": NOW}
        store.enqueue(f"event-{i}", tenant, NOW, projection.enrollment_changes(tenant, payload, True, NOW))


def _enrollments(store, tenant):
    return (store.get_summary(tenant) or {}).get("enrollments")


def test_a_batch_interrupted_after_its_journal_is_finished_once(store):
    _enroll(store, "T", 30)
    crashed = Projector(store)
    batch = store.inbox_batch(crashed.max_changes)
    store.write_journal(crashed._project(batch, [r["_id"] for r in batch]))  # ... and the process dies here
    assert _enrollments(store, "T") is None and store.inbox_size() == 30

    successor = Projector(store)
    successor.start_tenure()
    successor.finish_interrupted_batch()  # what every run does first
    assert _enrollments(store, "T") == 30 and store.inbox_size() == 0 and store.pending_journal() is None
    _enroll(store, "T", 35)  # 30 redelivered, 5 new
    successor.run()
    assert _enrollments(store, "T") == 35


def test_a_batch_interrupted_before_its_journal_is_projected_again(store):
    _enroll(store, "T", 10)
    Projector(store)._project(store.inbox_batch(5000))  # computed, never journalled
    Projector(store).run()
    assert _enrollments(store, "T") == 10


def test_only_one_holder_of_the_lease_at_a_time(store):
    first = Lease(store.leases, "reports.projector", ttl=dt.timedelta(seconds=30))
    second = Lease(store.leases, "reports.projector", ttl=dt.timedelta(seconds=30))
    assert first.hold() and first.acquired
    assert not second.hold()
    assert first.hold() and not first.acquired  # renewed, not re-acquired
    first.release()
    assert second.hold() and second.acquired


def test_an_expired_lease_is_taken_over(store):
    stale = Lease(store.leases, "reports.projector", ttl=dt.timedelta(seconds=-1))
    assert stale.hold()
    successor = Lease(store.leases, "reports.projector")
    assert successor.hold() and successor.acquired  # removes the stale lease and takes it
    assert not stale.hold()


def test_a_restarted_process_takes_over_its_dead_predecessors_lease_at_once(store):
    import subprocess
    import sys
    from mooc_common.infra.lease import local_holder
    # A predecessor in the same slot (address) whose process is gone; its lease is still valid.
    gone = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True,
                          text=True, check=True).stdout.strip()
    dead = local_holder("127.0.0.1:8104").split("|")
    dead[2] = gone
    assert Lease(store.leases, "reports.projector", holder="|".join(dead)).hold()
    other_slot = Lease(store.leases, "reports.projector", holder=local_holder("127.0.0.1:9999"))
    assert not other_slot.hold()  # another replica waits for the lease to expire
    restarted = Lease(store.leases, "reports.projector", holder=local_holder("127.0.0.1:8104"))
    assert restarted.hold() and restarted.acquired
    restarted.release()

    live = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        holder = local_holder("127.0.0.1:8104").split("|")
        holder[2] = str(live.pid)
        assert Lease(store.leases, "reports.projector", holder="|".join(holder)).hold()
        contender = Lease(store.leases, "reports.projector", holder=local_holder("127.0.0.1:8104"))
        assert not contender.hold()  # a live holder in the same slot keeps its lease
    finally:
        live.kill()
        live.wait()



def test_a_new_tenure_knows_the_facts_written_before_it(store):
    """The fact-key filter is what spares the store a read per event: once its scan is done,
    facts of an earlier tenure must still be read (never taken as absent), or a redelivered
    event would be counted twice."""
    _enroll(store, "T", 20)
    Projector(store).run()
    successor = Projector(store)
    successor.start_tenure()
    keys = successor.caches.fact_keys()
    eventually(lambda: keys.ready)
    assert all(keys.may_exist("enrollments", f"e{i}") for i in range(20))
    assert sum(keys.may_exist("enrollments", f"never-{i}") for i in range(200)) < 20  # ~1% false positives
    _enroll(store, "T", 25)  # the 20 again (redelivered after the restart) and 5 new
    successor.run()
    assert _enrollments(store, "T") == 25
    successor.close()
