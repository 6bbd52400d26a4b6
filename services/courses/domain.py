"""Courses domain rules: pure functions over plain dicts (no I/O)."""
import uuid

from mooc_common.contracts import roles
from mooc_common.contracts.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from mooc_common.contracts.tenancy import NATIONAL  # noqa: F401 (service.py reads domain.NATIONAL)

EDITABLE = ("draft", "published")


def new_id():
    return uuid.uuid4().hex


def owner_key(owner_tenant_id):
    """An indexable, never-null key of the owner (equality on null is not pushed down)."""
    return owner_tenant_id or NATIONAL


def course_owner_for(actor, national):
    """The owner tenant of a course the actor creates (None: a national course)."""
    if national:
        roles.require_role(actor, (roles.OPERATOR_ADMIN,), "Only the operator creates national courses.")
        return None
    roles.require_role(actor, roles.TENANT_AUTHORS, "Only instructors and administrators author courses.")
    return actor["tenant_id"]


def is_editor(actor, course):
    owner = course.get("owner_tenant_id")
    if owner is None:
        return roles.is_operator(actor)
    return actor.get("tenant_id") == owner and roles.role_of(actor) in roles.TENANT_AUTHORS


def require_editor(actor, course):
    """Editors are the owner's instructors and admins (the operator for national courses)."""
    if is_editor(actor, course):
        return
    if not roles.is_operator(actor) and not visible_to(course, actor.get("tenant_id")):
        raise NotFound("Course not found.")
    raise PermissionDenied("You may not edit this course.")


def visible_to(course, tenant_id):
    """Private courses: only the owner tenant. National courses: all, or the listed tenants."""
    if course.get("owner_tenant_id") is not None:
        return course["owner_tenant_id"] == tenant_id
    audience = course.get("audience_tenant_ids")
    return not audience or tenant_id in audience


def require_readable(actor, course):
    """Editors see drafts; others see published or archived courses visible to their tenant."""
    if is_editor(actor, course) or roles.is_operator(actor):
        return
    if course.get("status") == "draft" or not visible_to(course, actor.get("tenant_id")):
        raise NotFound("Course not found.")


def require_document_reader(actor, course, document, enrollment):
    """Who may read a lesson's document: the course's editors and the operator, or a learner
    with an active enrollment in the course when a lesson of the course shows that document.
    Anything else answers 404, as if the document did not exist (no probing of ids)."""
    require_readable(actor, course)
    if document is None or document.get("course_id") != course["_id"] or document.get("state") != "ready":
        raise NotFound("Document not found.")
    if is_editor(actor, course) or roles.is_operator(actor):
        return
    shown = document["_id"] in document_ids(course.get("sections") or [])
    enrolled = (enrollment is not None and enrollment.get("learner_id") == actor.get("user_id")
                and enrollment.get("status") == "active")
    if not (shown and enrolled):
        raise NotFound("Document not found.")


def require_editable(course):
    if course.get("status") not in EDITABLE:
        raise Conflict(f"An {course.get('status')} course cannot be edited.",
                       {"status": [course.get("status")]})


def require_published(course):
    if course.get("status") != "published":
        raise Conflict("The course is not open for enrollment (not published).",
                       {"status": [course.get("status")]})


def check_audience(owner_tenant_id, audience):
    if audience and owner_tenant_id is not None:
        raise ValidationFailed("Only national courses have an audience list.",
                               {"audience_tenant_ids": ["only for national courses"]})


# -- structure -------------------------------------------------------------------------------

def assign_ids(sections, previous=None):
    """Give new sections, lessons, questions and options ids; keep the ids the client sent.

    A client-sent lesson id must be one of the course's current lessons (editing a published
    course keeps lesson ids so that learners keep their progress)."""
    known = {l["lesson_id"] for l in lessons_of(previous)} if previous else set()
    seen, errors = set(), {}
    for s_index, section in enumerate(sections):
        section["section_id"] = section.get("section_id") or new_id()
        for l_index, lesson in enumerate(section["lessons"]):
            problem = _lesson_id_problem(lesson.get("lesson_id"), known, seen)
            if problem:
                errors[f"sections.{s_index}.lessons.{l_index}.lesson_id"] = [problem]
            lesson["lesson_id"] = lesson.get("lesson_id") or new_id()
            seen.add(lesson["lesson_id"])
            lesson["section_id"] = section["section_id"]
            _assign_quiz_ids(lesson.get("quiz"))
    if errors:
        raise ValidationFailed("The course structure is invalid.", errors)
    return sections


def _lesson_id_problem(lesson_id, known, seen):
    if lesson_id and lesson_id not in known:
        return "unknown lesson id (omit it for a new lesson)"
    if lesson_id in seen:
        return "lesson id used twice"
    return None


def _assign_quiz_ids(quiz):
    for question in (quiz or {}).get("questions", []):
        question["question_id"] = question.get("question_id") or new_id()
        for option in question["options"]:
            option["option_id"] = option.get("option_id") or new_id()


def lessons_of(course):
    return [lesson for section in course.get("sections", []) for lesson in section["lessons"]]


def document_ids(sections):
    return {l["document_id"] for s in sections for l in s["lessons"] if l["kind"] == "document"}


def completion_rule(sections, min_average_quiz_score=None):
    lessons = [l for s in sections for l in s["lessons"]]
    return {"required_lesson_ids": [l["lesson_id"] for l in lessons if l["required"]],
            "required_quiz_ids": [l["lesson_id"] for l in lessons if l["required"] and l["kind"] == "quiz"],
            "min_average_quiz_score": min_average_quiz_score}


def quiz_spec(quiz):
    """The quiz with its answer key, as the internal COURSE_PUBLISHED event carries it."""
    return {"pass_mark": quiz["pass_mark"], "max_attempts": quiz.get("max_attempts"), "questions": [
        {"question_id": q["question_id"], "kind": q["kind"], "points": q.get("points", 1.0),
         "option_ids": [o["option_id"] for o in q["options"]],
         "correct_option_ids": [o["option_id"] for o in q["options"] if o["correct"]]}
        for q in quiz["questions"]]}


def published_payload(course):
    lessons = []
    for lesson in lessons_of(course):
        lessons.append({"lesson_id": lesson["lesson_id"], "kind": lesson["kind"],
                        "required": lesson["required"], "title": lesson["title"],
                        "section_id": lesson["section_id"],
                        "duration_seconds": lesson.get("duration_seconds"),
                        "quiz": quiz_spec(lesson["quiz"]) if lesson["kind"] == "quiz" else None})
    return {"course_id": course["_id"], "owner_tenant_id": course["owner_tenant_id"],
            "code": course["code"], "title": course["title"], "revision": course["revision"],
            "lessons": lessons, "completion_rule": course["completion_rule"],
            "topic": course.get("topic"), "target_categories": course.get("target_categories", []),
            "audience_tenant_ids": course.get("audience_tenant_ids"),
            "estimated_hours": course.get("estimated_hours")}


def summary_payload(course):
    return {k: course[k] for k in ("owner_tenant_id", "code", "title", "revision", "status")} | {
        "course_id": course["_id"]}


def without_answer_keys(course):
    """The learner's view of a course: quiz options without the answer key."""
    view = dict(course, sections=[])
    for section in course.get("sections", []):
        lessons = []
        for lesson in section["lessons"]:
            if lesson["kind"] == "quiz":
                quiz = lesson["quiz"]
                lesson = dict(lesson, quiz={
                    "pass_mark": quiz["pass_mark"], "max_attempts": quiz.get("max_attempts"),
                    "questions": [{"question_id": q["question_id"], "text": q["text"], "kind": q["kind"],
                                   "points": q.get("points", 1.0),
                                   "options": [{"option_id": o["option_id"], "text": o["text"]}
                                               for o in q["options"]]}
                                  for q in quiz["questions"]]})
            lessons.append(lesson)
        view["sections"].append(dict(section, lessons=lessons))
    return view


# -- intakes and enrollment --------------------------------------------------------------------

def _window(intake):
    return f"{intake['enroll_from'].isoformat()} – {intake['enroll_until'].isoformat()}"


def choose_intake(intakes, intake_id, now):
    """The intake an enrollment goes into; None when the course runs without intakes.

    Refuses (409 conflict) an enrollment outside the chosen intake's window, saying the window."""
    if intake_id is None and not intakes:
        return None
    if intake_id is not None:
        intake = next((i for i in intakes if i["_id"] == intake_id), None)
        if intake is None:
            raise NotFound("Intake not found.")
        if not intake["enroll_from"] <= now <= intake["enroll_until"]:
            raise Conflict(f"Enrollment in intake '{intake['name']}' is open only from "
                           f"{_window(intake)} (UTC).", {"intake_id": [f"enrollment window {_window(intake)}"]})
        return intake
    open_now = sorted((i for i in intakes if i["enroll_from"] <= now <= i["enroll_until"]),
                      key=lambda i: i["enroll_until"])
    if not open_now:
        windows = "; ".join(f"'{i['name']}': {_window(i)}" for i in intakes)
        raise Conflict(f"No intake of this course is open for enrollment now. Windows: {windows} (UTC).",
                       {"intake_id": [f"enrollment window {_window(i)}" for i in intakes]})
    return open_now[0]


def require_may_enroll(actor, learner, course):
    """Admins enroll their own tenant's learners; a learner may enroll only themself."""
    if roles.role_of(actor) == roles.LEARNER and actor.get("user_id") != learner["user_id"]:
        raise PermissionDenied("Learners enroll only themselves.")
    roles.require_role(actor, roles.ENROLLERS, "You may not enroll learners.")
    roles.require_same_tenant(actor, learner.get("tenant_id"), "Learner not found.")
    if not visible_to(course, learner["tenant_id"]):
        raise NotFound("Course not found.")


def require_assigner(actor, course):
    """Tenant admins assign their learners to courses visible to their tenant; the operator any."""
    if not roles.is_operator(actor) and not visible_to(course, actor.get("tenant_id")):
        raise NotFound("Course not found.")
    roles.require_role(actor, roles.ADMINS, "Only administrators assign learners.")


def enrollable(learner):
    """Learners (active or awaiting activation) can be enrolled; deactivated ones cannot."""
    return learner.get("role") == roles.LEARNER and learner.get("status") != "inactive"


def require_may_cancel(actor, enrollment):
    if roles.is_operator(actor):
        return
    roles.require_same_tenant(actor, enrollment["tenant_id"], "Enrollment not found.")
    if roles.role_of(actor) == roles.LEARNER and enrollment["learner_id"] != actor.get("user_id"):
        raise NotFound("Enrollment not found.")
    roles.require_role(actor, (roles.LEARNER, roles.TENANT_ADMIN), "You may not cancel enrollments.")


def enrollment_scope(actor, course):
    """Whose enrollments in ``course`` the actor may list: a tenant id, or None for all."""
    if roles.is_operator(actor):
        return None
    if roles.role_of(actor) not in roles.STAFF or not visible_to(course, actor.get("tenant_id")):
        raise NotFound("Course not found.")
    return actor["tenant_id"]


def require_owned_list_reader(actor):
    """The list of a tenant's own courses is its authors' (and the operator's national ones);
    for any other role there is no such list (404)."""
    if roles.role_of(actor) not in roles.STAFF:
        raise NotFound("No such course list.")


def in_catalog(actor, course):
    """A published course the actor may join: the operator sees every one."""
    return roles.is_operator(actor) or visible_to(course, actor.get("tenant_id"))


def require_job_reader(actor, job):
    """An assignment job: its tenant's admins and the operator; another tenant's is 404."""
    if job is None:
        raise NotFound("Job not found.")
    roles.require_same_tenant(actor, job["tenant_id"], "Job not found.")
    roles.require_role(actor, roles.ADMINS, "Only administrators follow assignment jobs.")


def in_subtree(unit, root_id):
    return root_id in (unit.get("path") or [])


def newer(stored, occurred_at):
    """Replica updates apply in event time order, whatever the arrival order."""
    return stored is None or stored.get("as_of") is None or stored["as_of"] <= occurred_at
