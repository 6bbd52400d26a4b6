"""xAPI forwarding into a real Ralph LRS started by the test (scripts/ralph_lrs.py).

A learner's course runs through the real platform (progress computes completions, quizzes,
certificates from the learner's activity); every forwarded public event must arrive in Ralph
exactly once as a statement whose id is the UUIDv5 of the event id, valid under Ralph's
strict xAPI models. Redelivery, a crash of the forwarding service and an LRS outage change
nothing but the timing. The platform runs with short LRS backoffs (tests/conftest.py).
"""
import json
import os
import secrets
import signal
import time
import uuid

import pytest
from nameko.standalone.events import event_dispatcher

from mooc_common.contracts import xapi
from mooc_common.contracts.events.courses import ENROLLMENT_CREATED
from ralph_lrs import Ralph, ROOT, validate_statements
from services.integrations.xapi_statements import FORWARDED_TYPES
from tests.e2e.progress_fixtures import RIGHT, WRONG, activity, events, make_tenant, tap  # noqa: F401
from tests.e2e.xapi_fixtures import wait_enrolled
from tests.polling import eventually

pytestmark = pytest.mark.e2e

ADL = "http://adlnet.gov/expapi/verbs/"


@pytest.fixture(scope="module")
def ralph(platform):
    lrs = Ralph(platform.env, "ralph-" + secrets.token_hex(3), ROOT / "var" / "log" / "test" / "ralph.log").start()
    yield lrs
    lrs.stop()


def put(client, path, body):
    return client.request("PUT", path, json=body)


def raw(client, method, path, body=None):
    """The response whatever its status."""
    return client.response(method, path, json=body)


def configure(client, tenant_id, ralph, endpoint=None):
    return put(client, f"/api/v1/tenants/{tenant_id}/xapi/lrs", {
        "endpoint": endpoint or ralph.endpoint, "username": ralph.username, "password": ralph.password})


def of_learner(ralph, learner_id):
    return [s for s in ralph.statements() if s["actor"]["account"]["name"] == learner_id]


def forwarded_events(tap, learner_id):
    """What progress published about the learner (the tap) and the enrollment this test published."""
    return [e for e in tap.events + ENROLLMENTS if e["type"] in FORWARDED_TYPES
            and e["payload"].get("learner_id") == learner_id]


ENROLLMENTS = []  # envelopes of the enrollments published here (the tap hears only progress)


def enroll(events, course_id, tenant_id, learner):
    payload = events.enrollment_payload(course_id, tenant_id, learner)
    ENROLLMENTS.append(events.publish(ENROLLMENT_CREATED, payload, tenant_id))
    return payload


def course_run(org, events, tap):
    """Enrol the learner; complete every lesson, the quiz after one failed attempt."""
    tenant_id, learner = org["tenant"]["tenant_id"], org["learners"][0]
    course_id = events.course(tenant_id)
    enrollment = enroll(events, course_id, tenant_id, learner)
    client = learner["client"]
    wait_enrolled(client, course_id)
    client.post("/api/v1/activities/batch", {"activities": [
        activity(course_id, "doc1"), activity(course_id, "video1", "video_progress", percent=95),
        activity(course_id, "quiz1", "quiz_submitted", answers=WRONG)]})
    eventually(lambda: of_type_for(tap, "progress.quiz.graded.v1", learner["user_id"]))
    client.post("/api/v1/activities", activity(course_id, "quiz1", "quiz_submitted", answers=RIGHT))
    eventually(lambda: client.get(f"/api/v1/me/courses/{course_id}/progress")["status"] == "completed")
    return course_id, enrollment


def all_arrived(ralph, tap, learner_id, at_least):
    """Waits until every forwarded event of the learner is in Ralph; returns (events, statements)."""
    def check():
        expected = forwarded_events(tap, learner_id)
        stored = of_learner(ralph, learner_id)
        missing = {xapi.statement_id(e["event_id"]) for e in expected} - {s["id"] for s in stored}
        assert len(expected) >= at_least and not missing, (
            f"{len(expected)} events ({sorted(e['type'] for e in expected)}), {len(stored)} statements")
        return expected, stored
    return eventually(check, timeout=60, interval=0.5)


def of_type_for(tap, type_, learner_id):
    return [e for e in tap.events if e["type"] == type_ and e["payload"].get("learner_id") == learner_id]


def test_a_learners_course_arrives_in_ralph_once_per_event_with_valid_statements(
        operator, platform, events, tap, ralph):
    org = make_tenant(operator, platform, "Sở Thông tin và Truyền thông tỉnh Điện Biên", learners=1)
    tenant_id, learner_id = org["tenant"]["tenant_id"], org["learners"][0]["user_id"]
    shown = configure(org["admin"]["client"], tenant_id, ralph)
    assert shown["endpoint"] == ralph.endpoint and "password" not in json.dumps(shown)
    # The operator's LRS for every tenant is the same Ralph: each statement is sent twice, under
    # the same id, and the LRS keeps it once.
    put(operator, "/api/v1/xapi/lrs", {"endpoint": ralph.endpoint, "username": ralph.username,
                                      "password": ralph.password})
    try:
        course_id, enrollment = course_run(org, events, tap)
        expected, stored = all_arrived(ralph, tap, learner_id, at_least=8)
        time.sleep(1)  # the second copy of each (the global configuration) has had time to land
        stored = of_learner(ralph, learner_id)
        assert sorted(s["id"] for s in stored) == sorted(xapi.statement_id(e["event_id"]) for e in expected)
        verb_of = {"courses.enrollment.created.v1": "registered", "progress.lesson.completed.v1": "completed",
                   "progress.course.completed.v1": "completed", "progress.certificate.issued.v1": "earned"}
        expected_verbs = sorted(verb_of.get(e["type"]) or ("passed" if e["payload"]["passed"] else "failed")
                                for e in expected)
        assert sorted(e["type"] for e in expected) == sorted(
            ["courses.enrollment.created.v1", "progress.lesson.completed.v1", "progress.lesson.completed.v1",
             "progress.lesson.completed.v1", "progress.quiz.graded.v1", "progress.quiz.graded.v1",
             "progress.course.completed.v1", "progress.certificate.issued.v1"])
        assert sorted(s["verb"]["id"].rsplit("/", 1)[1] for s in stored) == expected_verbs
        assert validate_statements(stored) == []
        lesson = next(s for s in stored if s["verb"]["id"] == ADL + "passed")
        assert lesson["object"]["id"] == xapi.lesson_activity_id(platform.env.get(
            "PUBLIC_BASE_URL", "http://localhost:8000"), course_id, "quiz1")
        assert lesson["context"]["registration"] == xapi.registration(enrollment["enrollment_id"])
        assert lesson["verb"]["display"]["vi-VN"] == "đã đạt"
        assert lesson["actor"]["account"] == {"homePage": f"http://localhost:8000/tenants/{tenant_id}",
                                              "name": learner_id}

        # A redelivered event (same event id, published again) creates no second statement.
        again = next(e for e in expected if e["type"] == "progress.course.completed.v1")
        event_dispatcher({"AMQP_URI": platform.env["AMQP_URI"]})(again["producer"], again["type"], again)
        time.sleep(2)
        assert len(of_learner(ralph, learner_id)) == len(stored)

        status = eventually(lambda: delivery_when(org["admin"]["client"], tenant_id, lambda d: d["pending"] == 0))
        assert status["delivered"] == len(stored) and status["dead"] == 0 and status["last_status_code"] in (200, 204)
    finally:
        operator.request("DELETE", "/api/v1/xapi/lrs")


def delivery_when(client, tenant_id, condition):
    """The tenant's LRS delivery status if it meets ``condition``, else None."""
    delivery = client.get(f"/api/v1/tenants/{tenant_id}/xapi/lrs")["delivery"]
    return delivery if condition(delivery) else None


def crash_integrations(platform):
    os.killpg(platform._pid("integrations"), signal.SIGKILL)
    eventually(lambda: platform._pid("integrations") is None, timeout=30)


def test_a_crash_of_the_forwarder_and_an_outage_of_the_lrs_delay_but_lose_nothing(
        operator, platform, events, tap, ralph):
    org = make_tenant(operator, platform, "Bộ Tư pháp", learners=1)
    tenant_id, learner = org["tenant"]["tenant_id"], org["learners"][0]
    admin = org["admin"]["client"]
    configure(admin, tenant_id, ralph)
    course_id = events.course(tenant_id)
    enroll(events, course_id, tenant_id, learner)
    wait_enrolled(learner["client"], course_id)
    all_arrived(ralph, tap, learner["user_id"], at_least=1)  # the registration

    crash_integrations(platform)  # events published meanwhile wait in its durable queues
    try:
        learner["client"].post("/api/v1/activities", activity(course_id, "doc1"))
        eventually(lambda: of_type_for(tap, "progress.lesson.completed.v1", learner["user_id"]))
    finally:
        platform.start(timeout=120)
    all_arrived(ralph, tap, learner["user_id"], at_least=2)

    ralph.stop()
    try:
        learner["client"].post("/api/v1/activities", activity(course_id, "video1", "video_progress", percent=99))
        eventually(lambda: len(of_type_for(tap, "progress.lesson.completed.v1", learner["user_id"])) == 2)
        waiting = eventually(lambda: delivery_when(admin, tenant_id, lambda d: d["pending"] >= 1 and d["last_error"]),
                             timeout=30)
        assert waiting["dead"] == 0
    finally:
        ralph.start()
    expected, stored = all_arrived(ralph, tap, learner["user_id"], at_least=3)
    assert sorted(s["id"] for s in stored) == sorted(xapi.statement_id(e["event_id"]) for e in expected)


def test_statements_the_lrs_refuses_are_dead_lettered_then_replayed(operator, platform, events, tap, ralph):
    org = make_tenant(operator, platform, "Sở Y tế tỉnh Sơn La", learners=1)
    tenant_id, learner = org["tenant"]["tenant_id"], org["learners"][0]
    admin = org["admin"]["client"]
    configure(admin, tenant_id, ralph, endpoint=ralph.url + "/no-such-lrs")  # 404: retrying cannot help
    course_id = events.course(tenant_id)
    enroll(events, course_id, tenant_id, learner)
    base = f"/api/v1/tenants/{tenant_id}/xapi/lrs"
    dead = eventually(lambda: admin.get(f"{base}/dead")["items"], timeout=30)
    assert [(d["event_type"], d["last_status_code"], d["attempts"]) for d in dead] == [
        ("courses.enrollment.created.v1", 404, 1)]
    assert of_learner(ralph, learner["user_id"]) == []

    configure(admin, tenant_id, ralph)  # the endpoint fixed
    assert admin.post(f"{base}/replay", {})["requeued"] == len(dead)
    all_arrived(ralph, tap, learner["user_id"], at_least=1)
    assert eventually(lambda: admin.get(base)["delivery"]["dead"] == 0)


def test_lrs_settings_are_isolated_per_tenant_and_never_show_the_password(operator, platform, ralph):
    one = make_tenant(operator, platform, "Sở Tài chính tỉnh Hà Giang", learners=1)
    two = make_tenant(operator, platform, "Sở Xây dựng tỉnh Yên Bái", learners=0)
    id_one, id_two = one["tenant"]["tenant_id"], two["tenant"]["tenant_id"]
    admin_one = one["admin"]["client"]
    configure(two["admin"]["client"], id_two, ralph)
    body = {"endpoint": ralph.endpoint, "username": "u", "password": "p"}

    for method, path, payload in (("get", f"/api/v1/tenants/{id_two}/xapi/lrs", None),
                                  ("put", f"/api/v1/tenants/{id_two}/xapi/lrs", body),
                                  ("delete", f"/api/v1/tenants/{id_two}/xapi/lrs", None),
                                  ("get", f"/api/v1/tenants/{id_two}/xapi/lrs/dead", None),
                                  ("post", f"/api/v1/tenants/{id_two}/xapi/lrs/replay", {}),
                                  ("put", "/api/v1/xapi/lrs", body), ("get", "/api/v1/xapi/lrs", None)):
        answer = raw(admin_one, method.upper(), path, payload)
        assert answer.status_code == 404, (method, path, answer.status_code)
        assert answer.json()["code"] == "not_found"
    assert raw(one["learners"][0]["client"], "PUT", f"/api/v1/tenants/{id_one}/xapi/lrs", body).status_code == 403
    assert raw(operator, "GET", f"/api/v1/tenants/{uuid.uuid4().hex}/xapi/lrs").status_code == 404

    seen = operator.get(f"/api/v1/tenants/{id_two}/xapi/lrs")
    assert seen["scope"] == id_two and seen["username"] == ralph.username
    assert ralph.password not in json.dumps(seen) and "password" not in seen

    for bad, field in (({"endpoint": "https://10.0.0.1/xapi", "username": "u", "password": "p"}, "endpoint"),
                       ({"endpoint": "ftp://lrs.example.vn", "username": "u", "password": "p"}, "endpoint"),
                       ({"endpoint": "https://lrs.example.vn", "username": "u\x07", "password": "p"}, "username"),
                       ({"endpoint": "https://lrs.example.vn", "username": "u"}, "password")):
        answer = raw(admin_one, "PUT", f"/api/v1/tenants/{id_one}/xapi/lrs", bad)
        assert answer.status_code == 422 and field in answer.json()["errors"], (bad, answer.json())
    assert raw(admin_one, "GET", f"/api/v1/tenants/{id_one}/xapi/lrs").status_code == 404  # nothing half written
