"""End to end: learners' courses completed through the API, until the report counts them.

Each learner sends its whole course as one batch of ``lesson_completed`` activities, paced
at the offered rate; the events that follow (progress's ``lesson.completed`` per lesson and
``course.completed``) flow through every consumer to the reports' read model, polled through
the API (the national report: one call covers any number of tenants) until it counts each
learner's completion. Every queue of the platform is drained before the scenario starts,
and again before its work is counted (CPU per event, broker deliveries, store commands:
bench/cpu_budget.py).
"""
import time

import cpu_budget
import percentiles
import queues
import seeding
from load import paced_completions

NATIONAL_REPORT = f"{seeding.API}/reports/national"


def completions_of(operator, tenant_ids):
    """A callable: the completions the national report counts for ``tenant_ids``."""
    wanted = set(tenant_ids)

    def completions():
        report = operator.get(NATIONAL_REPORT)
        return sum(row["completions"] or 0 for row in report["tenants"] if row["tenant_id"] in wanted)
    return completions


def run(platform, learners, tenant_ids, activities_per_s, timeout=120):
    """Rate and report lag of ``learners`` (as seeding gives them) completing their course."""
    queues.wait_drained(platform.env)
    budget = cpu_budget.Budget(platform)
    idle_from = budget.snapshot()
    time.sleep(cpu_budget.IDLE_SECONDS)  # the platform's background CPU, drained
    before = budget.snapshot()
    lessons = len(learners[0]["lessons"])
    sampler = queues.BacklogSampler(platform.env)
    sampler.start()
    try:
        outcome = paced_completions(platform.base_url, learners, activities_per_s / lessons,
                                    completions_of(seeding.operator_client(platform), tenant_ids), timeout)
    finally:
        sampler.stopped.set()
    per_learner = lessons * 2 + 1  # activities + lesson.completed + course.completed
    events = outcome["visible"] * per_learner
    queues.wait_drained(platform.env)
    time.sleep(cpu_budget.CENSUS_FLUSH_SECONDS)  # the processes' last census counts are written
    spent = budget.between(before, budget.snapshot(), events, idle_from) if events else None
    return {"tenants": len(set(tenant_ids)), "learners": len(learners), "lessons_per_learner": lessons,
            "target_activities_per_s": activities_per_s, "complete": outcome["complete"],
            "visible": outcome["visible"], "events": events, "sent_seconds": round(outcome["sent_seconds"], 1),
            "sent_activities_per_s": round(len(learners) * lessons / outcome["sent_seconds"], 1),
            "events_per_s": round(events / outcome["last_visible"], 1) if outcome["last_visible"] else None,
            "seconds": round(outcome["last_visible"], 1) if outcome["last_visible"] else None,
            "lag_p50_s": percentiles.rounded(outcome["lags"], 50),
            "lag_p99_s": percentiles.rounded(outcome["lags"], 99),
            "peak_queue_backlogs": sampler.top(), "budget": spent}
