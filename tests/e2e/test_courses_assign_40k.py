"""A 40,000-learner unit subtree assigned as a background job, on a platform of its own:
the 40,000 enrollment events it floods progress and reports with stay out of other tests."""
import pytest

from api_client import ApiClient
from isolated_env import isolated_env, started_platform
from platformctl import SERVICES
from tests.conftest import ROOT
from tests.e2e.courses_fixtures import (TenantKit, courses_db, finished_job, import_unit_learners,
                                        published_course)
from tests.polling import eventually

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def big_platform(infra):
    # Without notifications: these learners exist only as events (no accounts, no addresses),
    # so it would only skip 40,000 mails while adding their store writes to this test's load;
    # the mails of a 40,000-learner assignment are measured by bench/notifications_send.py.
    services = tuple(s for s in SERVICES if s != "notifications")
    with isolated_env(infra, "assign") as env, \
            started_platform(env, ROOT / "var" / "log" / "test-assign", services=services) as plat:
        yield plat


@pytest.fixture(scope="module")
def big_operator(big_platform):
    return ApiClient(big_platform.base_url, timeout=30).signed_in(
        big_platform.env["OPERATOR_USERNAME"], big_platform.env["OPERATOR_PASSWORD"])


@pytest.mark.timeout(900)  # the machine's 2 cores are shared: allow a slow run
def test_assigning_a_unit_subtree_of_40000_learners_runs_as_a_background_job(big_platform, big_operator):
    platform = big_platform
    a, b = TenantKit(big_operator, platform), TenantKit(big_operator, platform)
    count = 40_000
    root, unit, ids = import_unit_learners(platform, a.tenant_id, count)
    learners = courses_db(platform)["learners"]
    eventually(lambda: learners.count_documents({"unit_id": unit}) == count, timeout=240, interval=2)
    course = published_course(a.admin)
    assert b.admin.post(f"/api/v1/courses/{course['course_id']}/assignments", {"unit_id": root},
                        expect=(404,))["code"] == "not_found"
    job = a.admin.post(f"/api/v1/courses/{course['course_id']}/assignments", {"unit_id": root},
                       expect=(202,))
    assert job["state"] == "queued"
    done = eventually(lambda: finished_job(a.admin, job["job_id"]), timeout=800, interval=1)
    assert done["total"] == count and done["done"] == count and done["result"]["enrolled"] == count
    page = a.admin.get(f"/api/v1/courses/{course['course_id']}/enrollments", params={"limit": 200})["items"]
    assert len(page) == 200 and all(e["source"] == "unit" and e["unit_id"] == unit for e in page)
    assert b.admin.get(f"/api/v1/courses/{course['course_id']}/enrollments", expect=(404,))["code"] == "not_found"
