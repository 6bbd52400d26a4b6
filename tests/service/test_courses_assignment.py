"""Courses' assignment jobs at the service layer (services/courses/service.py ``assign`` and
``run_assignment_job`` over the real store and outbox; the broker hand-off recorded).

Batches are made small here (``assignment.BATCH`` = 100) so that a few hundred learners
cross several batch boundaries, a last partial batch and the side-by-side groups; the same
code at 40,000 learners and 1,000 per batch is timed by bench/courses_assign.py. Checked:
only the job's tenant and subtree are enrolled, deactivated learners are skipped, every
enrollment is announced exactly once per event id, a re-run (a redelivered job) enrolls and
announces nothing more, and a job that died between writing a batch and announcing it
announces that batch when it is run again, still once per enrollment."""
import collections
import uuid

import pytest

from mooc_common.contracts.events.courses import ENROLLMENT_CREATED
from mooc_common.infra.outbox import COLLECTION
from services.courses import assignment
from services.courses.service import CoursesService
from services.courses.storage import CoursesStore, enrollment_id
from tests.e2e.courses_fixtures import course_body

pytestmark = pytest.mark.service

BATCH = 100
LEARNERS = 350  # batches of 100, 100 | 100, 50: two groups of side-by-side batches


class Accounts:
    """The accounts RPCs the assignment job may call (usernames are resolved by accounts)."""

    def __init__(self, usernames):
        self.usernames = usernames

    def resolve_usernames(self, actor, tenant_id, usernames):
        return {name: self.usernames.get(name) for name in usernames}


@pytest.fixture
def tenancy(service_worker, monkeypatch):
    """A published course of tenant A; A's root unit, its child unit with LEARNERS learners,
    a sibling unit with 5, and tenant B's learners; ``run(spec)`` runs a job to its end."""
    monkeypatch.setattr(assignment, "BATCH", BATCH)
    tenant, other = uuid.uuid4().hex, uuid.uuid4().hex
    names = {f"hv{n}": uuid.uuid4().hex for n in range(LEARNERS)}
    worker, published = service_worker(CoursesService, CoursesStore, accounts=Accounts(names))
    admin = {"user_id": "admin", "role": "tenant_admin", "tenant_id": tenant}
    root, child, sibling = (uuid.uuid4().hex for _ in range(3))
    worker.store.insert_replicas("units", [
        {"_id": root, "tenant_id": tenant, "path": [root]},
        {"_id": child, "tenant_id": tenant, "path": [root, child]},
        {"_id": sibling, "tenant_id": tenant, "path": [sibling]}])

    def learners(tenant_id, unit_id, ids, status="active"):
        worker.store.insert_replicas("learners", [
            {"_id": i, "user_id": i, "tenant_id": tenant_id, "role": "learner", "unit_id": unit_id,
             "category": "civil_servant", "status": status} for i in ids])
    learners(tenant, child, names.values())
    learners(tenant, sibling, [uuid.uuid4().hex for _ in range(5)])
    learners(tenant, child, [uuid.uuid4().hex for _ in range(3)], status="inactive")
    learners(other, None, [uuid.uuid4().hex for _ in range(4)])
    course = worker.create_course(admin, course_body())
    course = worker.publish_course(admin, course["course_id"])
    published.clear()

    def run(spec):
        job = worker.assign(admin, course["course_id"], spec)
        worker.run_assignment_job({"job_id": job["job_id"]})
        return worker.get_job(admin, job["job_id"])
    return {"worker": worker, "published": published, "course": course, "run": run, "admin": admin,
            "root": root, "child": child, "names": names, "tenant": tenant, "other": other}


def _announced(published):
    return collections.Counter(e["payload"]["enrollment_id"] for e in published.of_type(ENROLLMENT_CREATED))


def test_a_unit_subtree_enrolls_its_active_learners_once_each_announced_once(tenancy):
    t = tenancy
    job = t["run"]({"unit_id": t["root"]})
    expected = {enrollment_id(t["course"]["course_id"], i) for i in t["names"].values()}
    assert (job["state"], job["total"], job["done"]) == ("succeeded", LEARNERS, LEARNERS)
    assert job["result"] == {"enrolled": LEARNERS, "already_enrolled": 0,
                             "skipped": {"unknown": 0, "not_enrollable": 3}}
    enrollments = t["worker"].store.enrollments
    assert {e["_id"] for e in enrollments.find({})} == expected  # not the sibling unit, not tenant B
    assert {e["source"] for e in enrollments.find({})} == {"unit"}
    announced = _announced(t["published"])
    assert set(announced) == expected and set(announced.values()) == {1}
    assert len({e["event_id"] for e in t["published"]}) == len(t["published"])
    assert t["worker"].store.db[COLLECTION].count_documents({}) == 0  # every batch's entry was sent


def test_a_redelivered_job_enrolls_and_announces_nothing_more(tenancy):
    t = tenancy
    first = t["run"]({"unit_id": t["child"]})
    t["worker"].store.update_job(first["job_id"], {"state": "running"})  # died before it recorded its end
    t["worker"].run_assignment_job({"job_id": first["job_id"]})
    again = t["worker"].get_job(t["admin"], first["job_id"])
    assert again["result"]["enrolled"] == 0 and again["result"]["already_enrolled"] == LEARNERS
    assert set(_announced(t["published"]).values()) == {1}
    assert len(_announced(t["published"])) == LEARNERS
    # a second job for the same learners: already enrolled, announced when they were created
    second = t["run"]({"usernames": sorted(t["names"])})
    assert second["result"]["already_enrolled"] == LEARNERS and second["result"]["enrolled"] == 0
    assert len(t["published"].of_type(ENROLLMENT_CREATED)) == LEARNERS


def test_a_job_that_died_between_writing_and_announcing_a_batch_announces_it_when_run_again(tenancy):
    t = tenancy
    sends = []

    def die_at_the_third_send():
        sends.append(1)
        if len(sends) == 3:
            raise ConnectionError("the process died here")
    t["worker"].events.failpoint = die_at_the_third_send
    job = t["worker"].assign(t["admin"], t["course"]["course_id"], {"unit_id": t["root"]})
    with pytest.raises(ConnectionError):
        t["worker"].run_assignment_job({"job_id": job["job_id"]})
    stored = t["worker"].store.enrollments.count_documents({})
    assert t["worker"].store.get_job(job["job_id"])["state"] == "running"
    assert len(_announced(t["published"])) < stored  # one batch written, not announced
    t["worker"].run_assignment_job({"job_id": job["job_id"]})  # the redelivery
    done = t["worker"].get_job(t["admin"], job["job_id"])
    assert done["state"] == "succeeded" and done["result"]["enrolled"] == LEARNERS - stored
    announced = _announced(t["published"])
    assert len(announced) == LEARNERS and set(announced.values()) == {1}
    assert t["worker"].store.db[COLLECTION].count_documents({}) == 0


def test_a_listed_job_skips_unknown_and_other_tenants_learners(tenancy):
    t = tenancy
    mine = list(t["names"].values())[:3]
    theirs = [l["_id"] for l in t["worker"].store.learners.find({"tenant_id": t["other"]})][:2]
    job = t["run"]({"learner_ids": mine + theirs + [uuid.uuid4().hex, mine[0]]})
    assert job["result"] == {"enrolled": 3, "already_enrolled": 0,
                             "skipped": {"unknown": 3, "not_enrollable": 0}}
    assert set(_announced(t["published"])) == {enrollment_id(t["course"]["course_id"], i) for i in mine}
