"""Item 11: an agency's broker user has connection and channel limits, and its queues a
length/bytes policy (oldest dropped first), set when it is registered."""
import amqp
import pytest

from services.integrations import broker_admin
from tests.e2e.integrations_fixtures import SUBSCRIBERS, new_tenant
from tests.e2e.test_integrations_amqp import agency_connection
from tests.polling import eventually

pytestmark = pytest.mark.e2e


def test_an_agency_cannot_open_unlimited_connections_and_its_queues_are_bounded(operator, platform):
    tenant = new_tenant(operator)
    sub = operator.post(SUBSCRIBERS, {"name": "Cục Thống kê", "kind": "amqp", "tenants": [tenant["tenant_id"]],
                                      "event_types": ["progress.learner.active.v1"]})
    creds = sub["credentials"]
    admin = broker_admin.BrokerAdmin(platform.env["RABBITMQ_MANAGEMENT_URI"], platform.env["AMQP_URI"])
    limits = {k: v for entry in admin._call("GET", "user-limits", creds["username"])
              for k, v in entry["value"].items()}
    assert limits == broker_admin.AGENCY_USER_LIMITS
    queue = eventually(lambda: (lambda q: q if q.get("effective_policy_definition") else None)(
        admin._call("GET", "queues", creds["vhost"], creds["queue"])), timeout=15)
    assert queue["policy"] == broker_admin.AGENCY_QUEUE_POLICY
    assert queue["effective_policy_definition"]["max-length"] == broker_admin.AGENCY_QUEUE_LIMITS["max-length"]

    opened = [agency_connection(platform, creds) for _ in range(broker_admin.AGENCY_USER_LIMITS["max-connections"])]
    try:
        with pytest.raises((amqp.exceptions.AMQPError, ConnectionError, OSError)):
            extra = agency_connection(platform, creds)
            extra.channel()  # the broker refuses the connection (or closes it at once)
            extra.close()
    finally:
        for conn in opened:
            conn.close()
