"""Reports at the service layer (services/reports/service.py over the real store, the real
projector applying the inbox in a greenthread of its own, the source services' exports as
fakes): the ``rebuild`` RPC turns the sources' state into the stored report; who may read a
report (another tenant's admin: not found; a learner: denied; the operator: any tenant); the
year-end submission numbers racing versions 1, 2, ..., announces each once with its
deterministic id through the outbox, and keeps the frozen content."""
import base64
import gzip
import json

import eventlet
import pytest

from mooc_common.contracts.envelope import deterministic_event_id
from mooc_common.contracts.errors import NotFound, PermissionDenied, ValidationFailed
from mooc_common.contracts.events.reports import YEAR_END_REPORT_SUBMITTED
from mooc_common.infra.outbox import COLLECTION
from services.reports.projector import Projector
from services.reports.service import ReportsService
from services.reports.storage import ReportsStore
from tests.service.conftest import build_worker

pytestmark = pytest.mark.service

TENANT, OTHER = "a" * 32, "b" * 32
T = "2026-11-01T00:00:00+00:00"
OPERATOR = {"user_id": "op", "role": "operator_admin", "tenant_id": None}
ADMIN = {"user_id": "admin", "role": "tenant_admin", "tenant_id": TENANT}


def _pages(rows, key):
    """An export RPC: pages of at most ``limit`` rows after the cursor ``after``."""
    def export(*args):
        *scope, after, limit = args
        mine = [r for r in rows if not scope or r.get("tenant_id") == scope[0]]
        start = 0 if after is None else [r[key] for r in mine].index(after) + 1
        return [dict(r) for r in mine[start:start + limit]]
    return export


class Sources:
    """accounts', courses' and progress's read-only exports of one tenant: 3 learners, one
    course with 2 enrollments, one of them completed."""

    def __init__(self):
        tenants = [{"tenant_id": t, "code": code, "name": f"Tỉnh {code}", "kind": "province", "status": "active",
                    "learner_quota": None} for t, code in ((TENANT, "LCU"), (OTHER, "HGI"))]
        learners = [{"user_id": f"{n}" * 32, "tenant_id": TENANT, "role": "learner", "status": "active",
                     "unit_id": None, "category": "cadre", "created_at": T} for n in range(1, 4)]
        enrollments = [{"enrollment_id": f"e{n}", "course_id": "c" * 32, "intake_id": None, "learner_id": f"{n}" * 32,
                        "unit_id": None, "category": "cadre", "enrolled_at": T, "status": "active",
                        "tenant_id": TENANT} for n in (1, 2)]
        completions = [dict(enrollments[0], completed_at=T, course_owner_tenant_id=TENANT)]
        courses = [{"course_id": "c" * 32, "owner_tenant_id": TENANT, "status": "published", "code": "ATTT",
                    "title": "An toàn thông tin", "revision": 1}]
        self.accounts = type("Accounts", (), {"export_tenants": staticmethod(_pages(tenants, "tenant_id")),
                                              "export_users": staticmethod(_pages(learners, "user_id"))})
        self.courses = type("Courses", (), {"export_courses": staticmethod(_pages(courses, "course_id")),
                                            "export_enrollments": staticmethod(_pages(enrollments, "enrollment_id"))})

        def export_completions(tenant_id, after, limit):
            page = _pages(completions, "enrollment_id")(tenant_id, after, limit)
            return {"next_after": page[-1]["enrollment_id"] if page else None, "completions": page}
        self.progress = type("Progress", (), {"export_completions": staticmethod(export_completions)})


@pytest.fixture(scope="module")
def reports(probe_env):
    """One worker for the module (a reports database takes seconds to create on FerretDB);
    the tests keep apart: only the first one rebuilds OTHER, and each filters what it reads."""
    sources = Sources()
    worker, published = build_worker(probe_env, ReportsService, ReportsStore, accounts=sources.accounts,
                                      courses=sources.courses, progress=sources.progress)
    projector, running = Projector(worker.store), [True]

    def project():  # what SingleProjector's loop does while it holds the lease
        while running:
            if not projector.run_once():
                eventlet.sleep(0.02)
    thread = eventlet.spawn(project)
    yield worker, published
    running.clear()
    thread.wait()


def _report(worker, actor, tenant_id):
    return json.loads(gzip.decompress(base64.b64decode(worker.tenant_report(actor, tenant_id)["gzip"])))


def test_rebuild_turns_the_sources_state_into_the_stored_report(reports):
    worker, _ = reports
    with pytest.raises(NotFound):
        worker.tenant_report(OPERATOR, OTHER)  # nothing projected yet
    first = worker.rebuild([TENANT])
    assert list(first) == [TENANT] and first[TENANT] >= 1 + 3 + 2 + 1  # the tenant, users, enrollments, completion
    report = _report(worker, ADMIN, TENANT)
    assert (report["code"], report["learners"]) == ("LCU", 3)
    assert [(c["code"], c["enrollments"], c["completions"]) for c in report["by_course"]] == [("ATTT", 2, 1)]
    assert worker.rebuild(None) == {TENANT: first[TENANT], OTHER: 1}  # every tenant; again: the same facts
    assert _report(worker, ADMIN, TENANT)["learners"] == 3
    with pytest.raises(NotFound):
        worker.rebuild(["f" * 32])
    with pytest.raises(ValidationFailed):
        worker.rebuild(["not an id"])


def test_a_report_is_read_by_its_tenant_and_the_operator_only(reports):
    worker, _ = reports
    worker.rebuild([TENANT])
    viewer = {"user_id": "v", "role": "report_viewer", "tenant_id": TENANT}
    assert _report(worker, viewer, TENANT)["code"] == "LCU"
    assert _report(worker, OPERATOR, TENANT)["code"] == "LCU"
    other_admin = {"user_id": "x", "role": "tenant_admin", "tenant_id": OTHER}
    learner = {"user_id": "1" * 32, "role": "learner", "tenant_id": TENANT}
    for read in (lambda actor: worker.tenant_report(actor, TENANT),
                 lambda actor: worker.year_end_report(actor, TENANT, {"year": 2026, "format": "json"}),
                 lambda actor: worker.year_end_versions(actor, TENANT, 2026)):
        with pytest.raises(NotFound):
            read(other_admin)  # another tenant's report does not exist for it
        with pytest.raises(PermissionDenied):
            read(learner)
    with pytest.raises(PermissionDenied):
        worker.national_report(ADMIN, {})
    national = json.loads(worker.national_report(OPERATOR, {"year": 2026}))
    assert TENANT in json.dumps(national)


def test_racing_year_end_submissions_get_one_number_each_and_are_announced_once(reports):
    worker, published = reports
    worker.rebuild([TENANT])
    worker.save_year_end_evaluation(ADMIN, TENANT, 2026, {"evaluation": "Hoàn thành kế hoạch."})
    assert worker.year_end_report(ADMIN, TENANT, {"year": 2026, "format": "json"})["content"]["evaluation"] == \
        "Hoàn thành kế hoạch."
    submitted = list(eventlet.GreenPool(3).imap(
        lambda n: worker.submit_year_end_report(ADMIN, TENANT, 2026, {"evaluation": f"Bản {n}"}), range(3)))
    assert sorted(s["version"] for s in submitted) == [1, 2, 3]
    events = published.of_type(YEAR_END_REPORT_SUBMITTED)
    assert sorted(e["event_id"] for e in events) == sorted(
        str(deterministic_event_id("year_end_report.submitted", TENANT, 2026, n)) for n in (1, 2, 3))
    assert worker.store.db[COLLECTION].count_documents({}) == 0
    versions = worker.year_end_versions(ADMIN, TENANT, 2026)["versions"]
    assert [v["version"] for v in versions] == [1, 2, 3]
    by_number = {s["version"]: s for s in submitted}
    frozen = worker.year_end_version(OPERATOR, TENANT, {"year": 2026, "version": 2, "format": "json"})
    assert frozen["content_sha256"] == by_number[2]["content_sha256"]
    assert frozen["content"]["evaluation"] in {"Bản 0", "Bản 1", "Bản 2"}
    with pytest.raises(PermissionDenied):  # a viewer reads, only the tenant's admin submits
        worker.submit_year_end_report({"user_id": "v", "role": "report_viewer", "tenant_id": TENANT}, TENANT, 2026,
                                      {"evaluation": "x"})
    with pytest.raises(NotFound):
        worker.submit_year_end_report({"user_id": "y", "role": "tenant_admin", "tenant_id": "e" * 32}, "e" * 32,
                                      2026, {"evaluation": "x"})  # no report for that tenant
