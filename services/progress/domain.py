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

from mooc_common.contracts.activities import ACTIVITY_KINDS
from mooc_common.contracts.errors import NotFound, PermissionDenied
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


def apply_activities(enrollment, course, activities, now, received_at=None):
    """Fold a batch of activities into the enrollment's progress.

    Lessons and courses are completed at the server's receive time (``received_at``, else
    ``now``), never at a time the client chose: completions, certificates and reports follow.

    Returns ``(changes, outbox, outcomes)``: the fields to ``$set`` on the enrollment (one
    write), the outbox keys to announce, and ``{activity_id: outcome}``. Idempotent: applying
    the same activities again yields no change and no new outbox entry.
    """
    outcomes, outbox, changes = {}, [], {}
    received_at = received_at or now
    if enrollment.get("cancelled_at") is not None:
        return changes, outbox, {a["activity_id"]: IGNORED_CANCELLED for a in activities}
    lessons = lessons_by_id(course)
    done = dict(enrollment.get("lessons_done", {}))
    videos = dict(enrollment.get("videos", {}))
    opened = dict(enrollment.get("opened", {}))
    opened_days = dict(enrollment.get("opened_days", {}))
    milestones = {k: dict(v) for k, v in enrollment.get("video_milestones", {}).items()}
    quizzes = {k: {"attempts": dict(v.get("attempts", {})), "best_score": v.get("best_score"),
                   "passed": v.get("passed", False)}
               for k, v in enrollment.get("quizzes", {}).items()}

    quizzes_changed = False

    def mark_done(lesson_id, at):
        if lesson_id not in done:  # first completion wins: its event is already announced
            outbox.append(f"lesson:{lesson_id}")
            done[lesson_id] = at

    for activity in sorted(activities, key=lambda a: (a["occurred_at"], a["activity_id"])):
        lesson_id, kind, at = activity["lesson_id"], activity["kind"], activity["occurred_at"]
        lesson = lessons.get(lesson_id)
        problem = activity_problem(lesson, kind)
        if problem:
            outcomes[activity["activity_id"]] = problem
            continue
        outcomes[activity["activity_id"]] = "applied"
        if kind == "lesson_opened":
            opened.setdefault(lesson_id, at)
            day = vietnam_day(at).isoformat()
            # Activities are folded in time order: a later day replaces an earlier one, and
            # the first opening of a day is the one announced (LESSON_OPENED).
            if day > opened_days.get(lesson_id, {}).get("day", ""):
                opened_days[lesson_id] = {"day": day, "at": at}
                outbox.append(f"opened:{lesson_id}:{day}")
        elif kind == "lesson_completed":
            mark_done(lesson_id, received_at)
        elif kind == "video_progress":
            before = videos.get(lesson_id, 0.0)
            videos[lesson_id] = max(before, float(activity["percent"]))
            for milestone in VIDEO_MILESTONES:
                if before < milestone <= videos[lesson_id] and str(milestone) not in milestones.get(lesson_id, {}):
                    milestones.setdefault(lesson_id, {})[str(milestone)] = {
                        "at": at, "percent": videos[lesson_id], "duration_seconds": lesson.get("duration_seconds")}
                    outbox.append(f"video:{lesson_id}:{milestone}")
            if videos[lesson_id] >= VIDEO_DONE_PERCENT:
                mark_done(lesson_id, received_at)
        elif kind == "quiz_submitted":
            outcome = _grade(quizzes.setdefault(lesson_id, {"attempts": {}, "best_score": None,
                                                            "passed": False}),
                             lesson["quiz"], activity, now)
            if outcome == GRADED:
                quizzes_changed = True
                outbox.append(f"quiz:{lesson_id}:{activity['activity_id']}")
                if quizzes[lesson_id]["passed"]:
                    mark_done(lesson_id, received_at)
            outcomes[activity["activity_id"]] = "applied" if outcome == GRADED else outcome

    if done != enrollment.get("lessons_done", {}):
        changes["lessons_done"] = done
    if videos != enrollment.get("videos", {}):
        changes["videos"] = videos
    if opened != enrollment.get("opened", {}):
        changes["opened"] = opened
    if opened_days != enrollment.get("opened_days", {}):
        changes["opened_days"] = opened_days
    if milestones != enrollment.get("video_milestones", {}):
        changes["video_milestones"] = milestones
    if quizzes_changed:
        changes["quizzes"] = quizzes
    applied_times = [a["occurred_at"] for a in activities if outcomes[a["activity_id"]] == "applied"]
    if applied_times:
        first, last = min(applied_times), max(applied_times)
        if enrollment.get("first_activity_at") is None or first < enrollment["first_activity_at"]:
            changes["first_activity_at"] = first
        if enrollment.get("last_activity_at") is None or last > enrollment["last_activity_at"]:
            changes["last_activity_at"] = last
        if enrollment.get("status", "not_started") == "not_started":
            changes["status"] = "in_progress"
    if enrollment.get("completed_at") is None and completion_met(
            course["completion_rule"], done, quizzes):
        changes["completed_at"] = max(done.values()) if done else now
        changes["status"] = "completed"
        outbox.append("course")
    return changes, outbox, outcomes


def _grade(state, quiz, activity, now):
    """Score one attempt into ``state`` (mutated); a known attempt id is a no-op."""
    attempt_id = activity["activity_id"]
    if attempt_id in state["attempts"]:
        return "applied"  # the same attempt re-sent or redelivered: counted once, no new event
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


STAFF_ROLES = ("tenant_admin", "instructor")


def staff_scope(actor, course):
    """The enrollments of ``course`` that ``actor`` may see, as an equality filter.

    The operator sees every tenant's learners; a tenant's admins and instructors see only their
    own tenant's learners, in their own courses and in national courses. Any other course is
    reported as not found (it exists for them only if they may know it).
    """
    role = actor.get("role")
    if role == "operator_admin":
        return {"course_id": course["_id"]}
    if role not in STAFF_ROLES:
        raise PermissionDenied("Your role does not allow viewing learners' progress.")
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
