#!/usr/bin/env python3
"""xAPI forwarding rate: statements/s from the integrations service into a real Ralph LRS.

Starts its own platform (own vhost and databases, as the tests do) and a Ralph LRS
(scripts/ralph_lrs.py: its filesystem backend, one worker), configures Ralph as the operator's LRS for every tenant, and:
1. relay: publishes N public lesson.completed events on progress' exchange while Ralph is
   up, and times until all N statements are in Ralph (relay + forwarding, end to end);
2. drain: stops Ralph, publishes N more (they wait in the outbox, retried with backoff),
   starts Ralph again and times how fast the backlog drains into it: the forwarder's own
   rate (batched POSTs of LRS_BATCH_SIZE statements).

    python bench/xapi_forwarding.py --events 2000
"""
import argparse
import sys
import time
import uuid
from pathlib import Path

import pymongo

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "scripts")]

from nameko.standalone.events import event_dispatcher  # noqa: E402

from api_client import ApiClient  # noqa: E402
from isolated_env import isolated_env, started_platform  # noqa: E402
from mooc_common.contracts.events.progress import LESSON_COMPLETED  # noqa: E402
from mooc_common.infra.clock import utcnow  # noqa: E402
from platformctl import read_env_file  # noqa: E402
from ralph_lrs import Ralph  # noqa: E402

TENANT = uuid.uuid4().hex


def events(count):
    at = utcnow()
    return [LESSON_COMPLETED.build({
        "enrollment_id": uuid.uuid4().hex, "course_id": "c" + str(i % 50), "course_owner_tenant_id": TENANT,
        "intake_id": None, "learner_id": uuid.uuid4().hex, "unit_id": None, "category": "civil_servant",
        "lesson_id": "l" + str(i % 20), "completed_at": at}, TENANT) for i in range(count)]


def publish(env, envelopes):
    dispatch = event_dispatcher({"AMQP_URI": env["AMQP_URI"]})
    for envelope in envelopes:
        dispatch(envelope["producer"], envelope["type"], envelope)


def wait_count(ralph, target, timeout):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if ralph.stored_count() >= target:
            return time.monotonic()
        time.sleep(0.1)
    raise SystemExit(f"only {ralph.stored_count()} of {target} statements within {timeout}s")


def relay(env, ralph, n):
    """N events published while Ralph is up: time until all N statements are in it."""
    batch = events(n)
    started = time.monotonic()
    publish(env, batch)
    published = time.monotonic() - started
    done = wait_count(ralph, n, timeout=600)
    print(f"relay: {n} events published in {published:.1f}s; all {n} statements in Ralph after "
          f"{done - started:.1f}s ({n / (done - started):.0f} statements/s end to end)")


def drain(env, ralph, args):
    """N more queued while Ralph is down (each batch failed once), then drained when it is back."""
    n = args.events
    ralph.stop()
    publish(env, events(n))
    outbox = pymongo.MongoClient(env["MONGO_URI"])[env["MONGO_DB_PREFIX"] + "integrations"]["xapi_outbox"]
    while outbox.estimated_document_count() < n:
        time.sleep(0.2)
    time.sleep(1)  # every batch has failed once: the backlog waits on its backoff
    ralph.start()
    restarted = time.monotonic()
    done = wait_count(ralph, 2 * n, timeout=600)
    print(f"drain: {n} queued statements into Ralph in {done - restarted:.1f}s after it came back "
          f"({n / (done - restarted):.0f} statements/s, batches of {args.batch}, {args.concurrency} at once)")


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--events", type=int, default=2000)
    parser.add_argument("--batch", type=int, default=100, help="LRS_BATCH_SIZE")
    parser.add_argument("--concurrency", type=int, default=2, help="LRS_CONCURRENCY")
    args = parser.parse_args()
    infra = read_env_file(ROOT / "var" / "infra.env")
    settings = {"WEBHOOK_ALLOW_LOOPBACK_HTTP": "1", "LRS_BATCH_SIZE": str(args.batch),
                "LRS_CONCURRENCY": str(args.concurrency),
                "LRS_BACKOFF_BASE_MS": "100", "LRS_BACKOFF_MAX_MS": "500", "LRS_MAX_ATTEMPTS": "1000"}
    with isolated_env(infra, "bench-xapi", **settings) as env, \
            started_platform(env, ROOT / "var" / "log" / "bench") as plat:
        ralph = Ralph(env, "ralph_xapi", ROOT / "var" / "log" / "bench" / "ralph-xapi.log").start()
        try:
            operator = ApiClient(plat.base_url).signed_in(env["OPERATOR_USERNAME"], env["OPERATOR_PASSWORD"])
            operator.request("PUT", "/api/v1/xapi/lrs", json={
                "endpoint": ralph.endpoint, "username": ralph.username, "password": ralph.password})
            relay(env, ralph, args.events)
            drain(env, ralph, args)
        finally:
            ralph.stop()


if __name__ == "__main__":
    main()
