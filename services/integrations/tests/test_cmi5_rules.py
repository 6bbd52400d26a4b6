"""cmi5 LMS rules over plain values: moveOn, session and registration order, the LMS's statements."""
import datetime as dt
import uuid

import pytest

from mooc_common.contracts import xapi
from services.integrations import cmi5_rules

T0 = dt.datetime(2026, 11, 23, 9, 0, tzinfo=dt.timezone.utc)
BASE = "https://hoc.example.gov.vn"
ACTIVITY = xapi.lesson_activity_id(BASE, "c1", "au1")
ACTOR = xapi.actor(BASE, "t1", "l1")


def launch(session_id="s1", move_on="CompletedAndPassed", mastery_score=0.8):
    return {"actor": ACTOR, "actor_account": ACTOR["account"], "registration": "r1", "session_id": session_id,
            "activity_id": ACTIVITY, "lesson_id": "au1", "course_id": "c1", "move_on": move_on,
            "mastery_score": mastery_score, "launch_url": "https://noidung.example.vn/au1/index.html"}


def registration(*session_ids):
    reg = cmi5_rules.new_registration("r1", "l1", "c1")
    for sid in session_ids:
        cmi5_rules.open_session(reg, sid, "au1", ACTIVITY, T0)
    return reg


def statement(verb, result=None, categories=(xapi.CMI5_CATEGORY,), session_id="s1", **extra):
    doc = {"id": str(uuid.uuid4()), "actor": ACTOR, "verb": {"id": xapi.VERBS[verb][0]},
           "object": {"id": ACTIVITY},
           "context": {"registration": "r1", "extensions": {xapi.CMI5_SESSION_ID: session_id},
                       "contextActivities": {"category": [{"id": c} for c in categories]}}}
    if result is not None:
        doc["result"] = result
    return dict(doc, **extra)


MOVEON = (xapi.CMI5_CATEGORY, xapi.CMI5_MOVEON_CATEGORY)


def reasons(reg, session, *statements):
    with pytest.raises(cmi5_rules.Violation) as refused:
        cmi5_rules.check_statements(reg, session, list(statements), T0)
    return str(refused.value.errors)


@pytest.mark.parametrize("rule, completed, passed, met", [
    ("Completed", True, False, True), ("Completed", False, True, False),
    ("Passed", False, True, True), ("Passed", True, False, False),
    ("CompletedAndPassed", True, False, False), ("CompletedAndPassed", True, True, True),
    ("CompletedOrPassed", False, True, True), ("CompletedOrPassed", True, False, True),
    ("CompletedOrPassed", False, False, False), ("NotApplicable", False, False, True)])
def test_move_on_rules(rule, completed, passed, met):
    assert cmi5_rules.move_on_met(rule, completed, passed) is met


def test_a_session_starts_with_initialized_and_nothing_follows_terminated():
    reg, session = registration("s1"), launch()
    assert "initialized" in reasons(reg, session, statement("completed", {"completion": True}, MOVEON))
    assert reg["sessions"]["s1"]["state"] == "launched"  # a refused batch changes nothing
    new, moved_on = cmi5_rules.check_statements(reg, session, [statement("initialized"),
                                                               statement("terminated")], T0)
    assert len(new) == 2 and not moved_on and reg["sessions"]["s1"]["state"] == "terminated"
    assert "terminated" in reasons(reg, session, statement("experienced", categories=()))


def test_completion_follows_the_move_on_rule_and_a_retried_statement_counts_once():
    reg, session = registration("s1"), launch()
    completed = statement("completed", {"completion": True}, MOVEON)
    new, moved_on = cmi5_rules.check_statements(reg, session, [statement("initialized"), completed], T0)
    assert len(new) == 2 and not moved_on  # CompletedAndPassed: not yet
    passed = statement("passed", {"success": True, "score": {"scaled": 0.85}}, MOVEON)
    assert cmi5_rules.check_statements(reg, session, [passed], T0) == ([passed], True)
    assert cmi5_rules.check_statements(reg, session, [passed], T0) == ([], True)  # the AU retried
    assert reg["aus"]["au1"] == {"completed": True, "passed": True, "failed": False, "satisfied": False}


@pytest.mark.parametrize("bad, reason", [
    (statement("completed", {"completion": True}), "moveon category"),
    (statement("completed", {"completion": True, "success": True}, MOVEON), "result.success"),
    (statement("passed", {"success": True, "score": {"scaled": 0.5}}, MOVEON), "mastery score"),
    (statement("failed", {"success": False, "score": {"scaled": 0.9}}, MOVEON), "mastery score"),
    (statement("initialized"), "already sent"),
    (statement("completed", {"completion": True}, MOVEON, session_id="other"), "session id"),
    (dict(statement("terminated"), actor=xapi.actor(BASE, "t1", "someone-else")), "actor"),
    (dict(statement("terminated"), context={"registration": "r2"}), "registration"),
    (dict(statement("terminated"), object={"id": BASE + "/xapi/activities/courses/c1/lessons/au2"}), "launched AU"),
    (statement("launched"), "cmi5 defined statement uses"),
    (statement("experienced", categories=(xapi.CMI5_MOVEON_CATEGORY,)), "only cmi5 defined"),
])
def test_statements_that_break_a_cmi5_rule_are_refused(bad, reason):
    reg, session = registration("s1"), launch()
    cmi5_rules.check_statements(reg, session, [statement("initialized")], T0)
    assert reason in reasons(reg, session, bad)


def test_a_session_takes_a_bounded_number_of_statements(monkeypatch):
    monkeypatch.setattr(cmi5_rules, "MAX_STATEMENTS_PER_SESSION", 3)
    reg, session = registration("s1"), launch()
    cmi5_rules.check_statements(reg, session, [statement("initialized")] + [
        statement("experienced", categories=()) for _ in range(2)], T0)
    assert "at most 3" in reasons(reg, session, statement("experienced", categories=()))


def test_registration_rules_span_sessions():
    reg = registration("s1")
    cmi5_rules.check_statements(reg, launch(), [
        statement("initialized"), statement("passed", {"success": True}, MOVEON),
        statement("terminated")], T0)
    abandoned = cmi5_rules.open_session(reg, "s2", "au1", ACTIVITY, T0)
    assert abandoned == []  # s1 was terminated
    second = launch("s2")
    cmi5_rules.check_statements(reg, second, [statement("initialized", session_id="s2")], T0)
    assert "already sent in this registration" in reasons(
        reg, second, statement("passed", {"success": True}, MOVEON, session_id="s2"))
    assert "cannot follow passed" in reasons(
        reg, second, statement("failed", {"success": False}, MOVEON, session_id="s2"))


def test_a_new_launch_abandons_an_initialized_session_and_closes_a_launched_one():
    reg = registration("s1")
    cmi5_rules.check_statements(reg, launch(), [statement("initialized")], T0)
    later = T0 + dt.timedelta(minutes=5)
    abandoned = cmi5_rules.open_session(reg, "s2", "au1", ACTIVITY, later)
    assert [a["session_id"] for a in abandoned] == ["s1"] and reg["sessions"]["s1"]["state"] == "abandoned"
    assert "abandoned" in reasons(reg, launch(), statement("experienced", categories=()))
    cmi5_rules.open_session(reg, "s3", "au1", ACTIVITY, later)
    assert reg["sessions"]["s2"]["state"] == "closed"
    lms = dict(launch(), actor=ACTOR)
    doc = cmi5_rules.abandoned_statement(lms, abandoned[0], later)
    assert doc["verb"]["id"] == "https://w3id.org/xapi/adl/verbs/abandoned"
    assert doc["result"] == {"duration": "PT0.00S"}  # launch to the AU's last statement (both at T0)
    assert doc["context"]["extensions"][xapi.CMI5_SESSION_ID] == "s1"
    assert doc["id"] == cmi5_rules.abandoned_statement(lms, abandoned[0], later)["id"]


def test_the_course_is_satisfied_once_when_all_its_aus_are():
    reg = registration()
    assert not cmi5_rules.satisfy(reg, "au1", ["au1", "au2"])
    assert cmi5_rules.satisfy(reg, "au2", ["au1", "au2"])
    assert not cmi5_rules.satisfy(reg, "au2", ["au1", "au2"])  # once per registration


def test_the_launched_statement_carries_the_launch_parameters():
    doc = cmi5_rules.launched_statement(dict(launch(), actor=ACTOR), T0)
    extensions = doc["context"]["extensions"]
    assert doc["verb"]["id"] == "http://adlnet.gov/expapi/verbs/launched" and doc["object"]["id"] == ACTIVITY
    assert extensions == {xapi.CMI5_SESSION_ID: "s1", xapi.CMI5_LAUNCH_MODE: "Normal",
                          xapi.CMI5_LAUNCH_URL: "https://noidung.example.vn/au1/index.html",
                          xapi.CMI5_MOVE_ON: "CompletedAndPassed", xapi.CMI5_MASTERY_SCORE: 0.8}
    assert doc["context"]["contextActivities"]["category"] == [{"objectType": "Activity", "id": xapi.CMI5_CATEGORY}]
    assert doc["context"]["registration"] == "r1" and doc["timestamp"] == T0.isoformat()


@pytest.mark.parametrize("earlier, bad, reason", [
    ([statement("failed", {"success": False}, MOVEON)], statement("passed", {"success": True}, MOVEON),
     "at most one passed or failed"),
    ([], statement("completed", {"completion": True, "score": {"scaled": 0.9}}, MOVEON),
     "a completed statement has no score"),
    ([], statement("completed", {"completion": False}, MOVEON), "result.completion must be True"),
    ([], statement("terminated", categories=MOVEON), "moveon category is on completed, passed and failed"),
])
def test_each_defined_statement_rule_refuses_on_its_own(earlier, bad, reason):
    reg, session = registration("s1"), launch()
    cmi5_rules.check_statements(reg, session, [statement("initialized")] + earlier, T0)
    assert reason in reasons(reg, session, bad)


def test_a_statement_breaking_several_rules_gets_every_reason_in_rule_order():
    reg, session = registration("s1"), launch()
    cmi5_rules.check_statements(reg, session, [statement("initialized")], T0)
    bad = dict(statement("completed", {"completion": True, "score": {"scaled": 0.9}}),
               object={"id": BASE + "/elsewhere"}, actor=xapi.actor(BASE, "t1", "someone-else"))
    with pytest.raises(cmi5_rules.Violation) as refused:
        cmi5_rules.check_statements(reg, session, [bad], T0)
    assert refused.value.errors == {"0": [
        "the actor must be the launched learner's account",
        "a cmi5 defined statement's object is the launched AU",
        "a completed statement has no score",
        "the moveon category is on completed, passed and failed statements only"]}
    assert reg["sessions"]["s1"]["verbs"] == ["initialized"]  # nothing of the refused batch written
