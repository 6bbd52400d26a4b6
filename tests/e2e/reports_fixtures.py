"""Helpers for the reports tests: tenants with their report users (through the gateway), and
events published straight into the platform's vhost, as their producers will publish them."""
import datetime as dt
import secrets
import uuid
from dataclasses import dataclass, field

import pytest
from nameko.standalone.events import event_dispatcher

from api_client import ApiClient, ApiError
from mooc_common.contracts.events import accounts as acc, courses as crs, progress as prg
from tests.polling import eventually

UTC = dt.timezone.utc


def at(day, hour=3):
    """A 2026 UTC datetime (03:00 UTC = 10:00 in Vietnam, so the month is the same)."""
    month, d = day
    return dt.datetime(2026, month, d, hour, tzinfo=UTC)


class Publisher:
    def __init__(self, amqp_uri):
        self.dispatch = event_dispatcher({"AMQP_URI": amqp_uri})

    def send(self, envelope):
        producer = envelope["producer"]
        self.dispatch(producer, envelope["type"], envelope)
        return envelope


@dataclass
class TenantWorld:
    """Builds the events of one tenant; ``events`` keeps them for replays and shuffles."""
    tenant_id: str
    events: list = field(default_factory=list)

    def _add(self, event_type, payload, tenant_id, when):
        envelope = event_type.build(payload, tenant_id, occurred_at=when)
        self.events.append(envelope)
        return envelope

    def unit(self, unit_id, path, when=at((1, 2))):
        return self._add(acc.UNIT_CREATED, {"unit_id": unit_id, "tenant_id": self.tenant_id, "code": unit_id.upper(),
                                            "name": f"Đơn vị {unit_id}", "parent_id": path[-2] if len(path) > 1 else None,
                                            "path": path, "level": None, "status": "active"}, self.tenant_id, when)

    def learner(self, user_id, unit_id, category, when=at((1, 3)), updated=False):
        return self._add(acc.USER_UPDATED if updated else acc.USER_REGISTERED,
                         {"user_id": user_id, "tenant_id": self.tenant_id, "role": "learner", "unit_id": unit_id,
                          "category": category, "status": "active"}, self.tenant_id, when)

    def plan(self, year, courses, learners, when=at((1, 5))):
        return self._add(acc.TRAINING_PLAN_SUBMITTED, {
            "tenant_id": self.tenant_id, "year": year, "planned_courses": courses, "planned_learners": learners,
            "submitted_by": "admin", "submitted_at": when}, self.tenant_id, when)

    def course(self, course_id, national=False, when=at((1, 10)), archived=False):
        payload = {"course_id": course_id, "owner_tenant_id": None if national else self.tenant_id,
                   "code": course_id[:8].upper(), "title": f"Khóa học {course_id[:6]}", "revision": 1}
        if archived:
            return self._add(crs.COURSE_ARCHIVED, dict(payload, status="archived"), payload["owner_tenant_id"], when)
        return self._add(crs.COURSE_PUBLISHED, dict(payload, lessons=[], completion_rule={"required_lesson_ids": []}),
                         payload["owner_tenant_id"], when)

    def intake(self, intake_id, course_id, national=False, when=at((1, 11))):
        return self._add(crs.INTAKE_OPENED, {
            "intake_id": intake_id, "course_id": course_id, "course_owner_tenant_id": None if national else self.tenant_id,
            "name": "Đợt 1 năm 2026", "enroll_from": at((1, 11)), "enroll_until": at((12, 1)),
            "starts_on": dt.date(2026, 2, 1), "ends_on": dt.date(2026, 11, 30)}, None, when)

    def _context(self, learner, course_id, national, intake_id=None):
        user_id, unit_id, category = learner
        return {"enrollment_id": f"e-{user_id}-{course_id}", "course_id": course_id,
                "course_owner_tenant_id": None if national else self.tenant_id, "intake_id": intake_id,
                "learner_id": user_id, "unit_id": unit_id, "category": category}

    def enroll(self, learner, course_id, national=False, intake_id=None, when=at((3, 1))):
        return self._add(crs.ENROLLMENT_CREATED, dict(self._context(learner, course_id, national, intake_id),
                                                      enrolled_at=when, source="admin"), self.tenant_id, when)

    def cancel(self, learner, course_id, national=False, when=at((3, 2))):
        return self._add(crs.ENROLLMENT_CANCELLED, dict(self._context(learner, course_id, national),
                                                        enrolled_at=at((3, 1)), cancelled_at=when), self.tenant_id, when)

    def complete(self, learner, course_id, national=False, intake_id=None, when=at((4, 1))):
        return self._add(prg.COURSE_COMPLETED, dict(self._context(learner, course_id, national, intake_id),
                                                    completed_at=when), self.tenant_id, when)

    def certificate(self, learner, course_id, national=False, intake_id=None, when=at((4, 2))):
        return self._add(prg.CERTIFICATE_ISSUED, dict(self._context(learner, course_id, national, intake_id),
                                                      certificate_id=f"c-{learner[0]}-{course_id}",
                                                      serial=secrets.token_hex(4), issued_at=when),
                         self.tenant_id, when)

    def active(self, learner, day):
        user_id, unit_id, category = learner
        return self._add(prg.LEARNER_ACTIVE, {"learner_id": user_id, "unit_id": unit_id, "category": category,
                                              "day": day}, self.tenant_id, dt.datetime.combine(day, dt.time(3), UTC))


@pytest.fixture(scope="session")
def publisher(platform):
    return Publisher(platform.env["AMQP_URI"])


def new_tenant(operator, platform, name="Ủy ban nhân dân tỉnh Lào Cai", roles=("tenant_admin", "report_viewer")):
    """A tenant created through the gateway, with a signed-in client per requested role."""
    code = "R" + secrets.token_hex(3).upper()
    tenant = operator.post("/api/v1/tenants", {
        "code": code, "name": name, "kind": "province", "learner_quota": 20000,
        "focal_contact": {"full_name": "Trần Thị Bình", "mobile": "0912345678", "email": "b@example.vn"}})
    clients, users = {}, {}
    for role in roles:
        username, password = f"{role[:5]}.{code.lower()}", secrets.token_urlsafe(12)
        users[role] = operator.post(f"/api/v1/tenants/{tenant['tenant_id']}/users", {
            "username": username, "full_name": "Phạm Văn Cường", "email": "c@example.vn", "role": role,
            "password": password, **({"category": "civil_servant"} if role == "learner" else {})})
        clients[role] = ApiClient(platform.base_url).signed_in(username, password)
    return tenant, clients, users


def report_when(client, tenant_id, predicate, timeout=30):
    def check():
        try:
            report = client.get(f"/api/v1/tenants/{tenant_id}/report")
        except ApiError:
            return None
        return report if predicate(report) else None
    return eventually(check, timeout=timeout)


def new_id(prefix):
    return f"{prefix}{uuid.uuid4().hex[:12]}"
