"""Activity ingestion under failure.

The shared broker cannot be stopped, so the two halves of "a broker outage yields 503 and
nothing accepted is lost" are shown separately (docs/progress.md):
- a gateway whose broker is unreachable (a real ActivityPublisher pointed at a closed port)
  answers 503 with the common error body, and accepts nothing;
- activities accepted (202, after the broker's confirm) while the progress service is stopped
  all wait in the durable queue and are applied once it is back.
"""
import os
import signal
import time

import falcon.testing
import pytest

from gateway.activity_publisher import ActivityPublisher
from gateway.app import Deps, create_app
from gateway.config import GatewayConfig
from gateway.rpc import RpcClient
from mooc_common.contracts import tokens
from services.accounts.security import issue_access_token
from tests.e2e.progress_fixtures import RIGHT, activity, events, make_tenant  # noqa: F401
from tests.polling import eventually

pytestmark = pytest.mark.e2e

SECRET = "s" * 48


class CannedContexts:
    """Stands in for the progress RPC: this test is about the broker, not the context."""

    def call(self, service, method, actor, course_id):
        assert (service, method) == ("progress", "enrollment_context")
        return {"enrollment_id": "e", "intake_id": None, "cancelled": False, "revision": 1,
                "lessons": {"doc1": {"kind": "document", "accepts": ["lesson_completed"], "max_attempts": None}},
                "attempt_ids": {}}


def test_unreachable_broker_answers_503_and_accepts_nothing():
    app = create_app(Deps(config=GatewayConfig(amqp_uri="amqp://guest:guest@127.0.0.1:1/", jwt_secret=SECRET),
                          rpc=CannedContexts(),
                          publisher=ActivityPublisher("amqp://guest:guest@127.0.0.1:1/", connect_timeout=1.0)))
    client = falcon.testing.TestClient(app)
    token = issue_access_token(SECRET, "learner-1", "tenant-1", "learner")
    for path, body in (("/api/v1/activities", activity("c1", "doc1")),
                       ("/api/v1/activities/batch", {"activities": [activity("c1", "doc1")]})):
        result = client.simulate_post(path, json=body, headers={"Authorization": f"Bearer {token}"})
        assert result.status_code == 503
        assert result.json["code"] == "service_unavailable" and result.headers["Retry-After"]


@pytest.fixture
def in_process_gateway(platform):
    """A second gateway (this process) on the platform's broker: its context cache is ours to warm."""
    config = GatewayConfig(amqp_uri=platform.env["AMQP_URI"],
                           jwt_secret=tokens.access_token_key(platform.env["JWT_SECRET"]))
    rpc = RpcClient(config.amqp_uri, timeout=10)
    yield falcon.testing.TestClient(create_app(Deps(config=config, rpc=rpc,
                                                    publisher=ActivityPublisher(config.amqp_uri))))
    rpc._reset()


def stop_progress(platform):
    pid = platform._pid("progress")
    os.killpg(pid, signal.SIGTERM)
    deadline = time.monotonic() + 30
    while platform._pid("progress") and time.monotonic() < deadline:
        time.sleep(0.2)
    assert platform._pid("progress") is None


def test_activities_accepted_while_progress_is_down_are_all_applied_after_restart(
        operator, platform, events, in_process_gateway):
    org = make_tenant(operator, platform, "Sở Giáo dục và Đào tạo tỉnh Cà Mau", learners=1)
    tenant_id, learner = org["tenant"]["tenant_id"], org["learners"][0]
    extra = [{"lesson_id": f"doc{i}", "kind": "document", "required": True, "title": f"Bài {i}"}
             for i in range(2, 22)]
    course_id = events.course(tenant_id, extra_lessons=extra)
    events.enroll(course_id, tenant_id, learner)
    headers = {"Authorization": learner["client"].session.headers["Authorization"]}

    def post(path, body):
        return in_process_gateway.simulate_post(path, json=body, headers=headers)

    first = activity(course_id, "doc1")
    assert eventually(lambda: post("/api/v1/activities", first).status_code == 202)  # context now cached

    stop_progress(platform)
    try:
        singles = [activity(course_id, f"doc{i}") for i in range(2, 22)]
        batch = [activity(course_id, "video1", "video_progress", percent=p) for p in (10, 50, 91, 60)]
        batch.append(activity(course_id, "quiz1", "quiz_submitted", answers=RIGHT))
        results = [post("/api/v1/activities", a) for a in singles]
        results.append(post("/api/v1/activities/batch", {"activities": batch}))
        assert [r.status_code for r in results] == [202] * len(results)
    finally:
        platform.start(timeout=120)

    def applied():
        progress = learner["client"].get(f"/api/v1/me/courses/{course_id}/progress")
        return progress if progress["status"] == "completed" else None
    progress = eventually(applied, timeout=60)
    assert sorted(progress["lessons_done"]) == sorted(["doc1", "video1", "quiz1"] + [f"doc{i}" for i in range(2, 22)])
    video = next(l for l in progress["lessons"] if l["lesson_id"] == "video1")
    assert video["video_percent"] == 91.0
