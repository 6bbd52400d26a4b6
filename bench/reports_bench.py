#!/usr/bin/env python3
"""Reports benchmark: report latency through the gateway and event-to-report lag.

    .venv/bin/python bench/reports_bench.py [--learners 40000 --courses 100 --enrollments 200000
                                            --tenants 100 --rate 1000 --seconds 20]

Starts its own platform (own vhost and database prefix, like the tests) with only the services
this pipeline needs (accounts for sign-in, reports, the gateway): the courses, progress and
integrations services also consume these events and, on a 2-core machine sharing one store,
would measure the whole platform instead of the reports pipeline (in production each runs on
its own pods). Then
- publishes a synthetic big tenant (units, learners, courses, enrollments, completions) and
  small tenants for the national report as real events on the producers' exchanges, and
  times their projection;
- measures GET /tenants/{id}/report and GET /reports/national (p50/p95, sequential);
- measures the lag from an event to the report while a steady stream of ENROLLMENT_CREATED
  events is published at --rate events/s into the big tenant (a LEARNER_ACTIVE probe for a
  unique month is published every 2 s and timed until it shows in the report).
Prints the numbers; asserts nothing.
"""
import argparse
import base64
import datetime as dt
import gzip
import random
import statistics
import sys
import threading
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "scripts")]

from kombu import Connection, Producer  # noqa: E402
from nameko.standalone.events import get_event_exchange  # noqa: E402

from api_client import ApiClient  # noqa: E402
from tests.signed_actors import rpc_as  # noqa: E402
from mooc_common.contracts.events import accounts as acc, courses as crs, progress as prg  # noqa: E402
from mooc_common.infra.store import service_database, utcnow  # noqa: E402
from platformctl import read_env_file  # noqa: E402
from isolated_env import isolated_env, started_platform  # noqa: E402

CATEGORIES = ("cadre", "civil_servant", "public_employee", "worker", "citizen")
NOW = dt.datetime(2026, 6, 1, tzinfo=dt.timezone.utc)
SERVICES = ("accounts", "reports")


class EventPublisher:
    """Publishes envelopes on their producers' exchanges (persistent; no per-message confirm
    wait, which would cap a bench thread at a few hundred events/s). When the broker throttles
    a fast publisher for long, the socket write can time out: kombu then reconnects and
    publishes again (a duplicate changes no report number)."""

    def __init__(self, amqp_uri):
        self.conn = Connection(amqp_uri)
        self.producer = Producer(self.conn.channel(), serializer="json")
        self.exchanges = {}

    def __call__(self, envelope):
        producer = envelope["producer"]
        if producer not in self.exchanges:
            self.exchanges[producer] = get_event_exchange(producer, {})
        self.producer.publish(envelope, exchange=self.exchanges[producer], routing_key=envelope["type"],
                              delivery_mode=2, retry=True, retry_policy={"max_retries": 10, "interval_start": 1})

    def close(self):
        self.conn.release()


def tenant_events(tenant_id, learners, courses, enrollments, completions, units=50):
    """The events of a synthetic tenant, as its producers would publish them; returns
    (envelopes, course ids, learners)."""
    events = [acc.TENANT_CREATED.build({"tenant_id": tenant_id, "code": tenant_id[:8].upper(),
                                        "name": f"Tỉnh {tenant_id[:6]}", "kind": "province",
                                        "learner_quota": 40000, "storage_quota_bytes": 0, "status": "active"},
                                       tenant_id, occurred_at=NOW)]
    root = f"{tenant_id}-u0"
    events += [acc.UNIT_CREATED.build({"unit_id": f"{tenant_id}-u{u}", "tenant_id": tenant_id, "code": f"U{u}",
                                       "name": f"Xã {u}", "parent_id": None if u == 0 else root,
                                       "path": [root] if u == 0 else [root, f"{tenant_id}-u{u}"],
                                       "status": "active"}, tenant_id, occurred_at=NOW) for u in range(units)]
    users = [{"user_id": f"{tenant_id}-l{i}", "tenant_id": tenant_id, "role": "learner",
              "unit_id": f"{tenant_id}-u{i % units}", "category": CATEGORIES[i % 5], "status": "active"}
             for i in range(learners)]
    events += [acc.USERS_IMPORTED.build({"import_id": f"{tenant_id}-import", "batch": start // 1000,
                                         "users": users[start:start + 1000]}, tenant_id, occurred_at=NOW)
               for start in range(0, len(users), 1000)]
    course_ids = [f"{tenant_id}-c{c}" for c in range(courses)]
    events += [crs.COURSE_SUMMARY_PUBLISHED.build({"course_id": cid, "owner_tenant_id": tenant_id, "code": cid[-6:],
                                                   "title": f"Khóa {cid[-4:]}", "revision": 1, "status": "published"},
                                                  tenant_id, occurred_at=NOW) for cid in course_ids]
    for i in range(enrollments):
        learner, cid = users[i % learners], course_ids[(i // learners + i) % courses]
        when = NOW - dt.timedelta(days=i % 300)
        context = {"enrollment_id": f"{learner['user_id']}:{cid}", "course_id": cid,
                   "course_owner_tenant_id": tenant_id, "intake_id": None, "learner_id": learner["user_id"],
                   "unit_id": learner["unit_id"], "category": learner["category"]}
        events.append(crs.ENROLLMENT_CREATED.build(dict(context, enrolled_at=when), tenant_id, occurred_at=when))
        if i < completions:
            events.append(prg.COURSE_COMPLETED.build(dict(context, completed_at=when), tenant_id, occurred_at=when))
    return events, course_ids, users


def percentiles(samples):
    samples = sorted(samples)
    return (statistics.median(samples) * 1000, samples[int(0.95 * (len(samples) - 1))] * 1000)


def timed(call, n):
    samples = []
    for _ in range(n):
        start = time.perf_counter()
        call()
        samples.append(time.perf_counter() - start)
    return percentiles(samples)


WARM_UP = 40  # unmeasured GETs first: each gateway thread (2 workers x 8) starts its RPC proxy on its first call


def timed_gets(client, path, n):
    for _ in range(WARM_UP):
        client.get(path)
    return timed(lambda: client.get(path), n)


def read_breakdown(env, tenant_id, n):
    """Where a tenant report read's time goes: the RPC alone, and the store read alone."""
    operator = {"role": "operator_admin", "user_id": "bench", "tenant_id": None}
    with rpc_as(env, operator, timeout=30) as rpc:  # the actor signed as accounts would (actor_trust)
        rpc_ms = timed(lambda: rpc.reports.tenant_report(operator, tenant_id), n)
        size = len(gzip.decompress(base64.b64decode(rpc.reports.tenant_report(operator, tenant_id)["gzip"])))
    summaries = service_database(env, "reports")["tenant_summaries"]
    store_ms = timed(lambda: summaries.find_one({"_id": tenant_id}), n)
    return rpc_ms, store_ms, size


def stream(amqp_uri, tenant_id, course_ids, users, rate, seconds):
    """Publish ENROLLMENT_CREATED at ``rate``/s."""
    publish, sent = EventPublisher(amqp_uri), 0
    start = time.monotonic()
    while time.monotonic() - start < seconds:
        learner, cid = random.choice(users), random.choice(course_ids)
        publish(crs.ENROLLMENT_CREATED.build({
            "enrollment_id": uuid.uuid4().hex, "course_id": cid, "course_owner_tenant_id": tenant_id,
            "intake_id": None, "learner_id": learner["user_id"], "unit_id": learner["unit_id"],
            "category": learner["category"], "enrolled_at": utcnow()}, tenant_id))
        sent += 1
        ahead = sent / rate - (time.monotonic() - start)
        if ahead > 0:
            time.sleep(ahead)
    publish.close()
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
    with isolated_env(infra, "bench") as env, \
            started_platform(env, ROOT / "var" / "log" / "bench", services=SERVICES) as plat:
        run(args, env, plat)


def run(args, env, plat):
    operator = ApiClient(plat.base_url).signed_in(env["OPERATOR_USERNAME"], env["OPERATOR_PASSWORD"])
    big = uuid.uuid4().hex  # tenant ids are 32 hex digits: the API answers 404 to any other
    events, course_ids, users, publishing = publish_data_set(args, env, big)
    total = len({e["payload"]["enrollment_id"] for e in events if e["type"] == crs.ENROLLMENT_CREATED.type})
    print(f"published {len(events)} events ({args.learners} learners, {args.courses} courses, {args.enrollments} "
          f"enrollments + {args.tenants - 1} small tenants; {total} distinct enrollments in all) in "
          f"{time.monotonic() - publishing['started']:.1f}s ({publishing['built']:.1f}s of it building them)")
    wait_projected(operator, total, len(events), publishing["first_publish"])
    path = f"/api/v1/tenants/{big}/report"
    read_latencies(args, env, operator, big, path)
    started, sent = lag_under_stream(args, env, operator, big, course_ids, users, path)
    expected = args.enrollments + sent
    streamed = time.monotonic() - started
    while operator.get(path)["enrollments"] < expected and time.monotonic() - started < streamed + 300:
        time.sleep(0.5)
    print(f"every streamed enrollment in the report {time.monotonic() - started - args.seconds:.1f}s after the "
          f"stream stopped ({operator.get(path)['enrollments']} of {expected})")


def publish_data_set(args, env, big):
    """The big tenant and the small ones, built then published; (events, course ids, users,
    {started, built (seconds), first_publish (monotonic)})."""
    t0 = time.monotonic()
    events, course_ids, users = tenant_events(big, args.learners, args.courses, args.enrollments,
                                              args.enrollments // 4, units=args.units)
    for _ in range(args.tenants - 1):
        events += tenant_events(uuid.uuid4().hex, args.small_learners, 2,
                                args.small_enrollments, args.small_enrollments // 4, units=1)[0]
    built = time.monotonic() - t0
    publish, publishing = EventPublisher(env["AMQP_URI"]), time.monotonic()
    for envelope in events:
        publish(envelope)
    publish.close()
    return events, course_ids, users, {"started": t0, "built": built, "first_publish": publishing}


def wait_projected(operator, total, events, publishing):
    """Until the national report counts every enrollment."""
    t0 = time.monotonic()
    while True:
        try:
            national = operator.get("/api/v1/reports/national")
            if national["totals"]["enrollments"] == total:
                break
        except Exception:
            pass
        time.sleep(1)
    elapsed, overall = time.monotonic() - t0, time.monotonic() - publishing
    print(f"projection of the whole data set: done {elapsed:.1f}s after the last publish, {overall:.1f}s after "
          f"the first (~{events / overall:.0f} events/s, publishing and projecting at once)")


def read_latencies(args, env, operator, big, path):
    p50, p95 = timed_gets(operator, path, args.samples)
    print(f"tenant report latency: p50 {p50:.1f} ms, p95 {p95:.1f} ms ({args.samples} sequential GETs "
          f"after {WARM_UP} unmeasured)")
    (rpc50, rpc95), (store50, store95), size = read_breakdown(env, big, args.samples)
    print(f"  of which: RPC to reports alone p50 {rpc50:.1f} / p95 {rpc95:.1f} ms, store read alone "
          f"p50 {store50:.1f} / p95 {store95:.1f} ms (report of {size / 1024:.0f} KiB)")
    p50, p95 = timed_gets(operator, "/api/v1/reports/national", args.samples // 2)
    print(f"national report latency ({args.tenants} tenants): p50 {p50:.1f} ms, p95 {p95:.1f} ms")


def lag_under_stream(args, env, operator, big, course_ids, users, path):
    """Probes of event-to-report lag while threads stream enrollments; (stream start, enrollments sent)."""
    sent = []
    threads = [threading.Thread(target=lambda: sent.append(stream(
        env["AMQP_URI"], big, course_ids, users, args.rate / args.publishers, args.seconds)))
        for _ in range(args.publishers)]
    started = time.monotonic()
    for thread in threads:
        thread.start()
    lags = probe_lags(env, operator, big, users, path, started, args.seconds)
    for thread in threads:
        thread.join()
    lags.sort()
    print(f"event-to-report lag under {sum(sent) / args.seconds:.0f} events/s published ({sum(sent)} enrollments "
          f"in {args.seconds}s): {len(lags)} probes, median {statistics.median(lags):.2f}s, "
          f"p95 {lags[int(0.95 * (len(lags) - 1))]:.2f}s, max {lags[-1]:.2f}s")
    return started, sum(sent)


def probe_lags(env, operator, big, users, path, started, seconds):
    """Every ~2 s, one learner active in a new month: seconds until the report shows that month."""
    lags, probe, publish = [], 0, EventPublisher(env["AMQP_URI"])
    while time.monotonic() - started < seconds:
        probe += 1
        day = dt.date(2030 + probe // 12, probe % 12 + 1, 1)
        learner = users[probe]
        sent_at = time.monotonic()
        publish(prg.LEARNER_ACTIVE.build({"learner_id": learner["user_id"], "unit_id": learner["unit_id"],
                                          "category": learner["category"], "day": day}, big))
        month = day.strftime("%Y-%m")
        while month not in operator.get(path)["active_learners"]["by_month"] and time.monotonic() - sent_at < 120:
            time.sleep(0.05)
        lags.append(time.monotonic() - sent_at)
        time.sleep(max(0.0, 2 - (time.monotonic() - sent_at)))
    publish.close()
    return lags


if __name__ == "__main__":
    main()
