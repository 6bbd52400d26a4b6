"""Real answers, for each role, match the OpenAPI document (status documented, body valid).

A learner's journey and the staff's views are driven over HTTP; every answer (successes and
refusals) is checked against ``/api/v1/openapi.json`` with schemathesis' response validation.
The unit test ``gateway/tests/test_openapi.py`` checks that no route is missing from the document.
"""
import uuid

import pytest
import requests
import schemathesis

from tests.e2e.courses_fixtures import TenantKit, course_body
from tests.polling import eventually

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(900)]  # may be the first to start the platform
API = "/api/v1"


class CheckedClient:
    """Sends requests and validates each answer against the document; remembers what it checked."""

    def __init__(self, base_url, schema, authorization=None, checked=None):
        self.base_url, self.schema = base_url, schema
        self.session = requests.Session()
        if authorization:
            self.session.headers["Authorization"] = authorization
        self.checked = checked if checked is not None else []

    def call(self, method, path, expect, **kwargs):
        response = self.session.request(method, f"{self.base_url}{path}", timeout=30, **kwargs)
        assert response.status_code == expect, (method, path, response.status_code, response.text)
        operation = self.schema.find_operation_by_path(method, path.split("?")[0])
        assert operation is not None, f"{method} {path} is not in the document"
        operation.validate_response(response)  # raises when the status or the body is not as documented
        self.checked.append((operation.label, response.status_code))
        return response.json() if "json" in response.headers.get("Content-Type", "") else response.content


@pytest.fixture(scope="module")
def schema(platform):
    return schemathesis.openapi.from_url(f"{platform.base_url}{API}/openapi.json")


@pytest.fixture(scope="module")
def checked():
    return []


def _as(platform, schema, api_client, checked):
    return CheckedClient(platform.base_url, schema, api_client.session.headers.get("Authorization"), checked)


def test_answers_of_every_role_match_the_document(platform, operator, schema, checked):
    kit = TenantKit(operator, platform)
    op = _as(platform, schema, operator, checked)
    admin = _as(platform, schema, kit.admin, checked)
    instructor = _as(platform, schema, kit.instructor, checked)
    learner_user, learner_client = kit.user("learner")
    learner = _as(platform, schema, learner_client, checked)
    anonymous = CheckedClient(platform.base_url, schema, checked=checked)
    tenant = kit.tenant_id

    # operator: tenants, a page with Link headers
    op.call("GET", f"{API}/tenants?limit=1", 200)
    op.call("GET", f"{API}/tenants/{tenant}", 200)
    op.call("PUT", f"{API}/tenants/{tenant}/training-plans/2026", 403,
            json={"planned_courses": 1, "planned_learners": 1})
    op.call("GET", f"{API}/integrations/subscribers", 200)
    # tenant admin: units, users, a training plan
    unit = admin.call("POST", f"{API}/tenants/{tenant}/units", 201, json={"code": "SO-TT", "name": "Sở Tư pháp"})
    admin.call("GET", f"{API}/tenants/{tenant}/units", 200)
    admin.call("PATCH", f"{API}/units/{unit['unit_id']}", 200, json={"name": "Sở Tư pháp tỉnh"})
    admin.call("GET", f"{API}/users/{learner_user['user_id']}", 200)
    admin.call("PUT", f"{API}/tenants/{tenant}/training-plans/2026", 200,
               json={"planned_courses": 3, "planned_learners": 100})
    admin.call("GET", f"{API}/tenants/{tenant}/training-plans/2026", 200)
    admin.call("POST", f"{API}/tenants/{tenant}/users", 422, json={"username": "x"})
    admin.call("GET", f"{API}/tenants", 403)
    # instructor: a course, published, with an intake
    course = instructor.call("POST", f"{API}/courses", 201, json=course_body())
    course_id = course["course_id"]
    instructor.call("POST", f"{API}/courses/{course_id}/publish", 200)
    instructor.call("GET", f"{API}/courses?scope=owned", 200)
    instructor.call("GET", f"{API}/courses/{course_id}/intakes", 200)
    # learner: catalog, enrollment, activity, progress
    learner.call("GET", f"{API}/courses", 200)
    learner.call("GET", f"{API}/courses/{course_id}", 200)
    learner.call("POST", f"{API}/courses/{course_id}/enrollments", 201, json={})
    learner.call("GET", f"{API}/me/courses", 200)
    lesson = course["sections"][0]["lessons"][1]["lesson_id"]
    eventually(lambda: requests.post(f"{platform.base_url}{API}/activities", timeout=10, json={
        "activity_id": str(uuid.uuid4()), "kind": "lesson_opened", "course_id": course_id, "lesson_id": lesson,
        "occurred_at": "2026-11-23T09:00:00+07:00"},
        headers={"Authorization": learner.session.headers["Authorization"]}).status_code == 202, timeout=120)
    learner.call("POST", f"{API}/activities", 202, json={
        "activity_id": str(uuid.uuid4()), "kind": "lesson_completed", "course_id": course_id,
        "lesson_id": lesson, "occurred_at": "2026-11-23T09:05:00+07:00"})
    learner.call("GET", f"{API}/me/courses/{course_id}/progress", 200)
    learner.call("GET", f"{API}/users/{learner_user['user_id']}", 200)
    learner.call("GET", f"{API}/tenants/{tenant}/users", 403)
    # staff views
    admin.call("GET", f"{API}/courses/{course_id}/enrollments?limit=5", 200)
    admin.call("GET", f"{API}/courses/{course_id}/progress?limit=5", 200)
    # public
    anonymous.call("GET", f"{API}/certificates/verify/NOPE-0000", 404)
    anonymous.call("GET", f"{API}/events/catalog", 200)
    anonymous.call("GET", f"{API}/tenants", 401)
    anonymous.call("POST", f"{API}/auth/token", 401, json={"username": "nobody", "password": "wrong"})
    anonymous.call("GET", "/health", 200)

    assert len(checked) >= 30
    assert {status for _, status in checked} >= {200, 201, 202, 401, 403, 404, 422}


def test_list_routes_answer_rfc8288_links_and_totals(platform, operator):
    # Tenants, not users: listing users scans the users collection, which the import tests
    # make large (slow on FerretDB, docs/architecture.md).
    kit = TenantKit(operator, platform)
    TenantKit(operator, platform)
    first = operator.session.get(f"{platform.base_url}{API}/tenants", params={"limit": 2}, timeout=30)
    links = requests.utils.parse_header_links(first.headers["Link"])
    by_rel = {link["rel"]: link["url"] for link in links}
    assert set(by_rel) == {"first", "next"} and len(first.json()) == 2
    second = operator.session.get(f"{platform.base_url}{by_rel['next']}", timeout=30)
    assert second.status_code == 200 and "prev" in second.headers["Link"]
    assert {t["tenant_id"] for t in first.json()}.isdisjoint({t["tenant_id"] for t in second.json()})
    # a route that knows its total says so, and links the last page
    kit.instructor.post("/api/v1/courses", course_body())
    kit.instructor.post("/api/v1/courses", course_body())
    owned = kit.instructor.session.get(f"{platform.base_url}{API}/courses",
                                       params={"scope": "owned", "limit": 1}, timeout=10)
    assert owned.headers["X-Total-Count"] == "2" and owned.json()["total"] == 2
    rels = {link["rel"]: link["url"] for link in requests.utils.parse_header_links(owned.headers["Link"])}
    assert set(rels) == {"first", "next", "last"} and "offset=1" in rels["last"] and "scope=owned" in rels["last"]
    # page sizes are bounded
    too_big = operator.session.get(f"{platform.base_url}{API}/tenants", params={"limit": 201}, timeout=30)
    assert too_big.status_code == 422 and list(too_big.json()["errors"]) == ["limit"]
