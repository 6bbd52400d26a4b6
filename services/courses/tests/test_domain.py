"""Pure rules of the courses service: intakes, stable ids, answer keys, content checks."""
import datetime as dt

import pytest

from mooc_common.contracts.errors import Conflict, ValidationFailed
from services.courses import content, domain

NOW = dt.datetime(2026, 11, 23, 9, 0, tzinfo=dt.timezone.utc)


def intake(name, start_days, end_days):
    return {"_id": name, "name": name, "enroll_from": NOW + dt.timedelta(days=start_days),
            "enroll_until": NOW + dt.timedelta(days=end_days)}


def test_choose_intake_open_window_or_clear_refusal():
    assert domain.choose_intake([], None, NOW) is None
    intakes = [intake("past", -10, -1), intake("open", -1, 5), intake("later-open", -2, 9)]
    assert domain.choose_intake(intakes, None, NOW)["_id"] == "open"
    with pytest.raises(Conflict) as refused:
        domain.choose_intake(intakes, "past", NOW)
    assert "past" in refused.value.message and "intake_id" in refused.value.errors
    with pytest.raises(Conflict):
        domain.choose_intake([intake("past", -10, -1)], None, NOW)


def quiz_lesson(lesson_id=None):
    return {"lesson_id": lesson_id, "title": "Q", "kind": "quiz", "required": True,
            "quiz": {"pass_mark": 50, "questions": [{"text": "?", "kind": "single", "options": [
                {"text": "a", "correct": True}, {"text": "b", "correct": False}]}]}}


def test_assign_ids_keeps_known_ids_and_refuses_unknown_ones():
    sections = domain.assign_ids([{"title": "", "lessons": [quiz_lesson()]}])
    course = {"sections": sections}
    kept = sections[0]["lessons"][0]["lesson_id"]
    again = domain.assign_ids([{"title": "", "lessons": [quiz_lesson(kept), quiz_lesson()]}], course)
    assert again[0]["lessons"][0]["lesson_id"] == kept
    assert again[0]["lessons"][1]["lesson_id"] != kept
    with pytest.raises(ValidationFailed):
        domain.assign_ids([{"title": "", "lessons": [quiz_lesson("nope")]}], course)


def test_learner_view_and_rule():
    sections = domain.assign_ids([{"title": "", "lessons": [quiz_lesson()]}])
    view = domain.without_answer_keys({"sections": sections})
    options = view["sections"][0]["lessons"][0]["quiz"]["questions"][0]["options"]
    assert all(set(o) == {"option_id", "text"} for o in options)
    rule = domain.completion_rule(sections, 80)
    assert rule["required_quiz_ids"] == rule["required_lesson_ids"] and rule["min_average_quiz_score"] == 80
    spec = domain.quiz_spec(sections[0]["lessons"][0]["quiz"])
    assert spec["questions"][0]["correct_option_ids"] == [options[0]["option_id"]]


def test_sanitise_and_sniff():
    html = content.sanitise_html('<p onclick="x()">Chào<script>alert(1)</script><img src="a.png" onerror="y()"></p>')
    assert "script" not in html and "onerror" not in html and "onclick" not in html and "Chào" in html
    assert content.sniff(b"%PDF-1.4...", b"") == content.PDF
    assert content.sniff(b"PK\x03\x04....ppt/presentation.xml", b"") == content.PPTX
    assert content.sniff(b"MZ\x90", b"") is None
    assert not content.extension_matches("a.docx", content.PDF)


def test_document_readers_are_editors_or_enrolled_learners_of_a_lesson_showing_it():
    from mooc_common.contracts.errors import NotFound
    course = {"_id": "c1", "owner_tenant_id": "tA", "status": "published", "sections": [
        {"lessons": [{"lesson_id": "l1", "kind": "document", "document_id": "d1"}]}]}
    shown = {"_id": "d1", "course_id": "c1", "state": "ready"}
    unlisted = {"_id": "d2", "course_id": "c1", "state": "ready"}
    learner = {"user_id": "u1", "tenant_id": "tA", "role": "learner"}
    active = {"learner_id": "u1", "status": "active"}
    domain.require_document_reader(learner, course, shown, active)
    domain.require_document_reader({"user_id": "i", "tenant_id": "tA", "role": "instructor"}, course, unlisted, None)
    refused = [
        (learner, shown, None),                                    # not enrolled
        (learner, shown, dict(active, status="cancelled")),        # cancelled
        (learner, unlisted, active),                               # uploaded but no lesson shows it
        (learner, dict(shown, state="uploading"), active),         # incomplete upload
        (learner, dict(shown, course_id="other"), active),         # another course's document
        (learner, None, active),
        ({"user_id": "u1", "tenant_id": "tB", "role": "learner"}, shown, active),  # another tenant
    ]
    for actor, document, enrollment in refused:
        with pytest.raises(NotFound):
            domain.require_document_reader(actor, course, document, enrollment)
