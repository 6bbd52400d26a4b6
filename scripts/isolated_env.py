"""A fresh RabbitMQ vhost and database prefix, for test sessions and benchmark runs.

Runs never see each other's (or `make run`'s) messages and data; everything is removed
afterwards unless KEEP_TEST_DATA is set.
"""
import contextlib
import os
import secrets
import socket
import tempfile
import urllib.parse

import pymongo
import requests

from broker_users import BrokerUsers
from mooc_common.infra.principals import PRINCIPALS
from platformctl import SERVICES, Platform, broker_uri_variable, platform_keys


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Broker:
    """Creates and deletes vhosts through the RabbitMQ management API."""

    def __init__(self, infra):
        mgmt = urllib.parse.urlparse(infra["RABBITMQ_MANAGEMENT_URI"])
        self.api = f"{mgmt.scheme}://{mgmt.hostname}:{mgmt.port}/api"
        self.auth = (mgmt.username or "guest", mgmt.password or "guest")
        self.amqp = urllib.parse.urlparse(infra["AMQP_URI"])

    def create_vhost(self, vhost):
        requests.put(f"{self.api}/vhosts/{vhost}", auth=self.auth, timeout=10).raise_for_status()
        requests.put(f"{self.api}/permissions/{vhost}/{self.amqp.username or 'guest'}", auth=self.auth,
                     timeout=10, json={"configure": ".*", "write": ".*", "read": ".*"}).raise_for_status()
        return self.amqp._replace(path="/" + vhost).geturl()

    def delete_vhost(self, vhost):
        requests.delete(f"{self.api}/vhosts/{vhost}", auth=self.auth, timeout=10)


@contextlib.contextmanager
def isolated_env(infra, label, **overrides):
    run_id = secrets.token_hex(4)
    vhost, prefix = f"mooc-{label}-{run_id}", f"t{run_id}_"
    broker = Broker(infra)
    users = BrokerUsers(infra["RABBITMQ_MANAGEMENT_URI"], infra["AMQP_URI"])
    admin_uri = broker.create_vhost(vhost)
    try:
        # each service and the gateway connect as their own broker user (docs/security.md); the
        # tests' own clients keep the vhost's administrator (AMQP_URI)
        uris = users.provision(vhost, f"{vhost}-", {name: secrets.token_urlsafe(18) for name in PRINCIPALS})
        env = dict(os.environ, AMQP_URI=admin_uri, MONGO_URI=infra["MONGO_URI"],
                   MONGO_DB_PREFIX=prefix, RABBITMQ_MANAGEMENT_URI=infra["RABBITMQ_MANAGEMENT_URI"],
                   JWT_SECRET=secrets.token_urlsafe(48), OPERATOR_USERNAME="operator",
                   OPERATOR_PASSWORD=secrets.token_urlsafe(16),
                   **{broker_uri_variable(name): uri for name, uri in uris.items()},
                   **platform_keys(), **overrides)
        yield env
    finally:
        if os.environ.get("KEEP_TEST_DATA"):
            print(f"\nkept vhost {vhost}, its users {vhost}-* and databases {prefix}*")
        else:
            users.remove(f"{vhost}-")
            broker.delete_vhost(vhost)
            client = pymongo.MongoClient(infra["MONGO_URI"])
            for name in client.list_database_names():
                if name.startswith(prefix):
                    client.drop_database(name)


@contextlib.contextmanager
def started_platform(env, log_dir, timeout=120, services=SERVICES, supervised=False):
    """The services (all, or a subset), the gateway and the local SMTP server (mail in
    ``<run dir>/mail``) started with ``env`` on free ports (under the supervisor if
    ``supervised``); stopped afterwards (also when they fail to start)."""
    with tempfile.TemporaryDirectory() as run_dir:
        plat = Platform(env, run_dir, log_dir, gateway_port=free_port(),
                        health_ports={s: free_port() for s in SERVICES}, services=services,
                        smtp_port=free_port(), mail_dir=os.path.join(run_dir, "mail"))
        try:
            plat.start(timeout=timeout, supervised=supervised)
            yield plat
        finally:
            plat.stop()
