"""The folding helpers of ``apply_activities`` (one per activity kind) and the typed
announcements they earn: payloads built from the enrollment as the batch leaves it, and ids
that stay exactly what they were when the domain returned strings (consumers drop a
re-published event by its id)."""
import datetime as dt

from mooc_common.contracts.activities import ACTIVITY_KINDS
from mooc_common.contracts.envelope import deterministic_event_id
from mooc_common.contracts.events.progress import (COURSE_COMPLETED, LEARNER_ACTIVE, LESSON_COMPLETED,
                                                   LESSON_OPENED, QUIZ_GRADED, VIDEO_PROGRESSED)
from services.progress import domain
from services.progress.tests.test_domain import COURSE, T0, act, enrollment

RIGHT = {"q1": ["a"], "q2": ["b", "c"]}


def new_fold(**fields):
    return domain._Fold(enrollment(**fields), T0, T0 + dt.timedelta(seconds=3))


def test_every_activity_kind_has_one_folding_helper():
    assert set(domain.FOLDERS) == set(ACTIVITY_KINDS)


def test_fold_opened_keeps_the_first_opening_and_earns_one_event_per_vietnam_day():
    fold = new_fold()
    lesson = domain.lessons_by_id(COURSE)["d1"]
    assert domain._fold_opened(fold, act("o1", "lesson_opened", "d1"), lesson) == domain.APPLIED
    domain._fold_opened(fold, act("o2", "lesson_opened", "d1", 20), lesson)  # same day (23:50 VN)
    domain._fold_opened(fold, act("o3", "lesson_opened", "d1", 40), lesson)  # next day there
    assert fold.opened == {"d1": T0}
    assert fold.opened_days["d1"] == {"day": "2026-11-24", "at": T0 + dt.timedelta(minutes=40)}
    assert [ids for _, *ids in fold.earned] == [["d1", "2026-11-23"], ["d1", "2026-11-24"]]


def test_fold_completed_marks_done_at_the_receive_time_once():
    fold = new_fold(lessons_done={"v1": T0})
    domain._fold_completed(fold, act("c1", "lesson_completed", "d1", -30), None)
    domain._fold_completed(fold, act("c2", "lesson_completed", "v1"), None)
    assert fold.lessons_done == {"v1": T0, "d1": T0 + dt.timedelta(seconds=3)}
    assert [ids for _, *ids in fold.earned] == [["d1"]]


def test_fold_video_keeps_the_furthest_point_and_each_milestone_once():
    fold = new_fold()
    lesson = domain.lessons_by_id(COURSE)["v1"]
    domain._fold_video(fold, act("p1", "video_progress", "v1", percent=60), lesson)
    domain._fold_video(fold, act("p2", "video_progress", "v1", 1, percent=30), lesson)
    assert fold.videos == {"v1": 60.0} and sorted(fold.video_milestones["v1"]) == ["25", "50"]
    domain._fold_video(fold, act("p3", "video_progress", "v1", 2, percent=95), lesson)
    assert [ids for _, *ids in fold.earned] == [["v1", "25"], ["v1", "50"], ["v1", "75"], ["v1"]]
    assert "v1" in fold.lessons_done


def test_fold_quiz_counts_an_attempt_once_and_passes_the_lesson():
    fold = new_fold()
    lesson = domain.lessons_by_id(COURSE)["qz"]
    assert domain._fold_quiz(fold, act("x1", "quiz_submitted", "qz", answers=RIGHT), lesson) == domain.APPLIED
    assert domain._fold_quiz(fold, act("x1", "quiz_submitted", "qz", answers={}), lesson) == domain.APPLIED
    assert fold.quizzes["qz"]["best_score"] == 100.0 and list(fold.quizzes["qz"]["attempts"]) == ["x1"]
    assert [ids for _, *ids in fold.earned] == [["qz", "x1"], ["qz"]] and fold.quizzes_changed
    full = new_fold(quizzes={"qz": {"attempts": {"a": {}, "b": {}}, "best_score": 0.0, "passed": False}})
    assert domain._fold_quiz(full, act("x2", "quiz_submitted", "qz"), lesson) == domain.REFUSED_NO_ATTEMPTS_LEFT
    assert not full.quizzes_changed and full.earned == []


def test_fold_changes_name_only_the_fields_that_differ():
    state = enrollment(videos={"v1": 10.0})
    fold = domain._Fold(state, T0, T0)
    assert fold.changes(state) == {}
    fold.videos["v1"] = 20.0
    fold.opened["d1"] = T0
    assert fold.changes(state) == {"videos": {"v1": 20.0}, "opened": {"d1": T0}}
    assert state["videos"] == {"v1": 10.0}  # the enrollment is never changed


def test_activity_span_moves_first_and_last_outward_and_starts_the_enrollment():
    assert domain.activity_span(enrollment(), []) == {}
    later = T0 + dt.timedelta(hours=1)
    assert domain.activity_span(enrollment(), [later, T0]) == {
        "first_activity_at": T0, "last_activity_at": later, "status": "in_progress"}
    started = enrollment(status="in_progress", first_activity_at=T0, last_activity_at=later)
    assert domain.activity_span(started, [T0 + dt.timedelta(minutes=5)]) == {}


def test_announcements_are_typed_with_the_ids_of_the_string_keys_they_replaced():
    state = enrollment(tenant_id="t1", intake_id="i1", unit_id="u1", category="worker")
    batch = [act("b1", "lesson_opened", "d1"), act("b2", "video_progress", "v1", 1, percent=100),
             act("b3", "lesson_completed", "d1", 2), act("b4", "quiz_submitted", "qz", 3, answers=RIGHT)]
    changes, announced, _ = domain.apply_activities(state, COURSE, batch, T0)
    old_keys = {  # the event ids of the former "kind:ids" strings, as service.py computed them
        "opened:d1:2026-11-23": deterministic_event_id("lesson.opened", "e1", "d1:2026-11-23"),
        "video:v1:25": deterministic_event_id("video.progressed", "e1", "v1:25"),
        "video:v1:100": deterministic_event_id("video.progressed", "e1", "v1:100"),
        "lesson:v1": deterministic_event_id("lesson.completed", "e1", "v1"),
        "quiz:qz:b4": deterministic_event_id("quiz.graded", "e1", "b4"),
        "course": deterministic_event_id("course.completed", "e1")}
    ids = {a.event_id for a in announced}
    assert set(old_keys.values()) <= ids and len(ids) == len(announced) == 10
    assert [a.event_type for a in announced][-1] == COURSE_COMPLETED
    assert {a.event_type for a in announced} == {LESSON_OPENED, VIDEO_PROGRESSED, LESSON_COMPLETED,
                                                 QUIZ_GRADED, COURSE_COMPLETED}
    graded = next(a for a in announced if a.event_type == QUIZ_GRADED)
    assert graded.payload == {"enrollment_id": "e1", "course_id": "c1", "course_owner_tenant_id": None,
                              "intake_id": "i1", "learner_id": "l1", "unit_id": "u1", "category": "worker",
                              "lesson_id": "qz", "attempt": 1, "score": 100.0, "passed": True, "graded_at": T0}
    completed = next(a for a in announced if a.event_type == COURSE_COMPLETED)
    assert completed.payload["completed_at"] == changes["completed_at"]
    for a in announced:  # every payload is one the contract accepts
        a.event_type.build(a.payload, "t1", event_id=a.event_id)


def test_learner_active_is_one_id_per_learner_and_day():
    day = dt.date(2026, 11, 24)
    active = domain.learner_active(enrollment(unit_id="u1", category=None), day)
    assert active.event_type == LEARNER_ACTIVE
    assert active.payload == {"learner_id": "l1", "unit_id": "u1", "category": None, "day": day}
    assert active.event_id == deterministic_event_id("learner.active", "l1", "2026-11-24")
