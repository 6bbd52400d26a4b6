#!/usr/bin/env python3
"""End to end with the report polled WHILE activities are sent: the lag of each learner's
completion from its batch's 202 to the tenant report counting it, and the events per second.

    .venv/bin/python bench/e2e_lag.py [--learners 200] [--lessons 20] [--rate 2000] [--senders 8]

`bench/run.py`'s end-to-end scenario sends every batch from one thread and polls the report
only once all are sent, so on a loaded machine its rate is the sender's and its lag is mostly
the sending time. Here ``--senders`` threads keep to the offered pace (``--rate`` activities/s,
each learner's whole course as one batch) and one thread polls the report throughout. Starts
its own platform (as `make test` does) on the broker and store of var/infra.env; bounded in time.
"""
import argparse
import concurrent.futures
import sys
import threading
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "scripts"), str(ROOT / "bench")]

from isolated_env import isolated_env, started_platform  # noqa: E402
from platformctl import read_env_file  # noqa: E402
from run import percentile, seed  # noqa: E402


def send(learner):
    now = time.strftime("%Y-%m-%dT%H:%M:%S+00:00", time.gmtime())
    learner["client"].post("/api/v1/activities/batch", {"activities": [
        {"activity_id": str(uuid.uuid4()), "kind": "lesson_completed", "course_id": learner["course_id"],
         "lesson_id": lesson, "occurred_at": now} for lesson in learner["lessons"]]}, expect=(202,))
    return time.monotonic()


def measure(data, rate, senders, timeout=180):
    learners, admin = data["learners"], data["admin"]
    report = f"/api/v1/tenants/{data['tenant']['tenant_id']}/report"
    baseline = admin.get(report)["completions"]
    seen, stop = [], threading.Event()  # (monotonic time, completions counted)

    def poll():
        deadline = time.monotonic() + timeout
        while not stop.is_set() and time.monotonic() < deadline:
            seen.append((time.monotonic(), admin.get(report)["completions"] - baseline))
            if seen[-1][1] >= len(learners):
                return
            time.sleep(0.02)
    poller = threading.Thread(target=poll, daemon=True)
    start = time.monotonic()
    poller.start()
    interval = len(learners[0]["lessons"]) / rate

    def paced(index):
        delay = start + index * interval - time.monotonic()
        if delay > 0:
            time.sleep(delay)
        return send(learners[index])
    with concurrent.futures.ThreadPoolExecutor(senders) as pool:
        sent = sorted(pool.map(paced, range(len(learners))))
    sending = time.monotonic() - start
    poller.join(timeout)
    stop.set()
    # the i-th completion counted is matched with the i-th 202 (as bench/load.py does)
    visible = [next((at for at, count in seen if count > i), None) for i in range(len(learners))]
    lags = [v - s for s, v in zip(sent, visible) if v is not None]
    events = len(learners) * (2 * len(learners[0]["lessons"]) + 1)
    last = max((v for v in visible if v is not None), default=None)
    return {"learners": len(learners), "offered_activities_per_s": rate, "sending_s": round(sending, 1),
            "complete": None not in visible, "events": events,
            "events_per_s": round(events / (last - start), 1) if last else None,
            "lag_p50_s": percentile(lags, 50), "lag_p99_s": percentile(lags, 99)}


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--learners", type=int, default=200)
    parser.add_argument("--lessons", type=int, default=20)
    parser.add_argument("--rate", type=int, default=2000, help="activities/s offered")
    parser.add_argument("--senders", type=int, default=8)
    args = parser.parse_args()
    infra = read_env_file(ROOT / "var" / "infra.env")
    with isolated_env(infra, "bench-lag") as env, started_platform(env, ROOT / "var" / "log" / "bench-lag") as plat:
        data = seed(plat, args.learners, args.lessons)
        time.sleep(5)  # the seeding's events settle
        print(measure(data, args.rate, args.senders), flush=True)


if __name__ == "__main__":
    main()
