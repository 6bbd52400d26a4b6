"""Progress rules over plain values: scoring, attempts, idempotency, completion once."""
import datetime as dt

import pytest

from mooc_common.contracts.errors import NotFound, PermissionDenied
from services.progress import domain

T0 = dt.datetime(2026, 11, 23, 16, 30, tzinfo=dt.timezone.utc)  # 23:30 in Vietnam
QUIZ = {"questions": [
    {"question_id": "q1", "kind": "single", "option_ids": ["a", "b"], "correct_option_ids": ["a"], "points": 1},
    {"question_id": "q2", "kind": "multiple", "option_ids": ["a", "b", "c"], "correct_option_ids": ["b", "c"],
     "points": 3}], "pass_mark": 75.0, "max_attempts": 2}
COURSE = {"_id": "c1", "owner_tenant_id": "t1", "revision": 1, "lessons": [
    {"lesson_id": "v1", "kind": "video", "required": True, "duration_seconds": 600},
    {"lesson_id": "d1", "kind": "document", "required": True},
    {"lesson_id": "qz", "kind": "quiz", "required": True, "quiz": QUIZ}],
    "completion_rule": {"required_lesson_ids": ["v1", "d1", "qz"], "required_quiz_ids": ["qz"],
                        "min_average_quiz_score": None}}


def enrollment(**extra):
    return dict({"_id": "e1", "learner_id": "l1", "course_id": "c1", "lessons_done": {}, "videos": {},
                 "opened": {}, "quizzes": {}, "status": "not_started", "completed_at": None,
                 "cancelled_at": None, "first_activity_at": None, "last_activity_at": None}, **extra)


def act(activity_id, kind, lesson_id, minutes=0, **extra):
    return dict({"activity_id": activity_id, "kind": kind, "lesson_id": lesson_id,
                 "occurred_at": T0 + dt.timedelta(minutes=minutes)}, **extra)


def label(announcement):
    """A short name of what an announcement is about (its kind and ids)."""
    payload, name = announcement.payload, announcement.event_type.name
    about = {"course.completed": (), "lesson.completed": (payload.get("lesson_id"),),
             "quiz.graded": (payload.get("lesson_id"), payload.get("attempt")),
             "lesson.opened": (payload.get("lesson_id"), str(payload.get("day"))),
             "video.progressed": (payload.get("lesson_id"), payload.get("milestone"))}[name]
    short = {"course.completed": "course", "lesson.completed": "lesson", "quiz.graded": "quiz",
             "lesson.opened": "opened", "video.progressed": "video"}[name]
    return ":".join(str(part) for part in (short, *about))


def fold(state, activities):
    changes, announcements, outcomes = domain.apply_activities(state, COURSE, activities, T0)
    state.update(changes)
    return [label(a) for a in announcements], outcomes


def test_quiz_scored_on_points_of_exactly_correct_answers():
    assert domain.score_quiz(QUIZ, {"q1": ["a"], "q2": ["c", "b"]}) == 100.0
    assert domain.score_quiz(QUIZ, {"q1": ["a"], "q2": ["b"]}) == 25.0
    assert domain.score_quiz(QUIZ, {}) == 0.0


def test_video_done_at_ninety_percent_and_watched_percent_never_decreases():
    state = enrollment()
    assert fold(state, [act("a1", "video_progress", "v1", percent=89.9)])[0] == [
        "video:v1:25", "video:v1:50", "video:v1:75"]
    outbox, _ = fold(state, [act("a2", "video_progress", "v1", 1, percent=90), act("a3", "video_progress", "v1", 2, percent=10)])
    assert outbox == ["lesson:v1"] and state["videos"]["v1"] == 90 and "v1" in state["lessons_done"]


def test_attempts_counted_once_per_activity_id_and_refused_beyond_the_limit():
    state = enrollment()
    fold(state, [act("x1", "quiz_submitted", "qz", answers={})])
    outbox, outcomes = fold(state, [act("x1", "quiz_submitted", "qz", answers={"q1": ["a"], "q2": ["b", "c"]})])
    assert outbox == [] and outcomes == {"x1": "applied"}  # the re-sent attempt changes nothing
    fold(state, [act("x2", "quiz_submitted", "qz", 1, answers={"q1": ["a"]})])
    _, outcomes = fold(state, [act("x3", "quiz_submitted", "qz", 2, answers={"q1": ["a"], "q2": ["b", "c"]})])
    assert outcomes == {"x3": domain.REFUSED_NO_ATTEMPTS_LEFT}
    assert len(state["quizzes"]["qz"]["attempts"]) == 2 and state["quizzes"]["qz"]["best_score"] == 25.0
    assert not state["quizzes"]["qz"]["passed"] and "qz" not in state["lessons_done"]


def test_completion_once_and_never_undone():
    state = enrollment()
    batch = [act("b1", "lesson_completed", "v1"), act("b2", "lesson_completed", "d1", 1),
             act("b3", "quiz_submitted", "qz", 2, answers={"q1": ["a"], "q2": ["b", "c"]})]
    outbox, _ = fold(state, batch)
    assert "course" in outbox and state["status"] == "completed"
    assert fold(state, batch)[0] == []  # redelivered: nothing new
    assert fold(state, [act("b4", "lesson_opened", "v1", -60)])[0] == ["opened:v1:2026-11-23"]  # no "course"
    assert state["status"] == "completed" and state["first_activity_at"] == T0 - dt.timedelta(minutes=60)


def test_lesson_opened_is_announced_once_per_lesson_and_vietnam_day():
    state = enrollment()
    # T0 is 23:30 in Vietnam: +20 min is still the 23rd, +40 min is the 24th there.
    outbox, _ = fold(state, [act("o1", "lesson_opened", "d1"), act("o2", "lesson_opened", "d1", 20),
                             act("o3", "lesson_opened", "v1", 5)])
    assert outbox == ["opened:d1:2026-11-23", "opened:v1:2026-11-23"]
    assert state["opened_days"]["d1"] == {"day": "2026-11-23", "at": T0}
    assert fold(state, [act("o1", "lesson_opened", "d1"), act("o4", "lesson_opened", "d1", 25)])[0] == []
    assert fold(state, [act("o5", "lesson_opened", "d1", 40)])[0] == ["opened:d1:2026-11-24"]
    assert fold(state, [act("o6", "lesson_opened", "d1", 10)])[0] == []  # a late one of an announced day
    assert domain.opened_at(state, "d1", "2026-11-24") == T0 + dt.timedelta(minutes=40)
    # an older day still unpublished is dated at the start of that day (Vietnam)
    assert domain.opened_at(state, "d1", "2026-11-23") == dt.datetime(2026, 11, 22, 17, tzinfo=dt.timezone.utc)


def test_video_milestones_are_announced_once_each_with_the_percent_reached():
    state = enrollment()
    assert fold(state, [act("p1", "video_progress", "v1", percent=24.9)])[0] == []
    outbox, _ = fold(state, [act("p2", "video_progress", "v1", 1, percent=55)])
    assert outbox == ["video:v1:25", "video:v1:50"]
    assert state["video_milestones"]["v1"]["50"] == {"at": T0 + dt.timedelta(minutes=1), "percent": 55.0,
                                                     "duration_seconds": 600}
    assert fold(state, [act("p2", "video_progress", "v1", 1, percent=55),  # redelivered
                        act("p3", "video_progress", "v1", 2, percent=40)])[0] == []  # seeking back
    outbox, _ = fold(state, [act("p4", "video_progress", "v1", 3, percent=100)])
    assert outbox == ["video:v1:75", "video:v1:100", "lesson:v1"]
    assert fold(state, [act("p5", "video_progress", "v1", 4, percent=100)])[0] == []
    assert fold(state, [act("p6", "video_progress", "d1", 4, percent=100)])[0] == []  # not a video lesson


def test_activities_that_do_not_fit_the_lesson_or_a_cancelled_enrollment_have_no_effect():
    state = enrollment()
    _, outcomes = fold(state, [act("c1", "lesson_completed", "qz"), act("c2", "video_progress", "d1", percent=99),
                               act("c3", "lesson_opened", "nope")])
    assert outcomes == {"c1": domain.IGNORED_WRONG_KIND, "c2": domain.IGNORED_WRONG_KIND,
                        "c3": domain.IGNORED_UNKNOWN_LESSON}
    assert state["status"] == "not_started"
    cancelled = enrollment(cancelled_at=T0)
    assert fold(cancelled, [act("c4", "lesson_completed", "d1")])[1] == {"c4": domain.IGNORED_CANCELLED}


def test_minimum_average_quiz_score():
    rule = {"required_lesson_ids": [], "required_quiz_ids": ["qz"], "min_average_quiz_score": 90}
    assert not domain.completion_met(rule, {}, {"qz": {"passed": True, "best_score": 80}})
    assert domain.completion_met(rule, {}, {"qz": {"passed": True, "best_score": 95}})


def test_vietnam_day_is_utc_plus_seven():
    assert domain.vietnam_day(T0) == dt.date(2026, 11, 23)
    assert domain.vietnam_day(T0 + dt.timedelta(minutes=31)) == dt.date(2026, 11, 24)


def test_staff_see_their_own_tenant_learners_in_own_and_national_courses():
    admin = {"role": "tenant_admin", "tenant_id": "t1", "user_id": "u"}
    assert domain.staff_scope(admin, COURSE) == {"course_tenant": "c1:t1"}
    assert domain.staff_scope(admin, dict(COURSE, owner_tenant_id=None)) == {"course_tenant": "c1:t1"}
    with pytest.raises(NotFound):
        domain.staff_scope(dict(admin, tenant_id="t2"), COURSE)
    with pytest.raises(PermissionDenied):
        domain.staff_scope(dict(admin, role="learner"), COURSE)
    assert domain.staff_scope({"role": "operator_admin"}, COURSE) == {"course_id": "c1"}


def test_learner_view_lists_each_graded_attempt_by_its_activity_id():
    state = enrollment()
    fold(state, [act("x1", "quiz_submitted", "qz", answers={"q1": ["a"]})])
    fold(state, [act("x2", "quiz_submitted", "qz", 1, answers={"q1": ["a"], "q2": ["b", "c"]})])
    quiz = next(row for row in domain.lesson_detail(COURSE, state) if row["lesson_id"] == "qz")["quiz"]
    assert [(a["attempt_id"], a["number"]) for a in quiz["attempts"]] == [("x1", 1), ("x2", 2)]
    assert quiz["attempts"][1]["score"] == quiz["best_score"] and quiz["attempts_used"] == 2
    assert all(not a["passed"] for a in quiz["attempts"]) or quiz["passed"]
