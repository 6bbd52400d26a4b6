#!/usr/bin/env python3
"""`make bench`: the platform against the machine's limits and a peer, in one run.

Starts the platform as `make run` does (own vhost, databases and ports), seeds synthetic data
through the API, runs each scenario (bounded in time and count, loopback only), prints a
table, writes bench/results/<time>.json and regenerates docs/performance.md from it.
"""
import argparse
import base64
import concurrent.futures
import datetime as dt
import json
import os
import platform as host
import secrets
import statistics
import subprocess
import sys
import time
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT / "scripts"), str(ROOT / "bench")]

import limits  # noqa: E402
import load  # noqa: E402
import peer_ralph  # noqa: E402
from api_client import ApiClient  # noqa: E402
from isolated_env import Broker, free_port, isolated_env  # noqa: E402
from platformctl import SERVICES, Platform, read_env_file  # noqa: E402

RESULTS = ROOT / "bench" / "results"


def percentile(values, p):
    if not values:
        return None
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]


def seed(platform, learners, lessons):
    """A province with `learners` learners enrolled in one published course of `lessons` lessons."""
    operator = ApiClient(platform.base_url).signed_in(platform.env["OPERATOR_USERNAME"],
                                                      platform.env["OPERATOR_PASSWORD"])
    code = "B" + secrets.token_hex(3).upper()
    tenant = operator.post("/api/v1/tenants", {
        "code": code, "name": "Tỉnh Bắc Kạn (benchmark)", "kind": "province", "learner_quota": 40000,
        "focal_contact": {"full_name": "Nguyễn Văn Bình", "mobile": "0912345678", "email": "bench@example.vn"}})
    users = f"/api/v1/tenants/{tenant['tenant_id']}/users"
    admin_pw = secrets.token_urlsafe(12)
    operator.post(users, {"username": f"admin.{code.lower()}", "full_name": "Quản trị", "email": "qt@example.vn",
                          "role": "tenant_admin", "password": admin_pw})
    admin = ApiClient(platform.base_url).signed_in(f"admin.{code.lower()}", admin_pw)
    course = admin.post("/api/v1/courses", {"code": "BENCH-01", "title": "Kỹ năng số (benchmark)", "lessons": [
        {"title": f"Bài {i}", "kind": "rich_text"} for i in range(1, lessons + 1)]})
    admin.post(f"/api/v1/courses/{course['course_id']}/publish")
    lesson_ids = [lesson["lesson_id"] for lesson in course["lessons"]]

    def make_learner(index):
        password = secrets.token_urlsafe(12)
        user = operator.post(users, {"username": f"hv{index}.{code.lower()}", "full_name": f"Học viên {index}",
                                     "phone": "0987654321", "category": "civil_servant", "password": password})
        admin.post(f"/api/v1/courses/{course['course_id']}/enrollments", {"learner_id": user["user_id"]})
        client = ApiClient(platform.base_url).signed_in(user["username"], password)
        return {"user_id": user["user_id"], "client": client, "course_id": course["course_id"],
                "lessons": lesson_ids, "token": client.session.headers["Authorization"].split()[1]}

    with concurrent.futures.ThreadPoolExecutor(8) as pool:
        made = list(pool.map(make_learner, range(1, learners + 1)))
    return {"tenant": tenant, "admin": admin, "course": course, "learners": made}


def wait_drained(env, queue, timeout=300):
    """Wait until the broker's queue is empty (the consumers caught up)."""
    broker = Broker(env)
    vhost = env["AMQP_URI"].rsplit("/", 1)[1]
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        info = requests.get(f"{broker.api}/queues/{vhost}/{queue}", auth=broker.auth, timeout=10).json()
        if info.get("messages", 1) == 0 and info.get("messages_unacknowledged", 0) == 0:
            return time.monotonic()
        time.sleep(0.5)
    raise RuntimeError(f"queue {queue} did not drain within {timeout}s")


def ingest(platform, data, seconds, connections):
    tokens = ROOT / "var" / "bench" / "tokens.txt"
    tokens.parent.mkdir(parents=True, exist_ok=True)
    tokens.write_text("".join(f"{l['token']} {l['course_id']} {','.join(l['lessons'])}\n" for l in data["learners"]))
    single = load.wrk(platform.base_url, "activity.lua", {"TOKENS_FILE": str(tokens), "BATCH": "1"},
                      seconds, connections)
    single["activities_per_s"] = single["requests_per_s"]
    batch = load.wrk(platform.base_url, "activity.lua", {"TOKENS_FILE": str(tokens), "BATCH": "100"},
                     seconds, max(4, connections // 2))
    batch["activities_per_s"] = round(batch["requests_per_s"] * 100, 1)
    return {"single": single, "batch_100": batch}


def end_to_end(platform, data, activities_per_s):
    lessons = len(data["course"]["lessons"])
    report_path = f"/api/v1/tenants/{data['tenant']['tenant_id']}/report"
    run = load.paced_completions(platform.base_url, data["learners"], activities_per_s / lessons,
                                 report_path, data["admin"])
    learners = len(data["learners"])
    events = learners * lessons * 2 + learners  # activities + lesson.completed + course.completed
    return {"learners": learners, "lessons_per_learner": lessons, "target_activities_per_s": activities_per_s,
            "complete": run["complete"], "events": events,
            "events_per_s": round(events / run["last_visible"], 1) if run["last_visible"] else None,
            "lag_p50_s": percentile(run["lags"], 50), "lag_p99_s": percentile(run["lags"], 99)}


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seconds", type=int, default=10, help="duration of each wrk run")
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--learners", type=int, default=200)
    parser.add_argument("--lessons", type=int, default=20)
    parser.add_argument("--e2e-rate", type=int, default=2000, help="activities/s offered end to end")
    parser.add_argument("--no-peer", action="store_true")
    args = parser.parse_args()
    infra = read_env_file(ROOT / "var" / "infra.env")
    results = {"started_at": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
               "command": "make bench", "args": vars(args), "machine": machine()}
    with isolated_env(infra, "bench") as env:
        plat = Platform(env, ROOT / "var" / "bench" / "run", ROOT / "var" / "log" / "bench",
                        gateway_port=free_port(), health_ports={s: free_port() for s in SERVICES})
        plat.start(timeout=120)
        try:
            print("seeding ...", flush=True)
            data = seed(plat, args.learners, args.lessons)
            print("limits ...", flush=True)
            database = env["MONGO_DB_PREFIX"] + "bench"
            results["limits"] = {"broker": limits.broker_rate(env["AMQP_URI"]),
                                 "store": limits.store_rate(env["MONGO_URI"], database)}
            print("ingestion ...", flush=True)
            results["ingest"] = ingest(plat, data, args.seconds, args.connections)
            drained = time.monotonic()
            wait_drained(env, "progress.activities")
            results["ingest"]["drain_after_s"] = round(time.monotonic() - drained, 1)
            print("end to end ...", flush=True)
            results["end_to_end"] = end_to_end(plat, data, args.e2e_rate)
            if not args.no_peer:
                print("peer (Ralph LRS) ...", flush=True)
                results["peer"] = peer_ralph.measure(env, args.seconds, args.connections)
        finally:
            plat.stop()
    summarise(results)
    RESULTS.mkdir(parents=True, exist_ok=True)
    path = RESULTS / f"{results['started_at'].replace(':', '')}.json"
    path.write_text(json.dumps(results, indent=2, ensure_ascii=False))
    (RESULTS / "latest.json").write_text(json.dumps(results, indent=2, ensure_ascii=False))
    print(f"\nresults: {path}")


def machine():
    return {"cpus": os.cpu_count(), "memory_gib": round(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30, 1),
            "python": host.python_version(), "kernel": host.release(),
            "cpu_model": next((l.split(":", 1)[1].strip() for l in Path("/proc/cpuinfo").read_text().splitlines()
                               if l.startswith("model name")), "unknown")}


def summarise(results):
    limit = min(results["limits"]["broker"]["messages_per_s"], results["limits"]["store"]["docs_per_s"])
    results["limit_per_s"] = limit
    rows = [("broker: confirmed persistent publishes/s", results["limits"]["broker"]["messages_per_s"], ""),
            ("store: batched inserts docs/s", results["limits"]["store"]["docs_per_s"], "")]
    for name, run in results["ingest"].items() if "ingest" in results else ():
        if isinstance(run, dict):
            rows.append((f"ingest {name}: activities/s (p50/p99 ms {run['p50_ms']}/{run['p99_ms']}, "
                         f"non-2xx {run['non_2xx']})", run["activities_per_s"], f"{run['activities_per_s'] / limit:.2f}"))
    e2e = results.get("end_to_end")
    if e2e:
        rows.append((f"end to end: events/s (lag p50/p99 s {e2e['lag_p50_s'] and round(e2e['lag_p50_s'], 3)}"
                     f"/{e2e['lag_p99_s'] and round(e2e['lag_p99_s'], 3)})", e2e["events_per_s"],
                     f"{(e2e['events_per_s'] or 0) / limit:.2f}"))
    peer = results.get("peer")
    if peer:
        for name, run in peer["runs"].items():
            ours = results["ingest"][name]["activities_per_s"]
            run["ours_over_peer"] = round(ours / run["statements_per_s"], 2) if run["statements_per_s"] else None
            rows.append((f"peer Ralph {name}: statements/s (ours / Ralph = {run['ours_over_peer']})",
                         run["statements_per_s"], f"{run['statements_per_s'] / limit:.2f}"))
    print(f"\n{'scenario':95s} {'rate':>10s} {'of limit':>9s}")
    for name, value, fraction in rows:
        print(f"{name:95s} {value!s:>10s} {fraction:>9s}")


if __name__ == "__main__":
    main()
