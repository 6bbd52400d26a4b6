#!/usr/bin/env python3
"""Time of assigning a 40,000-learner unit subtree to a course (a background job).

Starts its own platform (fresh vhost and databases, like the tests), feeds the courses
service's learner replica with USERS_IMPORTED events (batches of 1,000), then times
POST /courses/{id}/assignments {unit_id} -> 202 until the job reports "succeeded". Every
service runs (progress, reports, integrations and notifications consume the enrollment events
meanwhile, as in production); the job starts once every queue is drained (what the import
left for the other consumers is not charged to it), and the machine's load average and each
process's CPU during the job are printed beside the time, since on a shared machine they move
the result more than anything in the job. Target: under 60 s for 40,000 learners (issue 15).

    .venv/bin/python bench/courses_assign.py [--learners 40000]
"""
import argparse
import os
import shutil
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "scripts"), str(ROOT / "bench")]

import eventlet  # noqa: E402

eventlet.monkey_patch()

import cpu_budget  # noqa: E402
import queues  # noqa: E402
from api_client import ApiClient  # noqa: E402
from platformctl import read_env_file  # noqa: E402
from isolated_env import isolated_env, started_platform  # noqa: E402
from tests.e2e.courses_fixtures import (TenantKit, courses_db, import_unit_learners,  # noqa: E402
                                        published_course)
from tests.polling import eventually  # noqa: E402


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--learners", type=int, default=40_000)
    args = parser.parse_args()
    infra = read_env_file(ROOT / "var" / "infra.env")
    census = ROOT / "var" / "bench" / "store-census-assign"
    shutil.rmtree(census, ignore_errors=True)
    with isolated_env(infra, "bench", STORE_CENSUS_DIR=str(census)) as env, \
            started_platform(env, ROOT / "var" / "log" / "bench") as platform:
        operator = ApiClient(platform.base_url, timeout=60).signed_in(
            env["OPERATOR_USERNAME"], env["OPERATOR_PASSWORD"])
        kit = TenantKit(operator, platform)
        started = time.monotonic()
        root, unit, _ = import_unit_learners(platform, kit.tenant_id, args.learners)
        learners = courses_db(platform)["learners"]
        eventually(lambda: learners.count_documents({"unit_id": unit}) == args.learners,
                   timeout=600, interval=1)
        print(f"replica of {args.learners} learners fed by events: {time.monotonic() - started:.1f} s")
        course = published_course(kit.admin)
        queues.wait_drained(platform.env)
        load_before = os.getloadavg()[0]
        waited = cpu_budget.wait_machine_quiet()
        budget = cpu_budget.Budget(platform)
        before = budget.snapshot()
        started = time.monotonic()
        job = kit.admin.post(f"/api/v1/courses/{course['course_id']}/assignments", {"unit_id": root},
                             expect=(202,))
        accepted = time.monotonic() - started
        job = eventually(lambda: _done(kit.admin, job["job_id"]), timeout=1200, interval=0.5)
        elapsed = time.monotonic() - started
        print(f"POST -> 202: {accepted * 1000:.0f} ms")
        print(f"assignment of {job['total']} learners: {elapsed:.1f} s "
              f"({job['total'] / elapsed:.0f} enrollments/s), result {job['result']}")
        print(f"load average (1 min) before/after: {load_before:.1f}/{os.getloadavg()[0]:.1f} "
              f"(then {waited:.0f} s until the machine was quiet: under 0.5 cores busy for 5 s)")
        print_work(budget, before)


def print_work(budget, before):
    """Each process's CPU and the most frequent store commands since ``before``: what ran
    beside the job (the other consumers of the enrollment events, the mails)."""
    time.sleep(cpu_budget.CENSUS_FLUSH_SECONDS)
    work = cpu_budget.delta(before, budget.snapshot())
    print("CPU seconds during the job: " + ", ".join(
        f"{name} {seconds:.1f}" for name, seconds in sorted(work["cpu"].items(), key=lambda item: -item[1])
        if seconds >= 0.1))
    print("store commands during the job (top 12): " + ", ".join(
        f"{key} {count}" for key, count in work["commands"].most_common(12)))


def _done(client, job_id):
    try:
        job = client.get(f"/api/v1/assignment-jobs/{job_id}")
    except Exception:
        return None
    return job if job["state"] in ("succeeded", "failed") else None


if __name__ == "__main__":
    main()
