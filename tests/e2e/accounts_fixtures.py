"""Helpers of the accounts end-to-end tests: tenants with an admin and people in each role."""
import secrets
from dataclasses import dataclass, field

import pytest

from api_client import ApiClient

API = "/api/v1"
FOCAL = {"full_name": "Nguyễn Văn Ân", "mobile": "0912345678", "email": "an@example.vn"}


def password():
    return "Mk" + secrets.token_urlsafe(12) + "7"


def new_tenant(operator, **extra):
    code = "T" + secrets.token_hex(4).upper()
    body = {"code": code, "name": "Sở Nội vụ tỉnh Lào Cai", "kind": "province", "focal_contact": FOCAL}
    return operator.post(f"{API}/tenants", dict(body, **extra))


@dataclass
class TenantWorld:
    tenant: dict
    unit: dict
    clients: dict = field(default_factory=dict)  # role -> signed-in ApiClient
    users: dict = field(default_factory=dict)    # role -> user

    @property
    def id(self):
        return self.tenant["tenant_id"]


def make_user(operator, tenant_id, role, unit_id=None, **extra):
    username = f"{role[:5]}.{secrets.token_hex(4)}"
    body = {"username": username, "full_name": "Trần Thị Bích Ngọc", "email": f"{username}@example.vn",
            "role": role, "password": password(), "unit_id": unit_id}
    if role == "learner":
        body["category"] = "civil_servant"
    body.update(extra)
    user = operator.post(f"{API}/tenants/{tenant_id}/users", body)
    return user, body


def tenant_world(platform, operator, roles=("tenant_admin", "instructor", "report_viewer", "learner")):
    tenant = new_tenant(operator)
    unit = operator.post(f"{API}/tenants/{tenant['tenant_id']}/units",
                         {"code": "SO-NV", "name": "Sở Nội vụ", "level": "department"})
    world = TenantWorld(tenant, unit)
    for role in roles:
        user, body = make_user(operator, world.id, role, unit["unit_id"])
        world.users[role] = user
        world.clients[role] = ApiClient(platform.base_url).signed_in(body["username"], body["password"])
    return world


@pytest.fixture(scope="module")
def world_a(platform, operator):
    return tenant_world(platform, operator)


@pytest.fixture(scope="module")
def world_b(platform, operator):
    return tenant_world(platform, operator)
