"""Progress domain rules: pure functions over plain dicts."""


def completion_met(rule, lessons_done):
    """All required lessons done (quiz scores join the rule with the quiz engine)."""
    return all(lesson_id in lessons_done for lesson_id in rule["required_lesson_ids"])


def percent_complete(course, lessons_done):
    lessons = course["lessons"]
    if not lessons:
        return 0.0
    return round(100.0 * sum(1 for l in lessons if l["lesson_id"] in lessons_done) / len(lessons), 1)


def enrollment_context(enrollment):
    """The attributes every progress event carries, so reports need nothing else."""
    return {k: enrollment.get(k) for k in (
        "enrollment_id", "course_id", "course_owner_tenant_id", "intake_id", "learner_id",
        "unit_id", "category")}
