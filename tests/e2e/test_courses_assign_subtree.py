"""A unit subtree assigned as a background job, on a platform of its own: the enrollment
events it floods progress and reports with stay out of other tests.

2,100 learners make three batches of 1,000 (the last one partial) in two side-by-side groups
(services/courses/assignment.py), so every boundary of the job is crossed; the same job at
40,000 learners is timed by bench/courses_assign.py (``make bench``'s scale scenarios, target
under 60 s), not here. A crash between a batch's write and its announcement, a redelivered
job and the same learners assigned again are covered at the service layer
(tests/service/test_courses_assignment.py)."""
import pytest

from api_client import ApiClient
from isolated_env import isolated_env, started_platform
from platformctl import SERVICES
from tests.conftest import ROOT
from tests.e2e.courses_fixtures import (TenantKit, courses_db, finished_job, import_unit_learners,
                                        published_course, service_db)
from tests.polling import eventually

pytestmark = pytest.mark.e2e

LEARNERS = 2100


@pytest.fixture(scope="module")
def big_platform(infra):
    # Without notifications: these learners exist only as events (no accounts, no addresses),
    # so it would only skip their mails while adding its store writes to this test's load;
    # the mails of a 40,000-learner assignment are measured by bench/notifications_send.py.
    services = tuple(s for s in SERVICES if s != "notifications")
    with isolated_env(infra, "assign") as env, \
            started_platform(env, ROOT / "var" / "log" / "test-assign", services=services) as plat:
        yield plat


@pytest.fixture(scope="module")
def big_operator(big_platform):
    return ApiClient(big_platform.base_url, timeout=30).signed_in(
        big_platform.env["OPERATOR_USERNAME"], big_platform.env["OPERATOR_PASSWORD"])


@pytest.mark.timeout(600)  # the machine's 2 cores are shared: allow a slow run
def test_assigning_a_unit_subtree_runs_as_a_background_job_once_per_learner(big_platform, big_operator):
    platform = big_platform
    a, b = TenantKit(big_operator, platform), TenantKit(big_operator, platform)
    root, unit, ids = import_unit_learners(platform, a.tenant_id, LEARNERS)
    import_unit_learners(platform, b.tenant_id, 10)  # another tenant's learners are never assigned
    learners = courses_db(platform)["learners"]
    eventually(lambda: learners.count_documents({"unit_id": unit}) == LEARNERS, timeout=240, interval=2)
    course = published_course(a.admin)
    path = f"/api/v1/courses/{course['course_id']}/assignments"
    assert b.admin.post(path, {"unit_id": root}, expect=(404,))["code"] == "not_found"
    job = a.admin.post(path, {"unit_id": root}, expect=(202,))
    assert job["state"] == "queued"
    done = eventually(lambda: finished_job(a.admin, job["job_id"]), timeout=500, interval=1)
    assert done["total"] == LEARNERS and done["done"] == LEARNERS and done["result"]["enrolled"] == LEARNERS
    enrollments = courses_db(platform)["enrollments"]
    stored = list(enrollments.find({"course_id": course["course_id"]}, {"learner_id": 1, "tenant_id": 1}))
    assert sorted(e["learner_id"] for e in stored) == sorted(ids)  # each learner once, only tenant A's
    page = a.admin.get(f"/api/v1/courses/{course['course_id']}/enrollments", params={"limit": 200})["items"]
    assert len(page) == 200 and all(e["source"] == "unit" and e["unit_id"] == unit for e in page)
    assert b.admin.get(f"/api/v1/courses/{course['course_id']}/enrollments", expect=(404,))["code"] == "not_found"
    # progress's replica takes the enrollments in batches (services/progress/enrollments.py),
    # each once, with its unit's path
    replica = service_db(platform, "progress")["enrollments"]
    eventually(lambda: replica.count_documents({"course_id": course["course_id"]}) == LEARNERS, timeout=240,
               interval=2)
    paths = {tuple(e["unit_path"]) for e in replica.find({"course_id": course["course_id"]}, {"unit_path": 1})}
    assert paths == {(root, unit)}
