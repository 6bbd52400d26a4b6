"""Agency accounts on the broker, through the RabbitMQ management HTTP API.

Each AMQP subscriber gets a broker user ``agency-<id>`` on the platform's vhost with:
- vhost permissions: configure/write/read on queues named ``agency-<id>.*`` and read on the
  ``integration.events`` exchange (nothing else: no publishing, no other exchange or queue);
- a topic permission on ``integration.events`` whose read regex lists exactly its tenants x
  event types, so binding to another tenant's keys is refused (ACCESS_REFUSED);
- a durable queue ``agency-<id>.events`` created and bound by the platform at registration,
  so events published before the agency first connects are kept.
- limits: at most AGENCY_USER_LIMITS connections and channels for the user, and the policy
  ``agency-queue-limits`` on every ``agency-*`` queue of the vhost (length, bytes; the
  oldest messages are dropped first, so a stalled agency can neither fill the broker's disk
  nor push back on the platform's relay, which would delay every other subscriber).
Revocation deletes the user (RabbitMQ closes its connections), closes any connection left,
and deletes its queues.
"""
import re
import urllib.parse

import requests
from kombu import Connection, Exchange, Queue
from nameko.constants import AMQP_URI_CONFIG_KEY
from nameko.extensions import DependencyProvider

from . import routing

TIMEOUT = 10
AGENCY_USER_LIMITS = {"max-connections": 3, "max-channels": 12}
AGENCY_QUEUE_POLICY = "agency-queue-limits"
AGENCY_QUEUE_LIMITS = {"max-length": 1_000_000, "max-length-bytes": 1024 ** 3, "overflow": "drop-head"}


class BrokerAdmin:
    def __init__(self, management_uri, amqp_uri):
        mgmt = urllib.parse.urlsplit(management_uri)
        self.api = f"{mgmt.scheme}://{mgmt.hostname}:{mgmt.port or 15672}/api"
        self.auth = (urllib.parse.unquote(mgmt.username or "guest"),
                     urllib.parse.unquote(mgmt.password or "guest"))
        self.amqp_uri = amqp_uri
        self.vhost = urllib.parse.unquote(urllib.parse.urlsplit(amqp_uri).path[1:]) or "/"

    def _url(self, *parts):
        return "/".join([self.api] + [urllib.parse.quote(p, safe="") for p in parts])

    def _call(self, method, *parts, ok=(200, 201, 204), **kwargs):
        response = requests.request(method, self._url(*parts), auth=self.auth, timeout=TIMEOUT, **kwargs)
        if response.status_code not in ok:
            raise RuntimeError(f"broker management {method} {'/'.join(parts)}: "
                               f"{response.status_code} {response.text[:200]}")
        return response.json() if response.content and "json" in response.headers.get("content-type", "") else None

    def create_agency(self, subscriber_id, password, tenants, event_types):
        user = routing.agency_user(subscriber_id)
        self._call("PUT", "users", user, json={"password": password, "tags": ""})
        self._call("PUT", "permissions", self.vhost, user, json=routing.agency_permissions(subscriber_id))
        self._call("PUT", "topic-permissions", self.vhost, user, json={
            "exchange": routing.EXCHANGE, "write": "^$",
            "read": routing.topic_read_pattern(tenants, event_types)})
        for limit, value in AGENCY_USER_LIMITS.items():
            self._call("PUT", "user-limits", user, limit, json={"value": value})
        self._call("PUT", "policies", self.vhost, AGENCY_QUEUE_POLICY, json={
            "pattern": f"^{re.escape(routing.agency_user(''))}", "apply-to": "queues",
            "definition": AGENCY_QUEUE_LIMITS, "priority": 10})
        self._declare_agency_queue(subscriber_id, tenants, event_types)
        return user

    def _declare_agency_queue(self, subscriber_id, tenants, event_types):
        exchange = Exchange(routing.EXCHANGE, type="topic", durable=True)
        with Connection(self.amqp_uri) as conn:
            channel = conn.default_channel
            exchange(channel).declare()
            queue = Queue(routing.agency_queue(subscriber_id), exchange=exchange, durable=True,
                          channel=channel)
            queue.declare()
            for tenant in tenants:
                for event_type in event_types:
                    queue.bind_to(exchange, routing_key=routing.routing_key(event_type, tenant))

    def revoke_agency(self, subscriber_id):
        user = routing.agency_user(subscriber_id)
        self._call("DELETE", "users", user, ok=(200, 204, 404))
        for conn in self._call("GET", "connections", params={"columns": "name,user"}) or []:
            if conn.get("user") == user:
                self._call("DELETE", "connections", conn["name"], ok=(200, 204, 404),
                           headers={"X-Reason": "subscriber revoked"})
        prefix = user + "."
        for queue in self._call("GET", "queues", self.vhost, params={"columns": "name"}) or []:
            if queue["name"].startswith(prefix):
                self._call("DELETE", "queues", self.vhost, queue["name"], ok=(200, 204, 404))


class BrokerAdminProvider(DependencyProvider):
    def setup(self):
        config = self.container.config
        self.admin = BrokerAdmin(config.get("RABBITMQ_MANAGEMENT_URI") or "http://guest:guest@127.0.0.1:15672",
                                 config[AMQP_URI_CONFIG_KEY])

    def get_dependency(self, worker_ctx):
        return self.admin
