"""Names on the integration exchange: routing keys and the per-agency broker grants.

Routing key = ``<tenant>.<event type>``, e.g. ``8f14...2543.progress.course.completed.v1``;
``<tenant>`` is the tenant id (stable, unlike names), or ``platform`` for events without a
tenant (national courses, operator actions). Tenant ids are hex, so they never contain the
topic wildcards ``*``/``#`` nor a dot: the first word of a key always names its tenant.
"""
import re

EXCHANGE = "integration.events"
PLATFORM_KEY = "platform"


def tenant_key(tenant_id):
    return tenant_id or PLATFORM_KEY


def routing_key(event_type, tenant_id):
    return f"{tenant_key(tenant_id)}.{event_type}"


def agency_user(subscriber_id):
    return f"agency-{subscriber_id}"


def agency_queue(subscriber_id):
    """The durable queue the platform creates (and binds) for an agency at registration."""
    return f"{agency_user(subscriber_id)}.events"


def _alternatives(values):
    return "(" + "|".join(re.escape(v) for v in sorted(values)) + ")"


def topic_read_pattern(tenants, event_types):
    """Binding keys an agency may use on EXCHANGE: exactly its tenants x its event types.

    RabbitMQ matches the *binding key* against this regex when the agency binds a queue, so
    wildcards across tenants (``#``, ``*.progress...``) are refused with ACCESS_REFUSED.
    """
    return f"^{_alternatives(tenants)}\\.{_alternatives(event_types)}$"


def agency_permissions(subscriber_id):
    """vhost permissions: its own queues (configure/write/read) and reading EXCHANGE."""
    own = f"^{re.escape(agency_user(subscriber_id))}\\..*"
    return {"configure": own + "$", "write": own + "$",
            "read": f"({own}|^{re.escape(EXCHANGE)})$"}
