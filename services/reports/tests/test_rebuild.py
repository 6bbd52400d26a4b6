"""The rebuild over fake sources and a fake store whose projector applies every record at once."""
import datetime as dt
from types import SimpleNamespace

import pytest

from mooc_common.contracts.errors import NotFound
from services.reports import rebuild as rebuild_module
from services.reports.rebuild import Rebuild, RebuildTimedOut

V = dt.datetime(2026, 11, 30, tzinfo=dt.timezone.utc)
T = "2026-11-01T00:00:00+00:00"


def pages(rows, key):
    """An export RPC: pages of at most PAGE rows after the cursor ``key`` of the last one."""
    def export(*args):
        *scope, after, limit = args
        mine = [r for r in rows if not scope or r.get("tenant_id", scope[0]) == scope[0]]
        start = 0 if after is None else [r[key] for r in mine].index(after) + 1
        return [dict(r) for r in mine[start:start + limit]]
    return export


def completions(rows):
    def export(tenant_id, after, limit):
        page = pages(rows, "enrollment_id")(tenant_id, after, limit)
        return {"next_after": page[-1]["enrollment_id"] if page else None, "completions": page}
    return export


class FakeStore:
    def __init__(self, applies=True):
        self.queued, self.applies = [], applies

    def enqueue_many(self, records):
        self.queued += records

    def has_record(self, record_id):
        return not self.applies


def sources(users=3):
    tenants = [{"tenant_id": t, "code": t.upper(), "name": t, "kind": "province", "status": "active",
                "learner_quota": None} for t in ("t1", "t2")]
    learners = [{"user_id": f"u{i}", "tenant_id": "t1", "role": "learner", "status": "active", "unit_id": None,
                 "category": "cadre", "created_at": T} for i in range(users)]
    enrollments = [{"enrollment_id": "e1", "course_id": "c1", "intake_id": None, "learner_id": "u0",
                    "unit_id": None, "category": "cadre", "enrolled_at": T, "status": "active", "tenant_id": "t1"}]
    done = [dict(enrollments[0], completed_at=T, course_owner_tenant_id="t1")]
    courses = [{"course_id": c, "owner_tenant_id": owner, "status": status, "code": c, "title": c, "revision": 1}
               for c, owner, status in (("c1", "t1", "published"), ("n1", None, "published"), ("d1", "t1", "draft"))]
    return SimpleNamespace(
        accounts=SimpleNamespace(export_tenants=pages(tenants, "tenant_id"), export_users=pages(learners, "user_id")),
        courses=SimpleNamespace(export_courses=pages(courses, "course_id"),
                                export_enrollments=pages(enrollments, "enrollment_id")),
        progress=SimpleNamespace(export_completions=completions(done)))


def test_rebuild_queues_courses_then_per_tenant_a_reset_and_the_exported_state(monkeypatch):
    monkeypatch.setattr(rebuild_module, "PAGE", 2)  # several pages of users
    store = FakeStore()
    assert set(Rebuild(sources(), store, version=V).run(["t1"])) == {"t1"}
    kinds = [(r["kind"], r["tenant_id"]) for r in store.queued]
    assert kinds[:3] == [("changes", "t1"), ("changes", "*"), ("reset", "t1")]  # draft courses are left out
    assert store.queued[2]["collections"] == ["users", "enrollments", "completions", "trained_years"]
    exported = store.queued[3:]
    assert len(exported) == 1 + 2 + 1 + 1  # the tenant, two pages of users, enrollments, completions
    assert all(r["at"] == V and r["tenant_id"] == "t1" for r in exported)
    changed = {c["c"] for r in exported for c in r["changes"]}
    assert {"tenants", "users", "enrollments", "completions"} <= changed


def test_rebuild_of_every_tenant_and_refusal_of_an_unknown_one():
    store = FakeStore()
    assert list(Rebuild(sources(), store, version=V).run(None)) == ["t1", "t2"]
    refused = FakeStore()
    with pytest.raises(NotFound):
        Rebuild(sources(), refused, version=V).run(["t1", "nope"])
    assert refused.queued == []  # nothing queued before the refusal


def test_rebuild_gives_up_when_the_projector_does_not_apply_its_records():
    naps = []
    with pytest.raises(RebuildTimedOut):
        Rebuild(sources(), FakeStore(applies=False), version=V, sleep=naps.append, wait_seconds=0).run(["t1"])
    assert naps == [] or naps[0] == rebuild_module.POLL_SECONDS
