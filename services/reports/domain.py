"""Report arithmetic: pure functions."""


def completion_rate(completions, enrollments):
    return round(completions / enrollments, 4) if enrollments else 0.0


def tenant_summary(tenant, counts, as_of):
    return {
        "tenant_id": tenant["_id"], "code": tenant.get("code"), "name": tenant.get("name"),
        "kind": tenant.get("kind"), "learner_quota": tenant.get("learner_quota"),
        "learners": counts["learners"], "enrollments": counts["enrollments"],
        "completions": counts["completions"],
        "completion_rate": completion_rate(counts["completions"], counts["enrollments"]),
        "as_of": as_of,
    }
