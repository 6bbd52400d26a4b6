"""The xAPI statements endpoint with fake collaborators: statements become activities."""
import base64
import uuid

from gateway.tests.test_app import FakePublisher, FakeRpc, client, token
from mooc_common.contracts import xapi

BASE = "http://localhost:8000"
VERSION = {"X-Experience-API-Version": "1.0.3"}


def statement(verb="completed", lesson="l1", **extra):
    return dict({"id": str(uuid.uuid4()), "actor": {"mbox": "mailto:hv@example.vn"},
                 "verb": {"id": xapi.VERBS[verb][0]},
                 "object": {"id": xapi.lesson_activity_id(BASE, "c1", lesson)}}, **extra)


def post(body, headers):
    publisher = FakePublisher()
    answer = client(FakeRpc(), publisher).simulate_post("/api/v1/xapi/statements", json=body, headers=headers)
    return answer, publisher


def test_a_completion_statement_is_one_lesson_completed_activity_with_an_id_from_the_statement():
    sent = statement()
    answer, publisher = post([sent, statement("launched")], dict(VERSION, Authorization=f"Bearer {token()}"))
    assert answer.status_code == 200 and answer.json[0] == sent["id"]
    assert answer.headers["X-Experience-API-Version"] == "1.0.3"
    [message] = publisher.messages
    [activity] = message["activities"]
    assert (activity["kind"], activity["course_id"], activity["lesson_id"]) == ("lesson_completed", "c1", "l1")
    assert activity["activity_id"] == str(uuid.uuid5(xapi.INBOUND_NAMESPACE, sent["id"]))
    assert (message["learner_id"], message["tenant_id"]) == ("u1", "t1")


def test_basic_credentials_carry_the_access_token_as_password():
    basic = base64.b64encode(f"anyone:{token()}".encode()).decode()
    answer, publisher = post(statement("passed"), dict(VERSION, Authorization=f"Basic {basic}"))
    assert answer.status_code == 200 and len(publisher.messages) == 1


def test_statements_about_nothing_of_ours_publish_nothing():
    other = statement()
    other["object"]["id"] = "https://other.example.vn/xapi/activities/courses/c1/lessons/l1"
    answer, publisher = post(other, dict(VERSION, Authorization=f"Bearer {token()}"))
    assert answer.status_code == 200 and publisher.messages == []


def test_no_version_header_or_a_bad_statement_is_400_and_publishes_nothing():
    auth = {"Authorization": f"Bearer {token()}"}
    answer, publisher = post(statement(), auth)
    assert answer.status_code == 400 and answer.json["code"] == "invalid_statement"
    answer, publisher = post(dict(statement(), verb={"id": "completed"}), dict(VERSION, **auth))
    assert answer.status_code == 400 and "verb" in answer.json["errors"]["statements"]["0"]
    assert publisher.messages == []
