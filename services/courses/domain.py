"""Courses domain rules: pure functions over plain dicts."""
from mooc_common.contracts.errors import Conflict, NotFound, PermissionDenied

AUTHOR_ROLES = ("tenant_admin", "instructor")


def course_owner_for(actor, national):
    """The owner tenant of a course the actor creates (None: a national course)."""
    if national:
        if actor.get("role") != "operator_admin":
            raise PermissionDenied("Only the operator creates national courses.")
        return None
    if actor.get("role") not in AUTHOR_ROLES:
        raise PermissionDenied("Only instructors and administrators author courses.")
    return actor["tenant_id"]


def require_editor(actor, course):
    """Editors are the owner's instructors and admins (the operator for national courses)."""
    owner = course.get("owner_tenant_id")
    if owner is None:
        allowed = actor.get("role") == "operator_admin"
    else:
        allowed = actor.get("tenant_id") == owner and actor.get("role") in AUTHOR_ROLES
    if not allowed:
        if actor.get("role") != "operator_admin" and actor.get("tenant_id") != owner:
            raise NotFound("Course not found.")
        raise PermissionDenied("You may not edit this course.")


def visible_to(course, tenant_id):
    """Private courses: only the owner tenant. National courses: all, or the listed tenants."""
    if course.get("owner_tenant_id") is not None:
        return course["owner_tenant_id"] == tenant_id
    audience = course.get("audience_tenant_ids")
    return not audience or tenant_id in audience


def completion_rule(lessons):
    return {"required_lesson_ids": [l["lesson_id"] for l in lessons if l["required"]],
            "min_average_quiz_score": None}


def require_published(course):
    if course.get("status") != "published":
        raise Conflict("The course is not published.", {"status": [course.get("status")]})


def require_may_enroll(actor, learner, course):
    """Admins enroll their own tenant's learners; a learner may enroll only themself."""
    role = actor.get("role")
    if role == "learner" and actor.get("user_id") != learner["user_id"]:
        raise PermissionDenied("Learners enroll only themselves.")
    if role not in ("learner", "tenant_admin", "operator_admin"):
        raise PermissionDenied("You may not enroll learners.")
    if role != "operator_admin" and learner.get("tenant_id") != actor.get("tenant_id"):
        raise NotFound("Learner not found.")
    if not visible_to(course, learner["tenant_id"]):
        raise NotFound("Course not found.")
