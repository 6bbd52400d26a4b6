#!/usr/bin/env python3
"""`make bench`: the platform against the machine's limits and a peer, in one run.

Starts the platform as `make run` does (own vhost, databases and ports), seeds synthetic data
through the API, runs each scenario (bounded in time and count, loopback only), prints the
table of issue 15's targets (bench/report.py), writes bench/results/<time>.json and
bench/results/latest.json and regenerates docs/performance.md from it.
"""
import argparse
import datetime as dt
import json
import os
import platform as host
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pymongo

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "scripts"), str(ROOT / "bench")]

import end_to_end  # noqa: E402
import limits  # noqa: E402
import load  # noqa: E402
import peer_ralph  # noqa: E402
import queues  # noqa: E402
import report  # noqa: E402
import scale_curve  # noqa: E402
import seeding  # noqa: E402
from isolated_env import isolated_env, started_platform  # noqa: E402
from platformctl import read_env_file  # noqa: E402

RESULTS = ROOT / "bench" / "results"
PERFORMANCE_DOC = ROOT / "docs" / "performance.md"


def ingest(platform, data, seconds, connections):
    """Single activities, then batches of 100, through wrk: accepted (202) per second, and
    applied per second (until progress's activity log holds every accepted activity)."""
    tokens = ROOT / "var" / "bench" / "tokens.txt"
    tokens.parent.mkdir(parents=True, exist_ok=True)
    tokens.write_text("".join(f"{l['token']} {l['course_id']} {','.join(l['lessons'])}\n" for l in data["learners"]))
    runs = {}
    # Warm up, unmeasured (as gateway_ingest.py does, and as the peer is warmed): each gateway
    # worker's broker connection, its token and enrollment-context caches.
    load.wrk(platform.base_url, "activity.lua", {"TOKENS_FILE": str(tokens), "BATCH": "1"}, 2, connections)
    # single_half: the same at half the connections (as many as the gateway's threads): the
    # latency of a load the gateway takes without queueing requests for a thread.
    for name, batch, conns in (("single", 1, connections), ("single_half", 1, max(2, connections // 2)),
                               ("batch_100", 100, max(4, connections // 2))):
        queues.wait_drained(platform.env)
        applied_log = AppliedLog(platform.env)
        started = time.monotonic()
        run = load.wrk(platform.base_url, "activity.lua", {"TOKENS_FILE": str(tokens), "BATCH": str(batch)},
                       seconds, conns)
        run["connections"] = conns
        accepted = (run["requests"] - run["non_2xx"]) * batch
        run["activities_per_s"] = round(accepted / (run["duration_us"] / 1e6), 1)
        run.update(applied_log.until(accepted, started))
        runs[name] = run
    return runs


class AppliedLog:
    """Progress's raw activity log (one document per applied activity, keyed by its id)."""

    def __init__(self, env):
        self.collection = pymongo.MongoClient(env["MONGO_URI"])[env["MONGO_DB_PREFIX"] + "progress"]["activities"]
        self.before = self.collection.estimated_document_count()

    def until(self, accepted, started, timeout=300):
        """Wait until ``accepted`` more activities are logged (or it stops growing for 30 s)."""
        deadline, last, last_change = time.monotonic() + timeout, -1, time.monotonic()
        while time.monotonic() < deadline and time.monotonic() - last_change < 30:
            applied = self.collection.estimated_document_count() - self.before
            if applied != last:
                last, last_change = applied, time.monotonic()
            if applied >= accepted:
                break
            time.sleep(0.2)
        seconds = last_change - started
        return {"applied": last, "applied_seconds": round(seconds, 1), "applied_per_s": round(last / seconds, 1)}


# Scenarios that run as their own scripts (each starts its own platform); their printed
# lines are kept as they are. Reports run at the scale of issue 6: a tenant of 40,000
# learners, 100 courses and 200,000 enrollments, 100 tenants, a 60 s stream at 1,000 events/s
# (about 10 minutes, most of it publishing and projecting half a million events).
SCALE_SCENARIOS = {
    "bulk import (40,000 learners)": ["bench/accounts_import.py", "--rows", "40000"],
    "unit assignment (40,000 learners)": ["bench/courses_assign.py", "--learners", "40000"],
    "notifications (40,000-learner assignment)": ["bench/notifications_send.py", "--learners", "40000"],
    "reports (40,000 learners, 200,000 enrollments, 100 tenants)": [
        "bench/reports_bench.py", "--learners", "40000", "--courses", "100", "--enrollments", "200000",
        "--tenants", "100", "--rate", "1000", "--seconds", "60"],
}


def sustained(platform, args):
    """End to end for ``--sustained-seconds`` at ``--sustained-rate`` activities/s offered: the
    lag the platform keeps at a rate the machine can carry (fresh learners, bulk-imported)."""
    learners = max(1, args.sustained_rate * args.sustained_seconds // args.lessons)
    print(f"end to end, sustained ({learners} learners at {args.sustained_rate} activities/s) ...", flush=True)
    seeded = seeding.seed_tenants(platform, 1, learners, args.lessons)
    return end_to_end.run(platform, seeded["learners"], [t["tenant_id"] for t in seeded["tenants"]],
                          args.sustained_rate)


def scale_scenarios(only=(), timeout=1200):
    """Run the scale scripts (those whose name contains one of ``only``, if given)."""
    outcomes = {}
    for name, argv in SCALE_SCENARIOS.items():
        if only and not any(word in name for word in only):
            continue
        print(f"{name} ...", flush=True)
        started = time.monotonic()
        try:
            out = subprocess.run([sys.executable, *argv], cwd=ROOT, capture_output=True, text=True,
                                 timeout=timeout)
            lines = [l for l in out.stdout.splitlines() if l.strip()]
            if out.returncode != 0:
                last = (out.stderr.strip().splitlines() or [""])[-1]
                lines.append(f"exit {out.returncode}: {last[:300]}")
        except subprocess.TimeoutExpired:
            lines = [f"stopped after {timeout} s"]
        outcomes[name] = {"command": " ".join(argv), "seconds": round(time.monotonic() - started, 1),
                          "output": lines}
    return outcomes


def arguments():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seconds", type=int, default=10, help="duration of each wrk run")
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--learners", type=int, default=200)
    parser.add_argument("--lessons", type=int, default=20)
    parser.add_argument("--e2e-rate", type=int, default=2000, help="activities/s offered end to end")
    parser.add_argument("--sustained-rate", type=int, default=300,
                        help="activities/s offered to the sustained end-to-end run (0: skip it)")
    parser.add_argument("--sustained-seconds", type=int, default=60)
    parser.add_argument("--curve-scale", type=float, default=1.0,
                        help="multiply the scale curve's learner counts (a short check: 0.01)")
    parser.add_argument("--no-peer", action="store_true")
    parser.add_argument("--no-curve", action="store_true", help="skip the tenants/learners scale curve")
    parser.add_argument("--no-scale", action="store_true", help="skip the scale scripts (imports, assignment ...)")
    parser.add_argument("--scale-only", action="append", default=[], metavar="WORD",
                        help="run only the scale scripts whose name contains WORD (repeatable: import, assignment ...)")
    return parser.parse_args()


def on_platform(args, results):
    """The scenarios that share one platform, in an order that leaves each one a drained platform."""
    infra = read_env_file(ROOT / "var" / "infra.env")
    census = ROOT / "var" / "bench" / "store-census"
    shutil.rmtree(census, ignore_errors=True)  # one run's processes only
    with isolated_env(infra, "bench", STORE_CENSUS_DIR=str(census)) as env, \
            started_platform(env, ROOT / "var" / "log" / "bench") as plat:
        print("seeding ...", flush=True)
        data = seeding.seed(plat, args.learners, args.lessons)
        print("limits ...", flush=True)
        results["limits"] = {"broker": limits.broker_rate(env["AMQP_URI"]),
                             "store": limits.store_rate(env["MONGO_URI"], env["MONGO_DB_PREFIX"] + "bench")}
        print("ingestion ...", flush=True)
        results["ingest"] = ingest(plat, data, args.seconds, args.connections)
        print("end to end ...", flush=True)
        results["end_to_end"] = end_to_end.run(plat, data["learners"], [data["tenant"]["tenant_id"]], args.e2e_rate)
        if args.sustained_rate:
            results["sustained"] = sustained(plat, args)
        if not args.no_curve:
            results["scale_curve"] = scale_curve.run(plat, args.e2e_rate, scale=args.curve_scale)
        if not args.no_peer:
            print("peer (Ralph LRS): draining the platform first ...", flush=True)
            queues.wait_drained(env, quiet=10.0)
            results["peer"] = peer_ralph.measure(env, args.seconds, args.connections)


def main():
    args = arguments()
    results = {"started_at": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
               "command": "make bench", "args": vars(args), "machine": machine()}
    try:
        on_platform(args, results)
    except BaseException:  # keep what was measured before the failure (or Ctrl-C)
        RESULTS.mkdir(parents=True, exist_ok=True)
        partial = RESULTS / f"partial-{results['started_at'].replace(':', '')}.json"
        partial.write_text(json.dumps(results, indent=2, ensure_ascii=False))
        print(f"\nstopped; what was measured so far: {partial}", file=sys.stderr)
        raise
    if not args.no_scale:
        results["scale"] = scale_scenarios(args.scale_only)
    report.summarise(results)
    print(report.printed(results))
    RESULTS.mkdir(parents=True, exist_ok=True)
    path = RESULTS / f"{results['started_at'].replace(':', '')}.json"
    for target in (path, RESULTS / "latest.json"):
        target.write_text(json.dumps(results, indent=2, ensure_ascii=False))
    report.write_doc(results, path.name, PERFORMANCE_DOC)
    print(f"\nresults: {path}\ndocs:    {PERFORMANCE_DOC}")


def machine():
    return {"cpus": os.cpu_count(), "memory_gib": round(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30, 1),
            "python": host.python_version(), "kernel": host.release(),
            "load_average": [round(x, 2) for x in os.getloadavg()],
            "cpu_model": next((l.split(":", 1)[1].strip() for l in Path("/proc/cpuinfo").read_text().splitlines()
                               if l.startswith("model name")), "unknown")}


if __name__ == "__main__":
    main()
