#!/usr/bin/env python3
"""Relay throughput of the integrations service: public events in, signed webhooks out.

Against a running platform (`make run`): registers a webhook subscriber pointing at a local
receiver (needs WEBHOOK_ALLOW_LOOPBACK_HTTP=1 in the platform's environment), publishes N
learner.active events for one tenant on the producer's exchange and prints events/s until
all of them reached the receiver.

    python bench/integrations_relay.py --events 500
"""
import argparse
import sys
import time

import pymongo
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "scripts")]

from api_client import ApiClient  # noqa: E402
from platformctl import local_platform  # noqa: E402
from tests.e2e.integrations_fixtures import Receiver, learner_active, new_tenant, publish, webhook  # noqa: E402


def run(platform, operator, count):
    """Also callable with the test fixtures' platform (own vhost and ports)."""
    tenant = new_tenant(operator)["tenant_id"]
    receiver = Receiver()
    subscriber = webhook(operator, receiver.url, [tenant])
    events = [learner_active(tenant) for _ in range(count)]
    started = time.monotonic()
    for envelope in events:
        publish(platform, envelope)
    published = time.monotonic() - started
    ids = {e["event_id"] for e in events}
    db = pymongo.MongoClient(platform.env["MONGO_URI"])[f"{platform.env.get('MONGO_DB_PREFIX', '')}integrations"]
    while db["deliveries"].count_documents({"subscriber_id": subscriber["subscriber_id"]}) < count:
        time.sleep(0.1)
    relayed = time.monotonic() - started
    while not ids <= set(receiver.event_ids()):
        time.sleep(0.1)
    total = time.monotonic() - started
    print(f"{count} events: published in {published:.1f}s, relayed (logged, republished, "
          f"queued for the webhook) by {relayed:.1f}s, all delivered by webhook in {total:.1f}s "
          f"({count / total:.0f} events/s end to end)")
    receiver.stop()


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--events", type=int, default=500)
    args = parser.parse_args()
    platform = local_platform()
    operator = ApiClient(platform.base_url).signed_in(platform.env["OPERATOR_USERNAME"],
                                                      platform.env["OPERATOR_PASSWORD"])
    run(platform, operator, args.events)


if __name__ == "__main__":
    main()
