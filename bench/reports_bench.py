#!/usr/bin/env python3
"""Reports benchmark: report latency through the gateway and event-to-report lag.

    .venv/bin/python bench/reports_bench.py [--learners 40000 --courses 100 --enrollments 200000
                                            --tenants 100 --rate 1000 --seconds 20]

Starts its own platform (own vhost and database prefix, like the tests), loads a synthetic
big tenant (learners, courses, enrollments, completions) plus small tenants for the national
report directly into the reports database through the service's own storage/projection
code, lets the service recompute the stored aggregates, then measures
- GET /tenants/{id}/report and GET /reports/national latency (p50/p95, sequential);
- lag from an event to the report while a steady stream of ENROLLMENT_CREATED events is
  published at --rate events/s into the big tenant (a LEARNER_ACTIVE probe for a unique
  month is published every 2 s and timed until it shows in the report).
Prints the numbers; asserts nothing.
"""
import argparse
import datetime as dt
import random
import statistics
import sys
import threading
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "scripts")]

from kombu import Connection, Exchange, Producer  # noqa: E402

from api_client import ApiClient  # noqa: E402
from mooc_common.contracts.events import courses as crs, progress as prg  # noqa: E402
from mooc_common.infra.store import service_database  # noqa: E402
from platformctl import read_env_file  # noqa: E402
from services.reports import projection  # noqa: E402
from services.reports.storage import ReportsStore, inbox_record  # noqa: E402
from isolated_env import isolated_env, started_platform  # noqa: E402

CATEGORIES = ("cadre", "civil_servant", "public_employee", "worker", "citizen")
NOW = dt.datetime(2026, 6, 1, tzinfo=dt.timezone.utc)


def load_tenant(store, tenant_id, learners, courses, enrollments, completions, units=50):
    """The tenant's events as inbox records (what the handlers would queue), in bulk: the
    projector then applies them like any others."""
    records = []

    def queue(changes):
        records.append(inbox_record(uuid.uuid4().hex, tenant_id, NOW, changes))
        if len(records) == 200:
            store.enqueue_many(records)
            records.clear()

    queue(projection.tenant_changes({"tenant_id": tenant_id, "code": tenant_id[:8].upper(),
                                     "name": f"Tỉnh {tenant_id[:6]}", "kind": "province", "learner_quota": 40000,
                                     "storage_quota_bytes": 0, "status": "active"}, NOW))
    root = f"{tenant_id}-u0"
    queue([c for u in range(units) for c in projection.unit_changes(
        {"unit_id": f"{tenant_id}-u{u}", "tenant_id": tenant_id, "code": f"U{u}", "name": f"Xã {u}",
         "path": [root] if u == 0 else [root, f"{tenant_id}-u{u}"], "status": "active"}, NOW)])
    users = [{"user_id": f"{tenant_id}-l{i}", "tenant_id": tenant_id, "role": "learner",
              "unit_id": f"{tenant_id}-u{i % units}", "category": CATEGORIES[i % 5], "status": "active"}
             for i in range(learners)]
    for start in range(0, len(users), 1000):
        queue(projection.user_changes(users[start:start + 1000], NOW))
    course_ids = [f"{tenant_id}-c{c}" for c in range(courses)]
    queue([c for cid in course_ids for c in projection.course_changes(
        {"course_id": cid, "owner_tenant_id": tenant_id, "code": cid[-6:], "title": f"Khóa {cid[-4:]}",
         "revision": 1}, "published", NOW)])
    for i in range(enrollments):
        learner, cid = users[i % learners], course_ids[(i // learners + i) % courses]
        when = NOW - dt.timedelta(days=i % 300)
        payload = {"enrollment_id": f"{learner['user_id']}:{cid}", "course_id": cid, "intake_id": None,
                   "learner_id": learner["user_id"], "unit_id": learner["unit_id"],
                   "category": learner["category"], "enrolled_at": when, "completed_at": when}
        changes = projection.enrollment_changes(tenant_id, payload, True, when)
        if i < completions:
            changes += projection.completion_changes(tenant_id, payload)
        queue(changes)
    store.enqueue_many(records)
    return course_ids, users


def percentiles(samples):
    samples = sorted(samples)
    return (statistics.median(samples) * 1000, samples[int(0.95 * (len(samples) - 1))] * 1000)


def timed_gets(client, path, n):
    samples = []
    for _ in range(n):
        start = time.perf_counter()
        client.get(path)
        samples.append(time.perf_counter() - start)
    return percentiles(samples)


def stream(amqp_uri, tenant_id, course_ids, users, rate, seconds, stop):
    """Publish ENROLLMENT_CREATED at ``rate``/s (persistent, no per-message confirm wait)."""
    exchange = Exchange("courses.events", type="topic", durable=True)
    sent = 0
    with Connection(amqp_uri) as conn:
        producer = Producer(conn.default_channel, exchange=exchange, serializer="json")
        start = time.monotonic()
        while not stop.is_set() and time.monotonic() - start < seconds:
            learner, cid = random.choice(users), random.choice(course_ids)
            envelope = crs.ENROLLMENT_CREATED.build({
                "enrollment_id": uuid.uuid4().hex, "course_id": cid, "course_owner_tenant_id": tenant_id,
                "intake_id": None, "learner_id": learner["user_id"], "unit_id": learner["unit_id"],
                "category": learner["category"], "enrolled_at": dt.datetime.now(dt.timezone.utc)}, tenant_id)
            producer.publish(envelope, routing_key=crs.ENROLLMENT_CREATED.type, delivery_mode=2)
            sent += 1
            ahead = sent / rate - (time.monotonic() - start)
            if ahead > 0:
                time.sleep(ahead)
    return sent


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--learners", type=int, default=40000)
    parser.add_argument("--courses", type=int, default=100)
    parser.add_argument("--enrollments", type=int, default=200000)
    parser.add_argument("--tenants", type=int, default=100)
    parser.add_argument("--rate", type=int, default=1000)
    parser.add_argument("--seconds", type=int, default=20)
    parser.add_argument("--samples", type=int, default=200)
    parser.add_argument("--units", type=int, default=50)
    parser.add_argument("--publishers", type=int, default=2, help="publishing threads of the stream")
    parser.add_argument("--small-learners", type=int, default=400, help="per small tenant (national data set)")
    parser.add_argument("--small-enrollments", type=int, default=2000)
    args = parser.parse_args()
    infra = read_env_file(ROOT / "var" / "infra.env")
    with isolated_env(infra, "bench") as env, started_platform(env, ROOT / "var" / "log" / "bench") as plat:
        run(args, env, plat)


def run(args, env, plat):
    store = ReportsStore(service_database(env, "reports"))
    operator = ApiClient(plat.base_url).signed_in(env["OPERATOR_USERNAME"], env["OPERATOR_PASSWORD"])
    big = "bigtenant" + uuid.uuid4().hex[:6]
    t0 = time.monotonic()
    course_ids, users = load_tenant(store, big, args.learners, args.courses, args.enrollments, args.enrollments // 4,
                                    units=args.units)
    for n in range(args.tenants - 1):
        load_tenant(store, f"small{n:03d}" + uuid.uuid4().hex[:4], args.small_learners, 2, args.small_enrollments,
                    args.small_enrollments // 4, units=1)
    print(f"loaded {args.learners} learners, {args.courses} courses, {args.enrollments} enrollments "
          f"+ {args.tenants - 1} small tenants in {time.monotonic() - t0:.1f}s")
    t0 = time.monotonic()
    path = f"/api/v1/tenants/{big}/report"
    while True:
        try:
            if operator.get(path)["enrollments"] == args.enrollments and not store.inbox_size():
                break
        except Exception:
            pass
        time.sleep(1)
    print(f"projection of the whole data set (every change through the projector): {time.monotonic() - t0:.1f}s")
    p50, p95 = timed_gets(operator, path, args.samples)
    print(f"tenant report latency: p50 {p50:.1f} ms, p95 {p95:.1f} ms ({args.samples} sequential GETs)")
    p50, p95 = timed_gets(operator, "/api/v1/reports/national", args.samples // 2)
    print(f"national report latency ({args.tenants} tenants): p50 {p50:.1f} ms, p95 {p95:.1f} ms")

    stop, sent = threading.Event(), []
    threads = [threading.Thread(target=lambda: sent.append(stream(
        env["AMQP_URI"], big, course_ids, users, args.rate / args.publishers, args.seconds, stop)))
        for _ in range(args.publishers)]
    started = time.monotonic()
    for thread in threads:
        thread.start()
    lags, probe = [], 0
    dispatch_conn = Connection(env["AMQP_URI"])
    producer = Producer(dispatch_conn.default_channel, exchange=Exchange("progress.events", type="topic",
                                                                         durable=True), serializer="json")
    while time.monotonic() - started < args.seconds:
        probe += 1
        day = dt.date(2030 + probe // 12, probe % 12 + 1, 1)
        learner = users[probe]
        envelope = prg.LEARNER_ACTIVE.build({"learner_id": learner["user_id"], "unit_id": learner["unit_id"],
                                             "category": learner["category"], "day": day}, big)
        sent_at = time.monotonic()
        producer.publish(envelope, routing_key=prg.LEARNER_ACTIVE.type, delivery_mode=2)
        month = day.strftime("%Y-%m")
        while month not in operator.get(path)["active_learners"]["by_month"]:
            time.sleep(0.05)
            if time.monotonic() - sent_at > 120:
                break
        lags.append(time.monotonic() - sent_at)
        time.sleep(max(0.0, 2 - (time.monotonic() - sent_at)))
    stop.set()
    for thread in threads:
        thread.join()
    result = {"sent": sum(sent)}
    dispatch_conn.release()
    elapsed = time.monotonic() - started
    rate = result["sent"] / max(elapsed, 1e-9)
    lags.sort()
    print(f"event-to-report lag under {rate:.0f} events/s published ({result['sent']} enrollments in "
          f"{elapsed:.0f}s): {len(lags)} probes, median {statistics.median(lags):.2f}s, "
          f"p95 {lags[int(0.95 * (len(lags) - 1))]:.2f}s, max {lags[-1]:.2f}s")
    expected = args.enrollments + result["sent"]
    while operator.get(path)["enrollments"] < expected and time.monotonic() - started < elapsed + 300:
        time.sleep(0.5)
    print(f"every streamed enrollment in the report {time.monotonic() - started - elapsed:.1f}s after the "
          f"stream stopped ({operator.get(path)['enrollments']} of {expected})")


if __name__ == "__main__":
    main()
