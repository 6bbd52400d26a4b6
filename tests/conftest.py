"""Fixtures over the real broker and store (started by `make test` through scripts/infra.py).

Every test session gets its own RabbitMQ vhost and database prefix, so test runs never see
each other's (or `make run`'s) messages and data, and its own free ports.
"""
import os
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "scripts"))

from api_client import ApiClient  # noqa: E402
from isolated_env import isolated_env, started_platform  # noqa: E402
from platformctl import read_env_file  # noqa: E402


# Short retry delays and backoffs so that retry, dead-letter and webhook tests finish quickly.
TEST_SETTINGS = {"EVENT_RETRY_DELAY_MS": "200", "EVENT_MAX_ATTEMPTS": "3",
              # Webhook tests post to a receiver on loopback, with short backoffs.
              "WEBHOOK_ALLOW_LOOPBACK_HTTP": "1", "WEBHOOK_BACKOFF_BASE_MS": "200",
              "WEBHOOK_BACKOFF_MAX_MS": "2000", "WEBHOOK_MAX_ATTEMPTS": "6", "WEBHOOK_TIMEOUT_SECONDS": "2",
              # Mail: a known rate to check against, short backoffs, an operator who gets summaries.
              "MAIL_RATE_PER_SECOND": "100", "MAIL_BACKOFF_BASE_SECONDS": "0.5", "MAIL_BACKOFF_MAX_SECONDS": "2",
              "MAIL_OUTAGE_BACKOFF_MAX_SECONDS": "2", "MAIL_MAX_ATTEMPTS": "4",
              "OPERATOR_EMAIL": "operator@mooc.test",
              # The tests are their own proxy: X-Forwarded-For picks the client address (sign-in limits).
              "TRUSTED_PROXIES": "127.0.0.1/32",
              # xAPI forwarding to a Ralph LRS on loopback (tests/e2e/test_xapi_forwarding.py).
              "LRS_BACKOFF_BASE_MS": "200", "LRS_BACKOFF_MAX_MS": "2000", "LRS_MAX_ATTEMPTS": "30",
              "LRS_TIMEOUT_SECONDS": "5"}


@pytest.fixture(scope="session")
def infra():
    values = read_env_file(ROOT / "var" / "infra.env")
    values.update({k: os.environ[k] for k in ("AMQP_URI", "MONGO_URI", "RABBITMQ_MANAGEMENT_URI")
                   if os.environ.get(k)})
    if "AMQP_URI" not in values:
        pytest.fail("No broker/store configured: run the tests with 'make test'.")
    return values


@pytest.fixture(scope="session")
def test_env(infra):
    """The environment of the platform under test."""
    with isolated_env(infra, "test-platform", **TEST_SETTINGS) as env:
        yield env


@pytest.fixture(scope="session")
def probe_env(infra):
    """A separate environment for in-process integration tests (no platform listening)."""
    with isolated_env(infra, "test-probe", **TEST_SETTINGS) as env:
        yield env


@pytest.fixture(scope="session")
def platform(test_env):
    """The services and the gateway, started as `make run` starts them."""
    with started_platform(test_env, ROOT / "var" / "log" / "test") as plat:
        yield plat


@pytest.fixture(scope="session")
def operator(platform):
    return ApiClient(platform.base_url).signed_in(platform.env["OPERATOR_USERNAME"],
                                                  platform.env["OPERATOR_PASSWORD"])


@pytest.fixture
def anonymous(platform):
    return ApiClient(platform.base_url)
