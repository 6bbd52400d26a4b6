"""xAPI in and cmi5 launch, over HTTP against the real platform.

A course with a cmi5 package lesson is authored and published through the API; the learner
enrols through the API. Statements posted to /api/v1/xapi/statements complete lessons once
(the progress service's lesson.completed events are counted by the tap).
"""
import base64
import json
import secrets
import time
import urllib.parse
import uuid

import pytest

from api_client import ApiClient
from mooc_common.contracts import xapi
from tests.e2e.courses_fixtures import TenantKit
from tests.e2e.progress_fixtures import tap  # noqa: F401
from tests.e2e.xapi_fixtures import wait_enrolled
from tests.polling import eventually

pytestmark = pytest.mark.e2e

PUBLIC = "http://localhost:8000"  # PUBLIC_BASE_URL of the platform under test (the default)
VERSION = {"X-Experience-API-Version": "1.0.3"}


def course_with_package(kit):
    body = {"code": "X-" + secrets.token_hex(3), "title": "Chuyển đổi số trong cơ quan nhà nước",
            "target_categories": ["civil_servant"], "sections": [{"title": "Phần 1", "lessons": [
                {"title": "Học phần tương tác", "kind": "external_package", "package_standard": "cmi5",
                 "package_url": "https://noidung.example.vn/au/index.html?lang=vi"},
                {"title": "Gói SCORM", "kind": "external_package", "package_standard": "scorm12",
                 "package_url": "https://noidung.example.vn/scorm/index.html"},
                {"title": "Kiểm tra", "kind": "quiz", "quiz": {"pass_mark": 70, "questions": [
                    {"text": "Thủ đô của Việt Nam?", "kind": "single",
                     "options": [{"text": "Hà Nội", "correct": True}, {"text": "Huế"}]}]}}]}]}
    course = kit.instructor.post("/api/v1/courses", body)
    course = kit.instructor.post(f"/api/v1/courses/{course['course_id']}/publish")
    lessons = {l["title"]: l["lesson_id"] for s in course["sections"] for l in s["lessons"]}
    return course["course_id"], lessons["Học phần tương tác"], lessons["Gói SCORM"], lessons["Kiểm tra"]


@pytest.fixture(scope="module")
def setting(operator, platform):
    kit = TenantKit(operator, platform)
    learner, client = kit.user("learner")
    course_id, cmi5_lesson, scorm_lesson, quiz_lesson = course_with_package(kit)
    client.post(f"/api/v1/courses/{course_id}/enrollments", {"learner_id": learner["user_id"]})
    wait_enrolled(client, course_id)
    return {"kit": kit, "learner": learner, "client": client, "course_id": course_id,
            "cmi5": cmi5_lesson, "scorm": scorm_lesson, "quiz": quiz_lesson}


def statement(course_id, lesson_id, verb="completed", **extra):
    return dict({"id": str(uuid.uuid4()), "actor": {"objectType": "Agent", "mbox": "mailto:hv@example.vn"},
                 "verb": {"id": xapi.VERBS[verb][0], "display": {"vi-VN": xapi.VERBS[verb][1]}},
                 "object": {"objectType": "Activity", "id": xapi.lesson_activity_id(PUBLIC, course_id, lesson_id)}},
                **extra)


def post(client, body, headers=None, method="POST", params=None):
    return client.response(method, "/api/v1/xapi/statements", json=body,
                           headers=dict(VERSION, **(headers or {})), params=params)


def bearer(client):
    return client.session.headers["Authorization"].split(" ", 1)[1]


def completions(tap, learner_id, lesson_id):
    """The progress service's lesson.completed events of this learner and lesson."""
    return [e for e in tap.events if e["type"] == "progress.lesson.completed.v1"
            and e["payload"]["learner_id"] == learner_id and e["payload"]["lesson_id"] == lesson_id]


def lessons_done(setting):
    return setting["client"].get(f"/api/v1/me/courses/{setting['course_id']}/progress")["lessons_done"]


def test_a_completed_statement_on_a_lessons_activity_completes_it_exactly_once(setting, tap):
    client, course_id, lesson = setting["client"], setting["course_id"], setting["scorm"]
    first = statement(course_id, lesson)
    answer = post(client, first)
    assert answer.status_code == 200 and answer.json() == [first["id"]]
    assert answer.headers["X-Experience-API-Version"] == "1.0.3"
    eventually(lambda: lesson in lessons_done(setting))

    # The same statement again (Basic with the session token as password), a second
    # completion under a new id, a PUT, and a statement without id: still one completion.
    basic = base64.b64encode(f"hv:{bearer(client)}".encode()).decode()
    bare = requests_session_without_auth(client)
    assert post(bare, first, {"Authorization": f"Basic {basic}"}).status_code == 200
    assert post(client, [statement(course_id, lesson, "passed"), {k: v for k, v in statement(
        course_id, lesson).items() if k != "id"}]).status_code == 200
    again = statement(course_id, lesson)
    assert post(client, again, method="PUT", params={"statementId": again["id"]}).status_code == 204
    # Statements about other things are acknowledged and change nothing.
    other = statement(course_id, lesson, "launched")
    other["object"]["id"] = "https://noidung.example.vn/activities/x"
    assert post(client, other).status_code == 200
    eventually(lambda: completions(tap, setting["learner"]["user_id"], lesson))
    time.sleep(2)  # room for a wrong second completion to show
    assert len(completions(tap, setting["learner"]["user_id"], lesson)) == 1
    assert lessons_done(setting).count(lesson) == 1


def requests_session_without_auth(client):
    return ApiClient(client.base_url)


@pytest.mark.parametrize("case", ["no_version", "bad_version", "no_verb", "unknown_property", "object_not_iri",
                                  "bad_id", "two_identifiers", "too_many", "not_an_object", "quiz_by_statement",
                                  "put_id_differs"])
def test_invalid_statements_answer_400_with_the_error_body(setting, case):
    client, course_id = setting["client"], setting["course_id"]
    good = statement(course_id, setting["cmi5"])
    headers, method, params, body = {}, "POST", None, good
    if case == "no_version":
        answer = client.session.post(client.base_url + "/api/v1/xapi/statements", json=good, timeout=10)
    else:
        if case == "bad_version":
            headers = {"X-Experience-API-Version": "2.0.0"}
        elif case == "no_verb":
            body = {k: v for k, v in good.items() if k != "verb"}
        elif case == "unknown_property":
            body = dict(good, grade="A")
        elif case == "object_not_iri":
            body = dict(good, object={"objectType": "Activity", "id": "bài học 1"})
        elif case == "bad_id":
            body = dict(good, id="not-a-uuid")
        elif case == "two_identifiers":
            body = dict(good, actor={"mbox": "mailto:a@example.vn", "openid": "https://id.example.vn/a"})
        elif case == "too_many":
            body = [statement(course_id, setting["cmi5"]) for _ in range(xapi.MAX_STATEMENTS_PER_POST + 1)]
        elif case == "not_an_object":
            body = ["completed"]
        elif case == "quiz_by_statement":  # a quiz is passed by answering it, not by saying so
            body = statement(course_id, setting["quiz"], "passed")
        elif case == "put_id_differs":
            method, params = "PUT", {"statementId": str(uuid.uuid4())}
        answer = post(client, body, headers, method, params)
    assert answer.status_code == 400, (case, answer.status_code, answer.text)
    assert answer.json()["code"] == "invalid_statement" and answer.json()["message"]
    assert answer.headers["X-Experience-API-Version"] == "1.0.3"
    assert setting["cmi5"] not in lessons_done(setting)


def test_who_may_post_statements(setting, operator, platform):
    client, course_id = setting["client"], setting["course_id"]
    bare = requests_session_without_auth(client)
    good = statement(course_id, setting["cmi5"])
    assert post(bare, good).status_code == 401
    assert post(bare, good, {"Authorization": "Basic !!!"}).status_code == 401
    assert post(bare, good, {"Authorization": "Basic " + base64.b64encode(b"cmi5:nope").decode()}).status_code == 401
    assert post(setting["kit"].admin, good).status_code == 403
    # A learner of another tenant is not enrolled in this course: 404, nothing completed.
    other_kit = TenantKit(operator, platform)
    _, stranger = other_kit.user("learner")
    assert post(stranger, good).status_code == 404
    assert setting["cmi5"] not in lessons_done(setting)


def test_cmi5_launch_fetch_once_then_the_package_completes_its_lesson(setting, tap, operator, platform):
    client, course_id, lesson = setting["client"], setting["course_id"], setting["cmi5"]
    launch = client.post(f"/api/v1/me/courses/{course_id}/lessons/{lesson}/cmi5-launch")
    url = urllib.parse.urlsplit(launch["launch_url"])
    assert url.netloc == "noidung.example.vn" and url.path == "/au/index.html"
    query = dict(urllib.parse.parse_qsl(url.query))
    assert query["lang"] == "vi"
    assert query["endpoint"] == f"{PUBLIC}/api/v1/xapi/"
    assert query["activityId"] == xapi.lesson_activity_id(PUBLIC, course_id, lesson)
    assert uuid.UUID(query["registration"])
    assert json.loads(query["actor"]) == xapi.actor(PUBLIC, setting["learner"]["tenant_id"],
                                                    setting["learner"]["user_id"])
    # The content runs behind the public address; here the gateway is on its test port.
    fetch = query["fetch"].replace(PUBLIC, platform.base_url)
    bare = requests_session_without_auth(client)
    token = bare.session.post(fetch, timeout=10).json()["auth-token"]
    reused = bare.session.post(fetch, timeout=10)
    assert reused.status_code == 400 and reused.json()["error-code"] == "1"
    assert bare.session.post(fetch + "x", timeout=10).json()["error-code"] == "2"

    auth = {"Authorization": f"Basic {token}"}
    cmi5_actor = json.loads(query["actor"])
    # The AU reads its launch data from the State API before its first statement.
    state = f"{platform.base_url}/api/v1/xapi/activities/state"
    asked = {"activityId": query["activityId"], "agent": query["actor"], "registration": query["registration"]}
    launch_data = bare.session.get(state, params=dict(asked, stateId="LMS.LaunchData"),
                                   headers=dict(VERSION, **auth), timeout=10)
    assert launch_data.status_code == 200, launch_data.text
    assert launch_data.json()["launchMode"] == "Normal" and launch_data.json()["moveOn"] == "Completed"
    assert launch_data.json()["contextTemplate"]["registration"] == query["registration"]
    assert bare.session.get(state, params=dict(asked, stateId="suspend"), headers=dict(VERSION, **auth),
                            timeout=10).status_code == 404
    # The auth-token completes only the launched lesson: a statement on another lesson is
    # acknowledged and ignored.
    elsewhere = dict(statement(course_id, setting["scorm"]), actor=cmi5_actor)
    assert post(bare, elsewhere, auth).status_code == 200
    done = dict(statement(course_id, lesson), actor=cmi5_actor,
                context={"registration": query["registration"]})
    assert post(bare, done, auth).status_code == 200
    eventually(lambda: lesson in lessons_done(setting))
    assert len(completions(tap, setting["learner"]["user_id"], lesson)) == 1

    # Not a cmi5 lesson: 422; not enrolled: 404; not a learner: 403.
    not_cmi5 = client.session.post(f"{client.base_url}/api/v1/me/courses/{course_id}/lessons/"
                                   f"{setting['scorm']}/cmi5-launch", timeout=10)
    assert not_cmi5.status_code == 422
    _, stranger = TenantKit(operator, platform).user("learner")
    assert stranger.session.post(f"{client.base_url}/api/v1/me/courses/{course_id}/lessons/{lesson}/cmi5-launch",
                                 timeout=10).status_code == 404
    assert setting["kit"].admin.session.post(
        f"{client.base_url}/api/v1/me/courses/{course_id}/lessons/{lesson}/cmi5-launch", timeout=10).status_code == 403
