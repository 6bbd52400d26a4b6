"""Operators' view of the running platform: request ids, JSON logs that follow one correlation id
from the gateway through progress to reports and hold no secrets, and Prometheus metrics that
move after one learner's activity."""
import json
import secrets
import uuid

import pytest
import requests
from prometheus_client.parser import text_string_to_metric_families

from tests.e2e.courses_fixtures import TenantKit, published_course
from tests.polling import eventually

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(900)]  # may be the first to start the platform
LOGS = ("gateway", "accounts", "courses", "progress", "reports", "integrations")


def log_lines(platform, name, since=0):
    with open(platform.log_dir / f"{name}.log", "rb") as log:
        log.seek(since)
        return log.read().decode("utf-8").splitlines()


def log_sizes(platform):
    """Where each log file ends now (the files are appended to by every run)."""
    return {name: (platform.log_dir / f"{name}.log").stat().st_size for name in LOGS}


def scrape(url):
    response = requests.get(url, timeout=10)
    assert response.status_code == 200 and response.headers["Content-Type"].startswith("text/plain")
    return {(sample.name, tuple(sorted(sample.labels.items()))): sample.value
            for family in text_string_to_metric_families(response.text) for sample in family.samples}


def value(samples, name, **labels):
    """Sum of the samples of ``name`` whose labels include ``labels``."""
    return sum(v for (n, ls), v in samples.items() if n == name and labels.items() <= dict(ls).items())


@pytest.fixture(scope="module")
def course(platform, operator):
    kit = TenantKit(operator, platform)
    return kit, published_course(kit.instructor)


@pytest.fixture
def learning(course):
    """A new learner enrolled in the course, and a lesson it has not completed yet."""
    kit, course = course
    _, learner = kit.user("learner")
    learner.post(f"/api/v1/courses/{course['course_id']}/enrollments", {})
    lesson = course["sections"][0]["lessons"][1]["lesson_id"]
    return learner, course["course_id"], lesson


def post_activity(platform, learner, course_id, lesson, request_id, kind="lesson_completed"):
    return requests.post(f"{platform.base_url}/api/v1/activities", timeout=10, json={
        "activity_id": str(uuid.uuid4()), "kind": kind, "course_id": course_id, "lesson_id": lesson,
        "occurred_at": "2026-11-23T09:00:00+07:00"},
        headers={"Authorization": learner.session.headers["Authorization"], "X-Request-Id": request_id})


def test_request_id_is_echoed_or_made(anonymous):
    mine = anonymous.session.get(f"{anonymous.base_url}/health", headers={"X-Request-Id": "lms-42.a:b"}, timeout=10)
    assert mine.headers["X-Request-Id"] == "lms-42.a:b"
    made = anonymous.session.get(f"{anonymous.base_url}/api/v1/nope", timeout=10)
    assert made.status_code == 404 and len(made.headers["X-Request-Id"]) == 32
    for unsafe in ("a b", "x" * 129, "ok\u00e9"):
        answer = anonymous.session.get(f"{anonymous.base_url}/health", headers={"X-Request-Id": unsafe.encode()},
                                       timeout=10)
        assert answer.headers["X-Request-Id"] != unsafe and len(answer.headers["X-Request-Id"]) == 32


def test_one_correlation_id_follows_an_activity_from_gateway_to_progress_to_reports(platform, learning):
    learner, course_id, lesson = learning
    request_id = "trace-" + secrets.token_hex(8)
    # generous timeouts: eventually() returns as soon as the check passes; a loaded machine is slow
    eventually(lambda: post_activity(platform, learner, course_id, lesson, request_id).status_code == 202,
               timeout=120)

    def lines_with_the_id():
        found = {}
        for name in ("gateway", "progress", "reports"):
            found[name] = [json.loads(line) for line in log_lines(platform, name) if request_id in line]
        return found if all(found.values()) else None

    found = eventually(lines_with_the_id, timeout=120)
    assert any(e.get("route") == "/api/v1/activities" and e["status"] == 202 for e in found["gateway"])
    assert any(e.get("correlation_id") == request_id and e["service"] == "progress" for e in found["progress"])
    assert any(request_id in e.get("correlation_id", "").split(",") and e["service"] == "reports"
               for e in found["reports"])
    assert all(e.get("tenant_id") for e in found["progress"])  # the learner's tenant, from the message headers


def test_logs_are_json_lines_without_secrets(platform, operator):
    start = log_sizes(platform)
    kit = TenantKit(operator, platform)
    username, password = f"secret.{secrets.token_hex(4)}", "Sx" + secrets.token_urlsafe(16) + "9"
    operator.post(f"/api/v1/tenants/{kit.tenant_id}/users", {
        "username": username, "full_name": "Đỗ Thị Mai", "role": "instructor", "password": password,
        "email": f"{username}@example.vn"})
    tokens = requests.post(f"{platform.base_url}/api/v1/auth/token", timeout=10,
                           json={"username": username, "password": password}).json()
    requests.post(f"{platform.base_url}/api/v1/auth/token", timeout=10,
                  json={"username": username, "password": password + "wrong"})
    requests.post(f"{platform.base_url}/api/v1/auth/refresh", timeout=10,
                  json={"refresh_token": tokens["refresh_token"]})
    requests.get(f"{platform.base_url}/api/v1/courses", timeout=10,
                 headers={"Authorization": f"Bearer {tokens['access_token']}"})
    secrets_used = [password, tokens["access_token"], tokens["refresh_token"], platform.env["OPERATOR_PASSWORD"],
                    platform.env["JWT_SECRET"]]
    # the RPC lines of these requests carry the tenant id (from the gateway's RPC headers)
    eventually(lambda: any(kit.tenant_id in line and "list_courses" in line for line in log_lines(platform, "courses")),
               timeout=120)
    for name in LOGS:
        lines = [line for line in log_lines(platform, name, start[name]) if line.strip()]
        assert lines or name not in ("gateway", "accounts", "courses"), f"{name} logged nothing"
        for line in lines:
            entry = json.loads(line)  # every line is one JSON object
            assert {"timestamp", "level", "service", "message"} <= set(entry), line
            assert not any(secret in line for secret in secrets_used), f"a secret in {name}.log: {line[:200]}"


def test_metrics_of_every_process_move_after_one_activity(platform, learning):
    learner, course_id, lesson = learning
    gateway = f"{platform.base_url}/metrics"
    health = {name: f"http://127.0.0.1:{port}/metrics" for name, port in platform.health_ports.items()}
    before = {"gateway": scrape(gateway), "progress": scrape(health["progress"]), "reports": scrape(health["reports"])}
    for name, url in health.items():  # every service answers, with its RPC series and queue depths
        samples = scrape(url)
        assert value(samples, "mooc_rpc_calls_total", service=name) > 0, name
        assert any(n == "mooc_queue_messages" for n, _ in samples), name

    eventually(lambda: post_activity(platform, learner, course_id, lesson, "metrics-" + secrets.token_hex(4))
               .status_code == 202, timeout=120)

    def moved():
        now = {"gateway": scrape(gateway), "progress": scrape(health["progress"]),
               "reports": scrape(health["reports"])}
        checks = [
            value(now["gateway"], "mooc_http_requests_total", route="/api/v1/activities", status="202")
            > value(before["gateway"], "mooc_http_requests_total", route="/api/v1/activities", status="202"),
            value(now["gateway"], "mooc_http_request_duration_seconds_count", route="/api/v1/activities")
            > value(before["gateway"], "mooc_http_request_duration_seconds_count", route="/api/v1/activities"),
            value(now["progress"], "mooc_events_consumed_total", queue="progress.activities")
            > value(before["progress"], "mooc_events_consumed_total", queue="progress.activities"),
            value(now["reports"], "mooc_events_consumed_total", queue="reports.projector")
            > value(before["reports"], "mooc_events_consumed_total", queue="reports.projector"),
            value(now["reports"], "mooc_event_to_report_lag_seconds_count")
            > value(before["reports"], "mooc_event_to_report_lag_seconds_count"),
        ]
        return all(checks) or None

    eventually(moved, timeout=120)
