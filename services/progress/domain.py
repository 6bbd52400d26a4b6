"""Progress domain rules: pure functions over plain dicts (no I/O).

Rules chosen (docs/progress.md):
- a video lesson is done when the learner watched at least ``VIDEO_DONE_PERCENT`` of it
  (or the player reports ``lesson_completed``); other non-quiz lessons by ``lesson_completed``;
- a quiz lesson is done only when a server-scored attempt reaches the quiz's pass mark;
  any score the client sends is dropped at the boundary and never read here;
- quiz attempts are keyed by the activity id, so a re-sent or redelivered attempt counts once;
  attempts beyond ``max_attempts`` are refused (recorded with the reason, no effect);
- the enrollment completes when every required lesson is done, every required quiz passed and
  the average best score of the required quizzes reaches ``min_average_quiz_score`` (if set).
  Completion is never undone (later revisions or late activities do not un-complete).
"""
import datetime as dt
import uuid
from typing import NamedTuple

from mooc_common.contracts import roles
from mooc_common.contracts.activities import ACTIVITY_KINDS
from mooc_common.contracts.envelope import EventType, deterministic_event_id
from mooc_common.contracts.errors import NotFound
from mooc_common.contracts.events.progress import (COURSE_COMPLETED, LEARNER_ACTIVE, LESSON_COMPLETED,
                                                   LESSON_OPENED, QUIZ_GRADED, VIDEO_PROGRESSED)
from mooc_common.infra.vietnam_time import day_start, vietnam_day  # noqa: F401 (service.py calls domain.vietnam_day)

VIDEO_DONE_PERCENT = 90.0
# The points of a video announced as VIDEO_PROGRESSED (and forwarded as xAPI), each once per
# enrollment: four events per video, not one per player heartbeat.
VIDEO_MILESTONES = (25, 50, 75, 100)

# Why an activity had no effect (recorded on the stored activity).
REFUSED_NO_ATTEMPTS_LEFT = "no_attempts_left"
IGNORED_UNKNOWN_LESSON = "unknown_lesson"
IGNORED_WRONG_KIND = "wrong_kind_for_lesson"
IGNORED_CANCELLED = "enrollment_cancelled"
GRADED = "graded"
APPLIED = "applied"


def lessons_by_id(course):
    return {lesson["lesson_id"]: lesson for lesson in course["lessons"]}


def score_quiz(quiz, answers):
    """Percent of points earned; a question earns its points only for the exact correct set."""
    answers = answers or {}
    total = earned = 0.0
    for question in quiz["questions"]:
        points = float(question.get("points", 1.0) or 0.0)
        total += points
        if set(answers.get(question["question_id"], ())) == set(question["correct_option_ids"]):
            earned += points
    return round(100.0 * earned / total, 2) if total else 0.0


def attempts_used(enrollment, lesson_id):
    return len(enrollment.get("quizzes", {}).get(lesson_id, {}).get("attempts", {}))


def attempts_left(quiz, used):
    """None: unlimited."""
    if quiz.get("max_attempts") is None:
        return None
    return max(0, quiz["max_attempts"] - used)


def activity_problem(lesson, kind):
    """Why an activity cannot apply to this lesson, or None (the gateway uses this too)."""
    if lesson is None:
        return IGNORED_UNKNOWN_LESSON
    if kind == "quiz_submitted" and not lesson.get("quiz"):
        return IGNORED_WRONG_KIND
    if kind == "video_progress" and lesson.get("kind") != "video":
        return IGNORED_WRONG_KIND
    if kind == "lesson_completed" and lesson.get("quiz"):
        return IGNORED_WRONG_KIND  # a quiz is done by passing it, not by saying so
    return None


# Trusted timestamps (docs/security.md, item 9): a learner's device may be offline for a while,
# so its clock is believed within a week back and five minutes ahead of the server's receive
# time, never before the enrollment; outside that the receive time is recorded instead.
CLIENT_TIME_PAST = dt.timedelta(days=7)
CLIENT_TIME_AHEAD = dt.timedelta(minutes=5)


def trusted_time(client_at, received_at, enrolled_at=None):
    """When an activity is recorded as having happened (see CLIENT_TIME_PAST)."""
    earliest = received_at - CLIENT_TIME_PAST
    if enrolled_at is not None:
        earliest = max(earliest, enrolled_at)
    if earliest <= client_at <= received_at + CLIENT_TIME_AHEAD:
        return min(client_at, received_at)
    return received_at


def trust_times(activities, received_at, enrolled_at=None):
    """The activities with ``occurred_at`` made trusted; the client's own time is kept in
    ``client_occurred_at``."""
    return [dict(a, occurred_at=trusted_time(a["occurred_at"], received_at, enrolled_at),
                 client_occurred_at=a["occurred_at"]) for a in activities]


class Announcement(NamedTuple):
    """An event a batch earned: its type, its payload, and an id derived from what it is about
    (a re-publication after a crash carries the same id, and consumers drop it as seen)."""
    event_type: EventType
    payload: dict
    event_id: uuid.UUID


def announcement(event_type, payload, *about):
    return Announcement(event_type, payload, deterministic_event_id(event_type.name, *about))


class _Fold:
    """An enrollment's progress while a batch of activities is folded into it. Copies of the
    enrollment's fields (the enrollment itself is never changed); ``earned`` holds, in fold
    order, ``(builder, *ids)`` of each event earned, built once the batch is folded
    (``announcements``) because a payload shows the enrollment as the batch leaves it."""
    FIELDS = ("lessons_done", "videos", "opened", "opened_days")

    def __init__(self, enrollment, now, received_at):
        self.now, self.received_at, self.earned = now, received_at, []
        for field in self.FIELDS:
            setattr(self, field, dict(enrollment.get(field, {})))
        self.video_milestones = {k: dict(v) for k, v in enrollment.get("video_milestones", {}).items()}
        self.quizzes = {k: {"attempts": dict(v.get("attempts", {})), "best_score": v.get("best_score"),
                            "passed": v.get("passed", False)}
                        for k, v in enrollment.get("quizzes", {}).items()}
        self.quizzes_changed = False

    def mark_done(self, lesson_id):
        """Completed at the server's receive time; the first completion wins (its event is
        already announced)."""
        if lesson_id not in self.lessons_done:
            self.earned.append((_lesson_completed, lesson_id))
            self.lessons_done[lesson_id] = self.received_at

    def changes(self, enrollment):
        """The fields to ``$set``: only those that differ from the enrollment's."""
        changes = {field: getattr(self, field) for field in (*self.FIELDS, "video_milestones")
                   if getattr(self, field) != enrollment.get(field, {})}
        if self.quizzes_changed:
            changes["quizzes"] = self.quizzes
        return changes


# ---- one folding helper per activity kind: (fold, activity, lesson) -> outcome ----------
def _fold_opened(fold, activity, lesson):
    lesson_id, at = activity["lesson_id"], activity["occurred_at"]
    fold.opened.setdefault(lesson_id, at)
    day = vietnam_day(at).isoformat()
    # Activities are folded in time order: a later day replaces an earlier one, and the
    # first opening of a day is the one announced (LESSON_OPENED).
    if day > fold.opened_days.get(lesson_id, {}).get("day", ""):
        fold.opened_days[lesson_id] = {"day": day, "at": at}
        fold.earned.append((_lesson_opened, lesson_id, day))
    return APPLIED


def _fold_completed(fold, activity, lesson):
    fold.mark_done(activity["lesson_id"])
    return APPLIED


def _fold_video(fold, activity, lesson):
    lesson_id = activity["lesson_id"]
    before = fold.videos.get(lesson_id, 0.0)
    reached = fold.videos[lesson_id] = max(before, float(activity["percent"]))
    for milestone in VIDEO_MILESTONES:
        if before < milestone <= reached and str(milestone) not in fold.video_milestones.get(lesson_id, {}):
            fold.video_milestones.setdefault(lesson_id, {})[str(milestone)] = {
                "at": activity["occurred_at"], "percent": reached, "duration_seconds": lesson.get("duration_seconds")}
            fold.earned.append((_video_progressed, lesson_id, str(milestone)))
    if reached >= VIDEO_DONE_PERCENT:
        fold.mark_done(lesson_id)
    return APPLIED


def _fold_quiz(fold, activity, lesson):
    lesson_id = activity["lesson_id"]
    state = fold.quizzes.setdefault(lesson_id, {"attempts": {}, "best_score": None, "passed": False})
    outcome = _grade(state, lesson["quiz"], activity, fold.now)
    if outcome != GRADED:
        return outcome
    fold.quizzes_changed = True
    fold.earned.append((_quiz_graded, lesson_id, activity["activity_id"]))
    if state["passed"]:
        fold.mark_done(lesson_id)
    return APPLIED


FOLDERS = {"lesson_opened": _fold_opened, "lesson_completed": _fold_completed,
           "video_progress": _fold_video, "quiz_submitted": _fold_quiz}


def apply_activities(enrollment, course, activities, now, received_at=None):
    """Fold a batch of activities into the enrollment's progress.

    Lessons and courses are completed at the server's receive time (``received_at``, else
    ``now``), never at a time the client chose: completions, certificates and reports follow.

    Returns ``(changes, announcements, outcomes)``: the fields to ``$set`` on the enrollment
    (one write), the events to announce (``Announcement``) and ``{activity_id: outcome}``.
    Idempotent: applying the same activities again yields no change and no announcement.
    """
    if enrollment.get("cancelled_at") is not None:
        return {}, [], {a["activity_id"]: IGNORED_CANCELLED for a in activities}
    fold, lessons, outcomes = _Fold(enrollment, now, received_at or now), lessons_by_id(course), {}
    for activity in sorted(activities, key=lambda a: (a["occurred_at"], a["activity_id"])):
        lesson = lessons.get(activity["lesson_id"])
        outcomes[activity["activity_id"]] = (activity_problem(lesson, activity["kind"])
                                             or FOLDERS[activity["kind"]](fold, activity, lesson))
    changes = fold.changes(enrollment)
    changes.update(activity_span(enrollment, [a["occurred_at"] for a in activities
                                              if outcomes[a["activity_id"]] == APPLIED]))
    if enrollment.get("completed_at") is None and completion_met(
            course["completion_rule"], fold.lessons_done, fold.quizzes):
        changes["completed_at"] = max(fold.lessons_done.values()) if fold.lessons_done else now
        changes["status"] = "completed"
        fold.earned.append((_course_completed,))
    return changes, announcements(dict(enrollment, **changes), fold.earned), outcomes


def activity_span(enrollment, applied_times):
    """The first/last activity times and the started status the applied activities change."""
    if not applied_times:
        return {}
    changes, first, last = {}, min(applied_times), max(applied_times)
    if enrollment.get("first_activity_at") is None or first < enrollment["first_activity_at"]:
        changes["first_activity_at"] = first
    if enrollment.get("last_activity_at") is None or last > enrollment["last_activity_at"]:
        changes["last_activity_at"] = last
    if enrollment.get("status", "not_started") == "not_started":
        changes["status"] = "in_progress"
    return changes


# ---- announcements: one builder per event, over the enrollment as the batch leaves it ---
def announcements(enrollment, earned):
    """The ``Announcement`` of each ``(builder, *ids)`` a fold earned, in order."""
    context = enrollment_context(dict(enrollment, enrollment_id=enrollment["_id"]))
    return [builder(enrollment, context, *ids) for builder, *ids in earned]


def _course_completed(enrollment, context):
    return announcement(COURSE_COMPLETED, dict(context, completed_at=enrollment["completed_at"]),
                        enrollment["_id"])


def _lesson_completed(enrollment, context, lesson_id):
    return announcement(LESSON_COMPLETED, dict(context, lesson_id=lesson_id,
                                               completed_at=enrollment["lessons_done"][lesson_id]),
                        enrollment["_id"], lesson_id)


def _quiz_graded(enrollment, context, lesson_id, attempt_id):
    attempt = enrollment["quizzes"][lesson_id]["attempts"][attempt_id]
    return announcement(QUIZ_GRADED, dict(context, lesson_id=lesson_id, attempt=attempt["number"],
                                          score=attempt["score"], passed=attempt["passed"],
                                          graded_at=attempt["graded_at"]),
                        enrollment["_id"], attempt_id)  # the attempt id is unique in the enrollment


def _lesson_opened(enrollment, context, lesson_id, day):
    return announcement(LESSON_OPENED, dict(context, lesson_id=lesson_id, day=dt.date.fromisoformat(day),
                                            opened_at=opened_at(enrollment, lesson_id, day)),
                        enrollment["_id"], lesson_id, day)


def _video_progressed(enrollment, context, lesson_id, milestone):
    reached = enrollment["video_milestones"][lesson_id][milestone]
    return announcement(VIDEO_PROGRESSED, dict(context, lesson_id=lesson_id, milestone=int(milestone),
                                               percent=reached["percent"], progressed_at=reached["at"],
                                               duration_seconds=reached.get("duration_seconds")),
                        enrollment["_id"], lesson_id, milestone)


def learner_active(enrollment, day):
    """LEARNER_ACTIVE of the enrollment's learner on ``day`` (a date; once per learner and day)."""
    learner_id = enrollment["learner_id"]
    return announcement(LEARNER_ACTIVE, {"learner_id": learner_id, "unit_id": enrollment.get("unit_id"),
                                         "category": enrollment.get("category"), "day": day},
                        learner_id, day.isoformat())


def _grade(state, quiz, activity, now):
    """Score one attempt into ``state`` (mutated); a known attempt id is a no-op."""
    attempt_id = activity["activity_id"]
    if attempt_id in state["attempts"]:
        return APPLIED  # the same attempt re-sent or redelivered: counted once, no new event
    left = attempts_left(quiz, len(state["attempts"]))
    if left is not None and left <= 0:
        return REFUSED_NO_ATTEMPTS_LEFT
    score = score_quiz(quiz, activity.get("answers"))
    passed = score >= float(quiz["pass_mark"])
    state["attempts"][attempt_id] = {"number": len(state["attempts"]) + 1, "score": score,
                                     "passed": passed, "submitted_at": activity["occurred_at"],
                                     "graded_at": now}
    if state["best_score"] is None or score > state["best_score"]:
        state["best_score"] = score
    state["passed"] = state["passed"] or passed
    return GRADED


def completion_met(rule, lessons_done, quizzes=None):
    quizzes = quizzes or {}
    if not all(lesson_id in lessons_done for lesson_id in rule["required_lesson_ids"]):
        return False
    required_quizzes = rule.get("required_quiz_ids") or []
    if not all(quizzes.get(q, {}).get("passed") for q in required_quizzes):
        return False
    minimum = rule.get("min_average_quiz_score")
    if minimum is not None and required_quizzes:
        average = sum(quizzes[q]["best_score"] or 0.0 for q in required_quizzes) / len(required_quizzes)
        return average >= minimum
    return True


def percent_complete(course, lessons_done):
    lessons = course["lessons"]
    if not lessons:
        return 0.0
    return round(100.0 * sum(1 for l in lessons if l["lesson_id"] in lessons_done) / len(lessons), 1)


def opened_at(enrollment, lesson_id, day):
    """When a lesson was first opened on ``day`` (ISO), for its LESSON_OPENED event. Only the
    latest day's time is kept: an event of an earlier day still unpublished (a crash before
    the flush, then a newer day) is dated at the start of its day."""
    latest = enrollment.get("opened_days", {}).get(lesson_id) or {}
    if latest.get("day") == day:
        return latest["at"]
    return day_start(day)


def enrollment_context(enrollment):
    """The attributes every progress event carries, so reports need nothing else."""
    return {k: enrollment.get(k) for k in (
        "enrollment_id", "course_id", "course_owner_tenant_id", "intake_id", "learner_id",
        "unit_id", "category")}


def lesson_detail(course, enrollment):
    """The learner's view of each lesson of the course (current revision)."""
    rows = []
    for lesson in course["lessons"]:
        lesson_id = lesson["lesson_id"]
        row = {"lesson_id": lesson_id, "title": lesson.get("title"), "kind": lesson["kind"],
               "required": lesson["required"], "done": lesson_id in enrollment.get("lessons_done", {}),
               "done_at": enrollment.get("lessons_done", {}).get(lesson_id),
               "opened_at": enrollment.get("opened", {}).get(lesson_id)}
        if lesson["kind"] == "video":
            row["video_percent"] = enrollment.get("videos", {}).get(lesson_id, 0.0)
        if lesson.get("quiz"):
            state = enrollment.get("quizzes", {}).get(lesson_id, {})
            used = len(state.get("attempts", {}))
            row["quiz"] = {"attempts_used": used, "max_attempts": lesson["quiz"].get("max_attempts"),
                           "attempts_left": attempts_left(lesson["quiz"], used),
                           "best_score": state.get("best_score"), "passed": state.get("passed", False),
                           "pass_mark": lesson["quiz"]["pass_mark"],
                           # Each graded attempt by its activity id: the web player shows the
                           # server's score of the attempt it sent (never computed client-side).
                           "attempts": sorted(({"attempt_id": attempt_id, "number": a["number"],
                                                "score": a["score"], "passed": a["passed"]}
                                               for attempt_id, a in state.get("attempts", {}).items()),
                                              key=lambda a: a["number"])}
        rows.append(row)
    return rows


def staff_scope(actor, course):
    """The enrollments of ``course`` that ``actor`` may see, as an equality filter.

    The operator sees every tenant's learners; a tenant's admins and instructors see only their
    own tenant's learners, in their own courses and in national courses. Any other course is
    reported as not found (it exists for them only if they may know it).
    """
    if roles.is_operator(actor):
        return {"course_id": course["_id"]}
    roles.require_role(actor, roles.TENANT_AUTHORS, "Your role does not allow viewing learners' progress.")
    if course.get("owner_tenant_id") not in (None, actor.get("tenant_id")):
        raise NotFound("Course not found.")
    return {"course_tenant": f"{course['_id']}:{actor['tenant_id']}"}


def learner_row(course, enrollment):
    return {"enrollment_id": enrollment["_id"], "learner_id": enrollment["learner_id"],
            "tenant_id": enrollment["tenant_id"], "unit_id": enrollment.get("unit_id"),
            "intake_id": enrollment.get("intake_id"), "category": enrollment.get("category"),
            "status": enrollment.get("status", "not_started"),
            "percent_complete": percent_complete(course, enrollment.get("lessons_done", {})),
            "lessons_done": len(enrollment.get("lessons_done", {})),
            "first_activity_at": enrollment.get("first_activity_at"),
            "last_activity_at": enrollment.get("last_activity_at"),
            "completed_at": enrollment.get("completed_at"),
            "cancelled": enrollment.get("cancelled_at") is not None}


def accepted_kinds(lesson):
    """Activity kinds that apply to a lesson (the gateway validates with this list)."""
    return [kind for kind in ACTIVITY_KINDS if activity_problem(lesson, kind) is None]
