"""Isolation matrix: every accounts route x every tenant role.

Tenant A's admin, instructor, report viewer and learner get 403 or 404 on every route for
tenant B's objects; within their own tenant, lower roles cannot do higher roles' actions.
"""
import pytest

from api_client import ApiError
from tests.e2e.accounts_fixtures import API, world_a, world_b  # noqa: F401

pytestmark = pytest.mark.e2e

ROLES = ("tenant_admin", "instructor", "report_viewer", "learner")
UNIT = {"code": "NEW-UNIT", "name": "Phòng mới"}
USER = {"username": "intruder.x1", "full_name": "Kẻ lạ", "email": "x@example.vn", "category": "citizen"}
CSV = "username,full_name,email,phone,unit_code,category,job_title\r\nab.cd,Tên,a@b.vn,,SO-NV,worker,\r\n"

# (method, path with {tenant} {unit} {user} {job}, body)
OBJECT_ROUTES = [
    ("GET", "/tenants/{tenant}", None),
    ("PATCH", "/tenants/{tenant}", {"learner_quota": 30_000}),
    ("POST", "/tenants/{tenant}/suspend", None),
    ("POST", "/tenants/{tenant}/reactivate", None),
    ("PUT", "/tenants/{tenant}/training-plans/2027", {"planned_courses": 1, "planned_learners": 1}),
    ("GET", "/tenants/{tenant}/training-plans/2027", None),
    ("POST", "/tenants/{tenant}/units", UNIT),
    ("GET", "/tenants/{tenant}/units", None),
    ("PATCH", "/units/{unit}", {"name": "Đổi tên"}),
    ("POST", "/units/{unit}/move", {"parent_id": None}),
    ("POST", "/units/{unit}/deactivate", None),
    ("POST", "/tenants/{tenant}/users", USER),
    ("GET", "/tenants/{tenant}/users", None),
    ("GET", "/users/{user}", None),
    ("PATCH", "/users/{user}", {"job_title": "Đổi"}),
    ("POST", "/users/{user}/deactivate", None),
    ("POST", "/users/{user}/reactivate", None),
    ("POST", "/tenants/{tenant}/imports", CSV),
    ("GET", "/imports/{job}", None),
    ("GET", "/imports/{job}/activation-codes", None),
]
# admin-only actions inside one's own tenant (for the three lower roles), operator-only for admins
ADMIN_ONLY = [r for r in OBJECT_ROUTES if r[1] != "/users/{user}" or r[0] != "GET"]
OPERATOR_ONLY = [("GET", "/tenants", None), ("POST", "/tenants", {"code": "ZZ"}),
                 ("PATCH", "/tenants/{tenant}", {"learner_quota": 30_000}),
                 ("POST", "/tenants/{tenant}/suspend", None), ("POST", "/tenants/{tenant}/reactivate", None)]


def _ids(world, job_id):
    return {"tenant": world.id, "unit": world.unit["unit_id"], "user": world.users["learner"]["user_id"],
            "job": job_id}


def _status(client, method, path, body):
    kwargs = {"data": body.encode(), "headers": {"Content-Type": "text/csv"}} if isinstance(body, str) \
        else {"json": body}
    try:
        client.request(method, f"{API}{path}", expect=(200, 201, 202), **kwargs)
        return 200
    except ApiError as exc:
        return exc.status


@pytest.fixture(scope="module")
def jobs(world_a, world_b):
    """A dry-run import job in each tenant."""
    return {w.id: w.clients["tenant_admin"].request(
        "POST", f"{API}/tenants/{w.id}/imports", params={"dry_run": "true"}, data=CSV.encode(),
        headers={"Content-Type": "text/csv"}, expect=(202,))["job_id"] for w in (world_a, world_b)}


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("method, path, body", OBJECT_ROUTES, ids=lambda v: str(v)[:40])
def test_other_tenants_objects_are_out_of_reach(world_a, world_b, jobs, role, method, path, body):
    client = world_a.clients[role]
    assert _status(client, method, path.format(**_ids(world_b, jobs[world_b.id])), body) in (403, 404)


@pytest.mark.parametrize("role", ("instructor", "report_viewer", "learner"))
@pytest.mark.parametrize("method, path, body", ADMIN_ONLY, ids=lambda v: str(v)[:40])
def test_lower_roles_cannot_administer_their_own_tenant(world_a, jobs, role, method, path, body):
    client = world_a.clients[role]
    assert _status(client, method, path.format(**_ids(world_a, jobs[world_a.id])), body) == 403


@pytest.mark.parametrize("method, path, body", OPERATOR_ONLY, ids=lambda v: str(v)[:40])
def test_tenant_admin_cannot_do_operator_actions(world_a, jobs, method, path, body):
    client = world_a.clients["tenant_admin"]
    assert _status(client, method, path.format(**_ids(world_a, jobs[world_a.id])), body) == 403


def test_tenant_b_is_untouched(operator, world_b):
    tenant = operator.get(f"{API}/tenants/{world_b.id}")
    assert tenant["status"] == "active" and tenant["learner_quota"] == 20_000
    units = operator.get(f"{API}/tenants/{world_b.id}/units")
    assert [(u["name"], u["status"]) for u in units] == [("Sở Nội vụ", "active")]
    assert operator.get(f"{API}/users/{world_b.users['learner']['user_id']}")["status"] == "active"


def test_tenant_admin_keeps_its_own_focal_contact_current_and_nothing_else(world_a, world_b, operator):
    """The year-end focal contact is the tenant admin's to keep current; quotas and names stay
    the operator's, and another tenant's contact is out of reach (404)."""
    client = world_a.clients["tenant_admin"]
    contact = {"full_name": "Trần Thị Đầu Mối", "mobile": "0912345678", "email": "dau.moi@example.gov.vn"}
    changed = client.request("PATCH", f"{API}/tenants/{world_a.id}", json={"focal_contact": contact}, expect=(200,))
    assert changed["focal_contact"] == contact
    assert operator.get(f"{API}/tenants/{world_a.id}")["focal_contact"] == contact
    assert _status(client, "PATCH", f"/tenants/{world_a.id}", {"focal_contact": contact, "name": "Khác"}) == 403
    assert _status(client, "PATCH", f"/tenants/{world_b.id}", {"focal_contact": contact}) == 404
    assert operator.get(f"{API}/tenants/{world_b.id}")["focal_contact"] != contact
