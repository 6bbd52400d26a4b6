"""Fixtures over the real broker and store (started by `make test` through scripts/infra.py).

Every test session gets its own RabbitMQ vhost and database prefix, so test runs never see
each other's (or `make run`'s) messages and data, and its own free ports.
"""
import contextlib
import os
import secrets
import socket
import sys
import urllib.parse
from pathlib import Path

import pymongo
import pytest
import requests

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "scripts"))

from api_client import ApiClient  # noqa: E402
from platformctl import SERVICES, Platform, read_env_file  # noqa: E402


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="session")
def infra():
    values = read_env_file(ROOT / "var" / "infra.env")
    values.update({k: os.environ[k] for k in ("AMQP_URI", "MONGO_URI", "RABBITMQ_MANAGEMENT_URI")
                   if os.environ.get(k)})
    if "AMQP_URI" not in values:
        pytest.fail("No broker/store configured: run the tests with 'make test'.")
    return values


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
def isolated_env(infra, label):
    """A fresh vhost and database prefix; removed afterwards (unless KEEP_TEST_DATA is set)."""
    run_id = secrets.token_hex(4)
    vhost, prefix = f"mooc-test-{label}-{run_id}", f"t{run_id}_"
    broker = Broker(infra)
    env = dict(os.environ, AMQP_URI=broker.create_vhost(vhost), MONGO_URI=infra["MONGO_URI"],
               MONGO_DB_PREFIX=prefix, RABBITMQ_MANAGEMENT_URI=infra["RABBITMQ_MANAGEMENT_URI"],
               JWT_SECRET=secrets.token_urlsafe(48), OPERATOR_USERNAME="operator",
               OPERATOR_PASSWORD=secrets.token_urlsafe(16), EVENT_RETRY_DELAY_MS="200",
               EVENT_MAX_ATTEMPTS="3",
               # Webhook tests post to a receiver on loopback, with short backoffs.
               WEBHOOK_ALLOW_LOOPBACK_HTTP="1", WEBHOOK_BACKOFF_BASE_MS="200",
               WEBHOOK_BACKOFF_MAX_MS="2000", WEBHOOK_MAX_ATTEMPTS="6", WEBHOOK_TIMEOUT_SECONDS="2")
    yield env
    if os.environ.get("KEEP_TEST_DATA"):
        print(f"\nkept vhost {vhost} and databases {prefix}*")
        return
    broker.delete_vhost(vhost)
    client = pymongo.MongoClient(infra["MONGO_URI"])
    for name in client.list_database_names():
        if name.startswith(prefix):
            client.drop_database(name)


@pytest.fixture(scope="session")
def test_env(infra):
    """The environment of the platform under test."""
    with isolated_env(infra, "platform") as env:
        yield env


@pytest.fixture(scope="session")
def probe_env(infra):
    """A separate environment for in-process integration tests (no platform listening)."""
    with isolated_env(infra, "probe") as env:
        yield env


@pytest.fixture(scope="session")
def platform(test_env, tmp_path_factory):
    """The four services and the gateway, started as `make run` starts them."""
    run_dir = tmp_path_factory.mktemp("run")
    log_dir = ROOT / "var" / "log" / "test"
    plat = Platform(test_env, run_dir, log_dir, gateway_port=free_port(),
                    health_ports={s: free_port() for s in SERVICES})
    try:
        plat.start(timeout=120)
    except Exception:
        plat.stop()
        raise
    yield plat
    plat.stop()


@pytest.fixture(scope="session")
def operator(platform):
    return ApiClient(platform.base_url).signed_in(platform.env["OPERATOR_USERNAME"],
                                                  platform.env["OPERATOR_PASSWORD"])


@pytest.fixture
def anonymous(platform):
    return ApiClient(platform.base_url)
