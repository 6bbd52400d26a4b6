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
    body.update(extra.pop("fields", {}), **extra)
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


class EventTap:
    """A temporary queue bound to ``accounts.events``: what the service really published."""

    def __init__(self, amqp_uri, routing_key):
        from kombu import Connection, Exchange, Queue
        self.conn = Connection(amqp_uri)
        exchange = Exchange("accounts.events", type="topic", durable=True)
        self.queue = Queue(f"test-tap-{secrets.token_hex(4)}", exchange, routing_key=routing_key,
                           exclusive=True, auto_delete=True)
        self.queue(self.conn.default_channel).declare()

    def drain(self, count, timeout=15.0):
        import time
        bound, bodies = self.queue(self.conn.default_channel), []
        deadline = time.monotonic() + timeout
        while len(bodies) < count and time.monotonic() < deadline:
            message = bound.get(no_ack=True)
            if message is None:
                time.sleep(0.1)
                continue
            bodies.append(message.payload)
        return bodies

    def close(self):
        self.conn.release()


@pytest.fixture
def event_tap(platform):
    taps = []

    def tap(routing_key):
        taps.append(EventTap(platform.env["AMQP_URI"], routing_key))
        return taps[-1]
    yield tap
    for t in taps:
        t.close()
