"""AMQP subscriptions against the real broker: an agency's broker user sees only its tenants.

The agency side is a plain AMQP 0-9-1 client (py-amqp), as an agency would use.
"""
import json
import urllib.parse

import amqp
import pytest

from tests.e2e.integrations_fixtures import SUBSCRIBERS, learner_active, publish, two_tenants  # noqa: F401
from tests.polling import eventually

pytestmark = pytest.mark.e2e

TYPE = "progress.learner.active.v1"


def agency_connection(platform, credentials):
    broker = urllib.parse.urlsplit(platform.env["AMQP_URI"])
    conn = amqp.Connection(f"{broker.hostname}:{broker.port or 5672}", userid=credentials["username"],
                           password=credentials["password"], virtual_host=credentials["vhost"],
                           connect_timeout=5)
    conn.connect()
    return conn


def drain(channel, queue, expect, timeout=20):
    """Get messages from ``queue`` until ``expect(messages)`` holds."""
    got = []

    def check():
        while (message := channel.basic_get(queue, no_ack=True)) is not None:
            got.append(message)
        return expect(got)
    eventually(check, timeout=timeout)
    return got


def test_agency_receives_its_tenant_only_cannot_bind_others_and_is_cut_off_when_revoked(
        operator, platform, two_tenants):
    tenant_a, tenant_b = (t["tenant_id"] for t in two_tenants)
    sub = operator.post(SUBSCRIBERS, {"name": "Cục Thống kê — hệ thống HR", "kind": "amqp",
                                      "tenants": [tenant_a], "event_types": [TYPE]})
    creds = sub["credentials"]
    assert sub["name"] == "Cục Thống kê — hệ thống HR"
    assert creds["queue"] == f"agency-{sub['subscriber_id']}.events"

    conn = agency_connection(platform, creds)
    channel = conn.channel()
    mine, theirs = learner_active(tenant_a), learner_active(tenant_b)
    publish(platform, theirs)
    publish(platform, mine)
    messages = drain(channel, creds["queue"], lambda got: any(
        json.loads(m.body)["event_id"] == mine["event_id"] for m in got))
    received = [json.loads(m.body) for m in messages]
    assert {e["tenant_id"] for e in received} == {tenant_a}
    assert messages[0].delivery_info["routing_key"] == f"{tenant_a}.{TYPE}"
    assert received[0]["payload"] == mine["payload"]

    # Its own extra queue may be bound to its own keys...
    own = f"agency-{sub['subscriber_id']}.probe"
    channel.queue_declare(own, durable=False, auto_delete=True)
    channel.queue_bind(own, "integration.events", f"{tenant_a}.{TYPE}")
    # ...but never to another tenant's keys, nor with wildcards across tenants.
    for forbidden in (f"{tenant_b}.{TYPE}", "#", f"*.{TYPE}", f"{tenant_a}.#"):
        refused_channel = conn.channel()
        with pytest.raises(amqp.exceptions.AccessRefused):
            refused_channel.queue_bind(own, "integration.events", forbidden)
    # It cannot publish on the integration exchange, nor declare queues outside its prefix.
    with pytest.raises(amqp.exceptions.AccessRefused):
        conn.channel().queue_declare("someone-else.q", auto_delete=True)

    revoked = operator.request("DELETE", f"{SUBSCRIBERS}/{sub['subscriber_id']}")
    assert revoked["status"] == "revoked"

    def cut_off():
        try:
            conn.drain_events(timeout=0.2)
        except TimeoutError:
            return False
        except (amqp.exceptions.ConnectionError, OSError, amqp.exceptions.ConnectionForced):
            return True
        return False
    eventually(cut_off, timeout=15)
    with pytest.raises((amqp.exceptions.AccessRefused, amqp.exceptions.ConnectionError, OSError)):
        agency_connection(platform, creds)
