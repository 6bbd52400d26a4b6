"""Webhooks against a real HTTP receiver on loopback (a threaded http.server in this process).

The platform runs with WEBHOOK_ALLOW_LOOPBACK_HTTP=1, 6 attempts, backoff from 200 ms and a
2 s timeout (tests/conftest.py). Events are the public contracts' envelopes, published on
the producers' exchanges as the producers would.
"""
import datetime as dt
import hashlib
import hmac
import time

import pytest
from kombu import Connection

from mooc_common.contracts.events.accounts import UNIT_CREATED
from tests.e2e.integrations_fixtures import (SUBSCRIBERS, learner_active, publish, receivers,  # noqa: F401
                                             two_tenants, webhook)
from tests.polling import eventually

pytestmark = pytest.mark.e2e


def verify(secret, headers, body):
    """What an agency's receiver does: HMAC-SHA256 over "<timestamp>.<raw body>"."""
    timestamp = headers["X-Mooc-Timestamp"]
    expected = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256).hexdigest()
    offered = [part.strip().split("=", 1)[1] for part in headers["X-Mooc-Signature"].split(",")]
    fresh = abs(time.time() - int(timestamp)) < 300
    return fresh and any(hmac.compare_digest(expected, sig) for sig in offered)


def request_for(receiver, envelope):
    return next((h, b) for h, b in receiver.requests if h["X-Mooc-Event-Id"] == envelope["event_id"])


def unit_created(tenant_id):
    return UNIT_CREATED.build({"unit_id": "u1", "tenant_id": tenant_id, "code": "PNV",
                               "name": "Phòng Nội vụ huyện Bảo Lạc", "parent_id": None, "path": ["u1"],
                               "status": "active"}, tenant_id)


def test_signed_deliveries_reach_only_the_granted_tenant_and_types(operator, platform, two_tenants, receivers):
    tenant_a, tenant_b = (t["tenant_id"] for t in two_tenants)
    rec_a, rec_b = receivers(), receivers()
    sub_a = webhook(operator, rec_a.url, [tenant_a])
    sub_b = webhook(operator, rec_b.url, [tenant_b])
    secret = sub_a["credentials"]["secret"]

    other_type, event_b, event_a = unit_created(tenant_a), learner_active(tenant_b), learner_active(tenant_a)
    for envelope in (other_type, event_b, event_a):
        publish(platform, envelope)
    eventually(lambda: event_a["event_id"] in rec_a.event_ids())
    eventually(lambda: event_b["event_id"] in rec_b.event_ids())
    assert rec_a.event_ids() == [event_a["event_id"]]  # not tenant B's, not another type
    assert rec_b.event_ids() == [event_b["event_id"]]

    headers, body = rec_a.requests[0]
    assert verify(secret, headers, body)
    assert not verify(secret, headers, body.replace(b"civil_servant", b"cadre"))  # tampered
    assert not verify(sub_b["credentials"]["secret"], headers, body)  # another subscriber's secret
    assert headers["X-Mooc-Event-Type"] == "progress.learner.active.v1"
    assert rec_a.bodies()[0]["payload"] == event_a["payload"]

    # The receiver answered before the platform recorded the outcome: wait for the record.
    delivered = eventually(lambda: operator.get(
        f"{SUBSCRIBERS}/{sub_a['subscriber_id']}/deliveries?state=delivered")["items"])
    assert [d["event_id"] for d in delivered] == [event_a["event_id"]]
    log = operator.get(f"{SUBSCRIBERS}/{sub_a['subscriber_id']}/deliveries/{delivered[0]['delivery_id']}")
    assert [(a["attempt"], a["status_code"], a["response"]) for a in log["attempts_log"]] == [(1, 200, "ok")]


def test_failing_endpoint_is_retried_with_backoff_then_dead_lettered(operator, platform, two_tenants, receivers):
    tenant_a = two_tenants[0]["tenant_id"]
    rec = receivers()
    rec.status = 500
    sub = webhook(operator, rec.url, [tenant_a])
    event = learner_active(tenant_a)
    publish(platform, event)
    path = f"{SUBSCRIBERS}/{sub['subscriber_id']}/deliveries"
    dead = eventually(lambda: operator.get(f"{path}?state=dead")["items"], timeout=30)
    assert [d["event_id"] for d in dead] == [event["event_id"]]
    assert dead[0]["attempts"] == 6 and dead[0]["last_status_code"] == 500
    log = operator.get(f"{path}/{dead[0]['delivery_id']}")["attempts_log"]
    assert [(a["attempt"], a["status_code"], a["response"]) for a in log] == [
        (n, 500, "receiver says no") for n in range(1, 7)]
    gaps = [(b["at"], a["at"]) for a, b in zip(log, log[1:])]
    seconds = [(dt.datetime.fromisoformat(later) - dt.datetime.fromisoformat(earlier)).total_seconds()
               for later, earlier in gaps]
    assert seconds == sorted(seconds) or seconds[-1] > seconds[0]  # backoff grows
    assert [h["X-Mooc-Attempt"] for h, _ in rec.requests] == [str(n) for n in range(1, 7)]
    assert operator.get(f"{path}?state=pending")["items"] == []


def test_receiver_down_for_a_while_gets_every_event_when_back(operator, platform, two_tenants, receivers):
    tenant_a = two_tenants[0]["tenant_id"]
    rec = receivers()
    sub = webhook(operator, rec.url, [tenant_a])
    rec.stop()
    events = [learner_active(tenant_a) for _ in range(15)]
    for envelope in events:
        publish(platform, envelope)
    path = f"{SUBSCRIBERS}/{sub['subscriber_id']}/deliveries"
    eventually(lambda: len([d for d in operator.get(f"{path}?state=pending")["items"] if d["attempts"] >= 2]) == 15)
    rec.start()  # same port
    eventually(lambda: {e["event_id"] for e in events} <= set(rec.event_ids()), timeout=30)
    assert operator.get(f"{path}?state=dead")["items"] == []


def test_replay_from_a_point_in_time(operator, platform, two_tenants, receivers):
    tenant_a = two_tenants[0]["tenant_id"]
    rec = receivers()
    sub = webhook(operator, rec.url, [tenant_a])
    now = dt.datetime.now(dt.timezone.utc)
    old = learner_active(tenant_a)
    old = old | {"occurred_at": (now - dt.timedelta(hours=3)).isoformat()}
    recent = learner_active(tenant_a) | {"occurred_at": (now - dt.timedelta(minutes=10)).isoformat()}
    publish(platform, old)
    publish(platform, recent)
    eventually(lambda: set(rec.event_ids()) == {old["event_id"], recent["event_id"]})

    base = f"{SUBSCRIBERS}/{sub['subscriber_id']}"
    replay = operator.post(f"{base}/replays", {"since": (now - dt.timedelta(hours=1)).isoformat()}, expect=(202,))
    done = eventually(lambda: (r := operator.get(f"{base}/replays/{replay['replay_id']}"))["state"] == "done" and r)
    assert done["queued"] == 1
    eventually(lambda: rec.event_ids().count(recent["event_id"]) == 2)
    assert rec.event_ids().count(old["event_id"]) == 1
    replayed = [h for h, _ in rec.requests if h["X-Mooc-Delivery-Id"].endswith(replay["replay_id"])]
    assert [h["X-Mooc-Event-Id"] for h in replayed] == [recent["event_id"]]


def test_rotated_secret_signs_new_deliveries_and_the_old_one_stops(operator, platform, two_tenants, receivers):
    tenant_a = two_tenants[0]["tenant_id"]
    rec = receivers()
    sub = webhook(operator, rec.url, [tenant_a])
    old_secret = sub["credentials"]["secret"]
    base = f"{SUBSCRIBERS}/{sub['subscriber_id']}"

    rotated = operator.post(f"{base}/secret", {"grace_seconds": 600})
    first = learner_active(tenant_a)
    publish(platform, first)
    eventually(lambda: first["event_id"] in rec.event_ids())
    headers, body = request_for(rec, first)
    assert verify(rotated["secret"], headers, body) and verify(old_secret, headers, body)  # grace: both

    final = operator.post(f"{base}/secret")  # no grace: only the newest secret signs
    second = learner_active(tenant_a)
    publish(platform, second)
    eventually(lambda: second["event_id"] in rec.event_ids())
    headers, body = request_for(rec, second)
    assert verify(final["secret"], headers, body)
    assert not verify(rotated["secret"], headers, body) and not verify(old_secret, headers, body)


def test_a_slow_endpoint_does_not_hold_back_another_subscriber(operator, platform, two_tenants, receivers):
    tenant_a = two_tenants[0]["tenant_id"]
    slow, fast = receivers(), receivers()
    slow.delay = 1.5  # under the 2 s timeout: each delivery holds one of its 4 slots
    webhook(operator, slow.url, [tenant_a])
    webhook(operator, fast.url, [tenant_a])
    events = [learner_active(tenant_a) for _ in range(16)]
    for envelope in events:
        publish(platform, envelope)
    ids = {e["event_id"] for e in events}
    eventually(lambda: ids <= set(fast.event_ids()), timeout=30)
    assert not ids <= set(slow.event_ids())  # the slow one is still working through its queue
    eventually(lambda: ids <= set(slow.event_ids()), timeout=60)


def test_a_burst_with_a_malformed_event_is_relayed_once_each_and_the_malformed_dead_lettered(
        operator, platform, two_tenants, receivers):
    """The relay consumes in batches: 150 events published at once reach the webhook once
    each; a malformed one among them goes to dead-letter.integrations and holds back nothing."""
    tenant_a = two_tenants[0]["tenant_id"]
    receiver = receivers()
    webhook(operator, receiver.url, [tenant_a])

    def dead_letters():
        with Connection(platform.env["AMQP_URI"]) as conn:
            return conn.channel().queue_declare(queue="dead-letter.integrations", passive=True).message_count
    before = dead_letters()
    events = [learner_active(tenant_a) for _ in range(150)]
    malformed = dict(learner_active(tenant_a), payload={"unit_id": None})  # no learner, no day
    for envelope in events[:75] + [malformed] + events[75:]:
        publish(platform, envelope)
    eventually(lambda: len(set(receiver.event_ids())) == len(events), timeout=120)
    assert sorted(receiver.event_ids()) == sorted(e["event_id"] for e in events)  # once each
    assert eventually(lambda: dead_letters() == before + 1)
