"""cmi5, the LMS side, against the real gateway with the test playing the AU (docs/xapi.md).

A course with two cmi5 lessons (AUs) is authored and published through the API; its tenant
forwards to a real Ralph LRS. The AU side: launch, fetch the auth-token once, read
LMS.LaunchData and cmi5LearnerPreferences, send initialized / completed / passed / terminated.
The cmi5 rules refuse out-of-order, duplicated and inconsistent statements (403), the moveOn
rule decides the completion (the lesson completes exactly once), and the LMS's own
statements (launched, satisfied, abandoned) and the AU's arrive in Ralph, valid under its
strict xAPI models.
"""
import json
import secrets
import time
import urllib.parse
import uuid

import pytest

from api_client import ApiClient
from mooc_common.contracts import xapi
from ralph_lrs import ROOT, Ralph, validate_statements
from tests.e2e.courses_fixtures import TenantKit
from tests.e2e.progress_fixtures import tap  # noqa: F401
from tests.e2e.xapi_fixtures import wait_enrolled
from tests.polling import eventually

pytestmark = pytest.mark.e2e

PUBLIC = "http://localhost:8000"  # PUBLIC_BASE_URL of the platform under test (the default)
VERSION = {"X-Experience-API-Version": "1.0.3"}


@pytest.fixture(scope="module")
def ralph(platform):
    lrs = Ralph(platform.env, "ralph-cmi5-" + secrets.token_hex(3), ROOT / "var" / "log" / "test" / "ralph-cmi5.log")
    lrs.start()
    yield lrs
    lrs.stop()


@pytest.fixture(scope="module")
def setting(operator, platform, ralph):
    kit = TenantKit(operator, platform)
    kit.admin.request("PUT", f"/api/v1/tenants/{kit.tenant_id}/xapi/lrs", json={
        "endpoint": ralph.endpoint, "username": ralph.username, "password": ralph.password})
    body = {"code": "X-" + secrets.token_hex(3), "title": "Kỹ năng số cho cán bộ",
            "target_categories": ["civil_servant"], "sections": [{"title": "Phần 1", "lessons": [
                {"title": "Bài kiểm tra tương tác", "kind": "external_package", "package_standard": "cmi5",
                 "package_url": "https://noidung.example.vn/au1/index.html", "move_on": "CompletedAndPassed",
                 "mastery_score": 0.8},
                {"title": "Tài liệu tham khảo", "kind": "external_package", "package_standard": "cmi5",
                 "package_url": "https://noidung.example.vn/au2/index.html", "move_on": "NotApplicable"}]}]}
    course = kit.instructor.post("/api/v1/courses", body)
    course = kit.instructor.post(f"/api/v1/courses/{course['course_id']}/publish")
    lessons = [l["lesson_id"] for s in course["sections"] for l in s["lessons"]]
    learner, client = kit.user("learner")
    client.post(f"/api/v1/courses/{course['course_id']}/enrollments", {"learner_id": learner["user_id"]})
    wait_enrolled(client, course["course_id"])
    return {"kit": kit, "learner": learner, "client": client, "course_id": course["course_id"],
            "au1": lessons[0], "au2": lessons[1]}


class Au:
    """The assignable unit's side of one launch."""

    def __init__(self, setting, platform, lesson_id):
        client, course_id = setting["client"], setting["course_id"]
        self.launch = client.post(f"/api/v1/me/courses/{course_id}/lessons/{lesson_id}/cmi5-launch")
        query = dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(self.launch["launch_url"]).query))
        self.base = platform.base_url  # the content runs behind the public address; here the test port
        self.http = ApiClient(platform.base_url).session
        token = self.http.post(query["fetch"].replace(PUBLIC, self.base), timeout=10).json()["auth-token"]
        self.headers = dict(VERSION, Authorization=f"Basic {token}")
        self.actor, self.registration, self.activity_id = (json.loads(query["actor"]), query["registration"],
                                                           query["activityId"])
        self.launch_data = self.get("/api/v1/xapi/activities/state", stateId="LMS.LaunchData")
        self.context = dict(self.launch_data.json()["contextTemplate"])

    def get(self, path, **params):
        params = dict(params, activityId=self.activity_id, agent=json.dumps(self.actor), registration=self.registration)
        return self.http.get(self.base + path, params=params, headers=self.headers, timeout=10)

    def statement(self, verb, result=None, categories=("cmi5",), **extra):
        context = json.loads(json.dumps(self.context))
        context["contextActivities"]["category"] = [
            {"id": {"cmi5": xapi.CMI5_CATEGORY, "moveon": xapi.CMI5_MOVEON_CATEGORY}[c]} for c in categories]
        doc = {"id": str(uuid.uuid4()), "actor": self.actor,
               "verb": {"id": xapi.VERBS[verb][0], "display": {"en-US": verb}},
               "object": {"objectType": "Activity", "id": self.activity_id}, "context": context,
               "timestamp": time.strftime("%Y-%m-%dT%H:%M:%S+00:00", time.gmtime())}
        if result is not None:
            doc["result"] = result
        return dict(doc, **extra)

    def send(self, *statements):
        return self.http.post(f"{self.base}/api/v1/xapi/statements", json=list(statements), headers=self.headers,
                              timeout=10)


def completions(tap, learner_id, lesson_id):
    return [e for e in tap.events if e["type"] == "progress.lesson.completed.v1"
            and e["payload"]["learner_id"] == learner_id and e["payload"]["lesson_id"] == lesson_id]


def lessons_done(setting):
    return setting["client"].get(f"/api/v1/me/courses/{setting['course_id']}/progress")["lessons_done"]


def test_an_au_session_completes_its_lesson_once_by_the_move_on_rule_and_the_lms_statements_reach_the_lrs(
        setting, platform, tap, ralph):
    learner_id = setting["learner"]["user_id"]
    au = Au(setting, platform, setting["au1"])
    assert au.launch_data.status_code == 200, au.launch_data.text
    data = au.launch_data.json()
    assert data["launchMode"] == "Normal" and data["moveOn"] == "CompletedAndPassed" and data["masteryScore"] == 0.8
    assert data["returnURL"] == f"{PUBLIC}/courses/{setting['course_id']}"
    session_id = data["contextTemplate"]["extensions"][xapi.CMI5_SESSION_ID]
    assert data["contextTemplate"]["registration"] == au.registration and uuid.UUID(session_id)
    preferences = au.get("/api/v1/xapi/agents/profile", profileId="cmi5LearnerPreferences")
    assert preferences.status_code == 200 and preferences.json()["languagePreference"].startswith("vi-VN")
    assert au.get("/api/v1/xapi/agents/profile", profileId="other").status_code == 404

    completed = au.statement("completed", {"completion": True, "duration": "PT5M"}, ("cmi5", "moveon"))
    refused = au.send(completed)  # before initialized
    assert refused.status_code == 403 and refused.json()["code"] == "permission_denied"
    assert "initialized" in json.dumps(refused.json()["errors"])
    assert au.send(au.statement("initialized")).status_code == 200
    wrong_session = au.statement("completed", {"completion": True}, ("cmi5", "moveon"))
    wrong_session["context"]["extensions"] = {xapi.CMI5_SESSION_ID: str(uuid.uuid4())}
    no_moveon = au.statement("completed", {"completion": True})
    below_mastery = au.statement("passed", {"success": True, "score": {"scaled": 0.5}}, ("cmi5", "moveon"))
    for bad in (wrong_session, no_moveon, below_mastery):
        assert au.send(bad).status_code == 403, bad
    # An allowed statement (no cmi5 category) is recorded; completed alone does not meet
    # CompletedAndPassed; the same completed again is accepted once, a second one refused.
    answered = au.statement("experienced", categories=())
    assert au.send(answered, completed).status_code == 200
    assert au.send(completed).status_code == 200
    assert au.send(au.statement("completed", {"completion": True}, ("cmi5", "moveon"))).status_code == 403
    time.sleep(1)
    assert setting["au1"] not in lessons_done(setting)
    passed = au.statement("passed", {"success": True, "score": {"scaled": 0.9}, "duration": "PT6M"},
                          ("cmi5", "moveon"))
    assert au.send(passed).status_code == 200
    eventually(lambda: setting["au1"] in lessons_done(setting))
    assert au.send(passed).status_code == 200  # retried after a lost answer: accepted, counted once
    assert au.send(au.statement("terminated", {"duration": "PT7M"})).status_code == 200
    assert au.send(au.statement("experienced", categories=())).status_code == 403  # after terminated

    # The second AU's moveOn is NotApplicable: satisfied at launch, and with it the course.
    Au(setting, platform, setting["au2"])
    eventually(lambda: setting["au2"] in lessons_done(setting))
    # A session initialized and never terminated is abandoned by the next launch.
    left = Au(setting, platform, setting["au1"])
    assert left.send(left.statement("initialized")).status_code == 200
    Au(setting, platform, setting["au1"])
    assert left.send(left.statement("experienced", categories=())).status_code == 403

    def in_ralph():
        stored = [s for s in ralph.statements() if s["actor"].get("account", {}).get("name") == learner_id]
        # the cmi5 statements (the platform's forwarded events share the registration, not a session)
        verbs = sorted(s["verb"]["id"].rsplit("/", 1)[1] for s in stored
                       if s.get("context", {}).get("registration") == au.registration
                       and xapi.CMI5_SESSION_ID in s["context"].get("extensions", {}))
        assert verbs == sorted(["launched"] * 4 + ["initialized", "experienced", "completed", "passed", "terminated"]
                               + ["initialized", "satisfied", "abandoned"]), verbs
        return stored
    stored = eventually(in_ralph, timeout=60, interval=0.5)
    assert validate_statements(stored) == []
    launched = next(s for s in stored if s["verb"]["id"] == xapi.VERBS["launched"][0]
                    and s["context"]["extensions"][xapi.CMI5_SESSION_ID] == session_id)
    assert launched["context"]["extensions"][xapi.CMI5_MOVE_ON] == "CompletedAndPassed"
    assert launched["context"]["extensions"][xapi.CMI5_MASTERY_SCORE] == 0.8
    assert launched["context"]["extensions"][xapi.CMI5_LAUNCH_URL] == "https://noidung.example.vn/au1/index.html"
    satisfied = next(s for s in stored if s["verb"]["id"] == xapi.VERBS["satisfied"][0])
    assert satisfied["object"]["id"] == xapi.course_activity_id(PUBLIC, setting["course_id"])
    assert satisfied["object"]["definition"]["type"] == "https://w3id.org/xapi/cmi5/activitytype/course"
    abandoned = next(s for s in stored if s["verb"]["id"] == xapi.VERBS["abandoned"][0])
    assert abandoned["result"]["duration"].startswith("PT")
    assert len(completions(tap, learner_id, setting["au1"])) == 1
    assert len(completions(tap, learner_id, setting["au2"])) == 1
