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
from services.reports import domain, projection  # noqa: E402
from services.reports.storage import ReportsStore, key  # noqa: E402
from isolated_env import isolated_env, started_platform  # noqa: E402

CATEGORIES = ("cadre", "civil_servant", "public_employee", "worker", "citizen")
NOW = dt.datetime(2026, 6, 1, tzinfo=dt.timezone.utc)


def load_tenant(store, tenant_id, learners, courses, enrollments, completions, units=50):
    """Facts straight into the reports database, in bulk, plus the dirty markers."""
    store.save_latest("tenants", tenant_id, {"tenant_id": tenant_id, "code": tenant_id[:8].upper(),
                                             "name": f"Tỉnh {tenant_id[:6]}", "kind": "province",
                                             "learner_quota": 40000, "storage_quota_bytes": 0,
                                             "status": "active"}, NOW)
    root = f"{tenant_id}-u0"
    for u in range(units):
        uid = f"{tenant_id}-u{u}"
        store.save_latest("units", uid, {"unit_id": uid, "tenant_id": tenant_id, "code": f"U{u}", "name": f"Xã {u}",
                                         "path": [root] if u == 0 else [root, uid], "status": "active"}, NOW)
    users = [{"user_id": f"{tenant_id}-l{i}", "tenant_id": tenant_id, "role": "learner",
              "unit_id": f"{tenant_id}-u{i % units}", "category": CATEGORIES[i % 5], "status": "active"}
             for i in range(learners)]
    for start in range(0, len(users), 1000):
        projection.record_users(store, users[start:start + 1000], NOW)
    course_ids = [f"{tenant_id}-c{c}" for c in range(courses)]
    for cid in course_ids:
        projection.record_course(store, {"course_id": cid, "owner_tenant_id": tenant_id, "code": cid[-6:],
                                         "title": f"Khóa {cid[-4:]}", "revision": 1}, "published", NOW)
    docs, done = [], []
    for i in range(enrollments):
        learner, cid = users[i % learners], course_ids[(i // learners + i) % courses]
        when = NOW - dt.timedelta(days=i % 300)
        context = {"tenant_id": tenant_id, "tc": key(tenant_id, cid), "course_id": cid, "intake_id": None,
                   "learner_id": learner["user_id"], "unit_id": learner["unit_id"], "category": learner["category"],
                   "month": domain.month_of(when)}
        docs.append(dict(context, _id=f"{learner['user_id']}:{cid}", active=True, v=when))
        if i < completions:
            done.append(dict(context, _id=f"{learner['user_id']}:{cid}", v=when))
        if len(docs) == 2000:
            store.db["enrollments"].insert_many(docs, ordered=False)
            docs = []
    if docs:
        store.db["enrollments"].insert_many(docs, ordered=False)
    for start in range(0, len(done), 2000):
        store.db["completions"].insert_many(done[start:start + 2000], ordered=False)
    parts = ["info"] + [key("course", c) for c in course_ids] + [key("unit", f"{tenant_id}-u{u}") for u in range(units)]
    store.mark_dirty(tenant_id, uuid.uuid4().hex, NOW, *parts)
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
            if operator.get(path)["enrollments"] == args.enrollments and not store.dirty.count_documents({}):
                break
        except Exception:
            pass
        time.sleep(1)
    print(f"first full recomputation of all tenants: {time.monotonic() - t0:.1f}s")
    p50, p95 = timed_gets(operator, path, args.samples)
    print(f"tenant report latency: p50 {p50:.1f} ms, p95 {p95:.1f} ms ({args.samples} sequential GETs)")
    p50, p95 = timed_gets(operator, "/api/v1/reports/national", args.samples // 2)
    print(f"national report latency ({args.tenants} tenants): p50 {p50:.1f} ms, p95 {p95:.1f} ms")

    stop, result = threading.Event(), {}
    thread = threading.Thread(target=lambda: result.update(sent=stream(
        env["AMQP_URI"], big, course_ids, users, args.rate, args.seconds, stop)))
    started = time.monotonic()
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
    thread.join()
    dispatch_conn.release()
    rate = result.get("sent", 0) / max(time.monotonic() - started, 1e-9)
    print(f"event-to-report lag under {rate:.0f} events/s offered ({result.get('sent', 0)} enrollments): "
          f"{len(lags)} probes, median {statistics.median(lags):.2f}s, max {max(lags):.2f}s")


if __name__ == "__main__":
    main()
