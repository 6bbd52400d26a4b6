"""Fixtures of the progress tests: tenants with learners, courses with quizzes, an event tap.

Courses with quizzes (answer keys, attempt limits) and unit trees are announced here by
publishing the courses' and accounts' events exactly as declared in
``mooc_common/contracts/events`` on the platform's broker: the progress service under test
consumes them as it would from those producers. Learners and tenants are real (accounts).
"""
import datetime as dt
import secrets
import threading
import uuid

import pytest
from kombu import Connection, Exchange, Queue
from nameko.standalone.events import event_dispatcher

from api_client import ApiClient
from mooc_common.contracts.events.accounts import UNIT_CREATED
from mooc_common.contracts.events.courses import (COURSE_PUBLISHED, ENROLLMENT_CANCELLED,
                                                  ENROLLMENT_CREATED)

QUIZ = {"questions": [
    {"question_id": "q1", "kind": "single", "option_ids": ["a", "b", "c"], "correct_option_ids": ["b"], "points": 1},
    {"question_id": "q2", "kind": "multiple", "option_ids": ["a", "b", "c"], "correct_option_ids": ["a", "c"],
     "points": 1}], "pass_mark": 100.0, "max_attempts": 3}
RIGHT = {"q1": ["b"], "q2": ["c", "a"]}
WRONG = {"q1": ["a"], "q2": ["a"]}


def now():
    return dt.datetime.now(dt.timezone.utc)


def activity(course_id, lesson_id, kind="lesson_completed", **extra):
    return dict({"activity_id": str(uuid.uuid4()), "kind": kind, "course_id": course_id,
                 "lesson_id": lesson_id, "occurred_at": now().isoformat()}, **extra)


class Events:
    """Publishes other producers' events into the platform's broker."""

    def __init__(self, amqp_uri):
        self.dispatch = event_dispatcher({"AMQP_URI": amqp_uri})

    def publish(self, event_type, payload, tenant_id, event_id=None):
        envelope = event_type.build(payload, tenant_id, event_id=event_id)
        self.dispatch(event_type.producer, event_type.type, envelope)
        return envelope

    def course(self, owner_tenant_id, revision=1, course_id=None, extra_lessons=(), max_attempts=3,
               title="Kỹ năng số cho cán bộ, công chức"):
        course_id = course_id or uuid.uuid4().hex
        lessons = [{"lesson_id": "video1", "kind": "video", "required": True, "title": "Giới thiệu",
                    "duration_seconds": 600},
                   {"lesson_id": "doc1", "kind": "document", "required": True, "title": "Tài liệu"},
                   {"lesson_id": "quiz1", "kind": "quiz", "required": True, "title": "Bài kiểm tra",
                    "quiz": dict(QUIZ, max_attempts=max_attempts)}, *extra_lessons]
        self.publish(COURSE_PUBLISHED, {
            "course_id": course_id, "owner_tenant_id": owner_tenant_id, "code": "KNS-" + course_id[:6],
            "title": title, "revision": revision, "lessons": lessons,
            "completion_rule": {"required_lesson_ids": [l["lesson_id"] for l in lessons if l["required"]],
                                "required_quiz_ids": ["quiz1"], "min_average_quiz_score": None}},
            owner_tenant_id)
        return course_id

    def enrollment_payload(self, course_id, owner_tenant_id, learner, unit_id=None):
        return {"enrollment_id": uuid.uuid4().hex, "course_id": course_id,
                "course_owner_tenant_id": owner_tenant_id, "intake_id": None,
                "learner_id": learner["user_id"], "unit_id": unit_id, "category": "civil_servant",
                "enrolled_at": now()}

    def enroll(self, course_id, owner_tenant_id, learner, unit_id=None):
        payload = self.enrollment_payload(course_id, owner_tenant_id, learner, unit_id)
        self.publish(ENROLLMENT_CREATED, payload, learner["tenant_id"])
        return payload

    def cancel(self, enrollment, tenant_id):
        self.publish(ENROLLMENT_CANCELLED, dict(enrollment, cancelled_at=now()), tenant_id)

    def unit(self, tenant_id, path, name):
        self.publish(UNIT_CREATED, {"unit_id": path[-1], "tenant_id": tenant_id, "code": path[-1][:8],
                                    "name": name, "parent_id": path[-2] if len(path) > 1 else None,
                                    "path": path, "status": "active"}, tenant_id)


class EventTap:
    """Records every event the progress service publishes (a queue bound to progress.events)."""

    def __init__(self, amqp_uri):
        self.events = []
        self.connection = Connection(amqp_uri)
        self.queue = Queue(f"test-tap-{secrets.token_hex(4)}",
                           exchange=Exchange("progress.events", type="topic", durable=True),
                           routing_key="#", auto_delete=True)
        self.queue(self.connection.default_channel).declare()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self):
        with self.connection.Consumer(self.queue, callbacks=[self._on_message], accept=["json"]):
            while not self._stop.is_set():
                try:
                    self.connection.drain_events(timeout=0.5)
                except TimeoutError:
                    pass
                except OSError:
                    if self._stop.is_set():
                        return
                    raise

    def _on_message(self, body, message):
        self.events.append(body)
        message.ack()

    def of(self, event_type, **payload):
        return [e for e in self.events if e["type"] == event_type.type
                and all(e["payload"].get(k) == v for k, v in payload.items())]

    def close(self):
        self._stop.set()
        self._thread.join(5)
        self.connection.release()


@pytest.fixture(scope="session")
def events(platform):
    return Events(platform.env["AMQP_URI"])


@pytest.fixture(scope="session")
def tap(platform):
    tap = EventTap(platform.env["AMQP_URI"])
    yield tap
    tap.close()


def make_tenant(operator, platform, name="Sở Nội vụ tỉnh Lào Cai", learners=2):
    """A tenant with an admin, an instructor and learners, each with a signed-in client."""
    code = "P" + secrets.token_hex(3).upper()
    tenant = operator.post("/api/v1/tenants", {
        "code": code, "name": name, "kind": "province",
        "focal_contact": {"full_name": "Trần Văn Bình", "mobile": "0912345678", "email": "b@example.vn"}})
    path = f"/api/v1/tenants/{tenant['tenant_id']}/users"

    def user(username, role, full_name, **extra):
        password = secrets.token_urlsafe(12)
        created = operator.post(path, dict({"username": username, "full_name": full_name, "role": role,
                                            "email": f"{username}@example.vn", "password": password}, **extra))
        created["client"] = ApiClient(platform.base_url).signed_in(username, password)
        return created

    lc = code.lower()
    return {"tenant": tenant, "admin": user(f"qt.{lc}", "tenant_admin", "Quản trị viên"),
            "instructor": user(f"gv.{lc}", "instructor", "Giảng viên"),
            "learners": [user(f"hv{i}.{lc}", "learner", name_, category="civil_servant")
                         for i, name_ in enumerate(["Nguyễn Thị Thu Hằng", "Phạm Đức Thắng", "Đỗ Văn Ước"][:learners])]}
