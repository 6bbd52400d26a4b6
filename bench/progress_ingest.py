#!/usr/bin/env python3
"""Activity ingestion: accepted activities per second (single and batch requests, concurrent
clients on loopback) and time from 202 to visible progress (p50/p99).

    .venv/bin/python bench/progress_ingest.py [--clients 8] [--seconds 10] [--batch 100] [--samples 100]

Starts its own platform (as `make test` does: own vhost, database prefix and ports) on the
broker and store of var/infra.env (`make infra` first), and removes it afterwards. Bounded:
every phase stops after --seconds.
"""
import argparse
import concurrent.futures
import statistics
import sys
import time
from pathlib import Path

import eventlet

eventlet.monkey_patch()  # the event helpers below use nameko's standalone dispatcher

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "scripts")]

from isolated_env import isolated_env, started_platform  # noqa: E402
from platformctl import read_env_file  # noqa: E402
from api_client import ApiClient  # noqa: E402
from tests.e2e.progress_fixtures import Events, activity, make_tenant  # noqa: E402


def run_phase(clients, seconds, send):
    """``clients`` threads call ``send()`` (returns activities accepted) until time is up."""
    deadline = time.monotonic() + seconds

    def worker(index):
        accepted = 0
        while time.monotonic() < deadline:
            accepted += send(index)
        return accepted

    start = time.monotonic()
    with concurrent.futures.ThreadPoolExecutor(clients) as pool:
        total = sum(pool.map(worker, range(clients)))
    return total / (time.monotonic() - start)


def percentile(values, p):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--seconds", type=float, default=10)
    parser.add_argument("--batch", type=int, default=100)
    parser.add_argument("--samples", type=int, default=100)
    args = parser.parse_args()
    infra = read_env_file(ROOT / "var" / "infra.env")
    with isolated_env(infra, "bench") as env, started_platform(env, ROOT / "var" / "log" / "bench") as platform:
        measure(platform, args)


def enrolled_course(platform, operator, samples):
    """A tenant of 3 learners enrolled (and visible to progress) in a course with ``samples``
    optional document lessons; (tenant kit, course id)."""
    events = Events(platform.env["AMQP_URI"])
    org = make_tenant(operator, platform, "Bench", learners=3)
    tenant_id = org["tenant"]["tenant_id"]
    lessons = [{"lesson_id": f"d{i}", "kind": "document", "required": False, "title": f"Bài {i}"}
               for i in range(samples)]
    course_id = events.course(tenant_id, extra_lessons=lessons)
    for learner in org["learners"]:
        events.enroll(course_id, tenant_id, learner)
    for learner in org["learners"]:
        while True:
            try:
                learner["client"].get(f"/api/v1/me/courses/{course_id}/progress")
                break
            except Exception:
                time.sleep(0.2)
    return org, course_id


def measure(platform, args):
    operator = ApiClient(platform.base_url).signed_in(platform.env["OPERATOR_USERNAME"],
                                                      platform.env["OPERATOR_PASSWORD"])
    org, course_id = enrolled_course(platform, operator, args.samples)
    tokens = [learner["client"].session.headers["Authorization"] for learner in org["learners"]]
    # One HTTP session per client thread (keep-alive), learners spread over the clients.
    sessions = [ApiClient(platform.base_url) for _ in range(args.clients)]
    for index, session in enumerate(sessions):
        session.session.headers["Authorization"] = tokens[index % len(tokens)]

    def single(index):
        sessions[index].post("/api/v1/activities", activity(course_id, "video1", "lesson_opened"))
        return 1

    def batch(index):
        sessions[index].post("/api/v1/activities/batch", {"activities": [
            activity(course_id, "video1", "video_progress", percent=10) for _ in range(args.batch)]})
        return args.batch

    print(f"clients={args.clients} seconds={args.seconds} batch={args.batch}")
    print(f"single: {run_phase(args.clients, args.seconds, single):8.0f} activities/s accepted (202)")
    print(f"batch:  {run_phase(args.clients, args.seconds, batch):8.0f} activities/s accepted (202)")
    visible_latency(org["learners"][0]["client"], course_id, args.samples)


def visible_latency(client, course_id, samples):
    """Wait until the backlog is applied (a marker sent last becomes visible), then measure
    latency: one learner, one request at a time, on an idle queue."""
    drain_start = time.monotonic()
    client.post("/api/v1/activities", activity(course_id, "doc1"))
    while "doc1" not in client.get(f"/api/v1/me/courses/{course_id}/progress")["lessons_done"]:
        if time.monotonic() - drain_start > 300:
            raise SystemExit("backlog not applied within 300 s")
        time.sleep(0.2)
    print(f"backlog applied {time.monotonic() - drain_start:.1f} s after the last 202")
    latencies = []
    for i in range(samples):
        client.post("/api/v1/activities", activity(course_id, f"d{i}"))
        accepted = time.monotonic()
        while f"d{i}" not in client.get(f"/api/v1/me/courses/{course_id}/progress")["lessons_done"]:
            if time.monotonic() - accepted > 30:
                raise SystemExit(f"activity d{i} not visible after 30 s")
            time.sleep(0.005)
        latencies.append((time.monotonic() - accepted) * 1000)
    print(f"202 -> visible progress over {len(latencies)} samples: p50 {statistics.median(latencies):.0f} ms, "
          f"p99 {percentile(latencies, 99):.0f} ms (includes the polling GET, ~5 ms granularity)")


if __name__ == "__main__":
    main()
