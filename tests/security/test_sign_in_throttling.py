"""Item 4: sign-in throttling per account, per client address and in all, with progressive
delays; a client that signed in before is not locked out by others' failures; attempts are
counted atomically (inserted before they are checked); the client address comes from
X-Forwarded-For only behind a configured trusted proxy."""
import concurrent.futures
import datetime as dt
import ipaddress
import uuid
from types import SimpleNamespace

import pytest
import requests

from gateway.client_address import client_address, parse_networks
from services.accounts import domain
from services.accounts.sign_in_throttle import SignInThrottle
from tests.e2e.accounts_fixtures import API, make_user, new_tenant

T0 = dt.datetime(2026, 12, 1, 9, tzinfo=dt.timezone.utc)


class FakeStore:
    """The throttle's part of AccountsStore, in memory."""

    def __init__(self):
        self.failures, self.known = {}, {}

    def record_failed_sign_in(self, username, client, at):
        attempt_id = uuid.uuid4().hex
        self.failures[attempt_id] = (username, client, at)
        return attempt_id

    def forget_sign_in_attempt(self, attempt_id):
        self.failures.pop(attempt_id, None)

    def failed_sign_ins(self, username, since):
        return [(i, c, at) for i, (u, c, at) in self.failures.items() if u == username and at > since]

    def client_failures(self, client, since):
        return [(i, at) for i, (_, c, at) in self.failures.items() if c == client and at > since]

    def global_failures(self, since, limit):
        times = [at for _, _, at in self.failures.values() if at > since][:limit]
        return len(times), min(times, default=None)

    def known_client(self, username, client, since):
        at = self.known.get((username, client))
        return at if at and at > since else None

    def remember_client(self, username, client, at):
        self.known[(username, client)] = at


def fail(throttle, username, client, at):
    attempt_id, wait = throttle.attempt(username, client, at)
    if wait:
        throttle.refused(attempt_id)
    return wait


def test_delays_grow_and_a_known_client_is_not_locked_out_by_others():
    throttle, attacker = SignInThrottle(FakeStore()), "203.0.113.9"
    attempt_id, _ = throttle.attempt("operator", "10.0.0.1", T0)
    throttle.succeeded(attempt_id, "operator", "10.0.0.1", T0)
    at = lambda seconds: T0 + dt.timedelta(seconds=seconds)  # noqa: E731
    assert [fail(throttle, "operator", attacker, at(s)) for s in range(1, 6)] == [0] * 5
    assert fail(throttle, "operator", attacker, at(6)) == 29  # 30 s after the fifth failure
    assert fail(throttle, "operator", attacker, at(35)) == 0  # the sixth guess, half a minute later
    assert fail(throttle, "operator", attacker, at(36)) == 59  # then the delay doubles
    assert throttle.attempt("operator", "10.0.0.1", at(36))[1] == 0  # the operator's usual client
    assert throttle.attempt("operator", "198.51.100.3", at(36))[1] > 0  # another unknown client


def test_one_client_spraying_many_accounts_is_slowed_down():
    throttle = SignInThrottle(FakeStore(), client_free=20)
    waits = [fail(throttle, f"user{i}", "203.0.113.9", T0 + dt.timedelta(seconds=i)) for i in range(22)]
    assert waits[:20] == [0] * 20 and waits[20] > 0
    assert fail(throttle, "user99", "198.51.100.1", T0 + dt.timedelta(seconds=30)) == 0


def test_a_global_wave_slows_unknown_clients_only():
    throttle = SignInThrottle(FakeStore(), global_max=10)
    attempt_id, _ = throttle.attempt("an.nguyen", "10.0.0.1", T0)
    throttle.succeeded(attempt_id, "an.nguyen", "10.0.0.1", T0)
    for i in range(10):
        fail(throttle, f"user{i}", f"203.0.113.{i}", T0 + dt.timedelta(seconds=i))
    assert throttle.attempt("new.user", "198.51.100.1", T0 + dt.timedelta(seconds=20))[1] > 0
    assert throttle.attempt("an.nguyen", "10.0.0.1", T0 + dt.timedelta(seconds=20))[1] == 0


def request(remote, forwarded=None):
    return SimpleNamespace(remote_addr=remote, get_header=lambda name: forwarded)


def test_forwarded_for_is_believed_only_from_trusted_proxies():
    proxies = parse_networks("10.0.0.0/8, 192.0.2.1")
    assert client_address(request("203.0.113.5", "1.2.3.4"), proxies) == "203.0.113.5"
    assert client_address(request("10.1.1.1", "1.2.3.4, 198.51.100.7"), proxies) == "198.51.100.7"
    assert client_address(request("10.1.1.1", "198.51.100.7, 192.0.2.1"), proxies) == "198.51.100.7"
    assert client_address(request("10.1.1.1", "not-an-ip"), proxies) == "10.1.1.1"
    assert client_address(request("10.1.1.1", None), proxies) == "10.1.1.1"
    assert client_address(request("10.1.1.1", "1.2.3.4"), ()) == "10.1.1.1"
    assert isinstance(proxies[0], ipaddress.IPv4Network)


def sign_in(platform, username, password, client):
    return requests.post(f"{platform.base_url}{API}/auth/token", json={"username": username, "password": password},
                         headers={"X-Forwarded-For": client}, timeout=30)


@pytest.mark.e2e
def test_an_attacker_cannot_lock_the_operator_out(platform, operator):
    tenant = new_tenant(operator)
    _, body = make_user(operator, tenant["tenant_id"], "tenant_admin")
    user, password = body["username"], body["password"]
    assert sign_in(platform, user, password, "198.51.100.20").status_code == 200  # the admin's usual address
    statuses = [sign_in(platform, user, "wrong-password-1", "203.0.113.66").status_code for _ in range(7)]
    assert statuses[:5] == [401] * 5 and statuses[5:] == [429, 429]
    assert sign_in(platform, user, password, "203.0.113.66").status_code == 429  # unknown client waits
    assert sign_in(platform, user, password, "198.51.100.20").status_code == 200  # the admin does not


@pytest.mark.e2e
def test_concurrent_guesses_are_all_counted(platform, operator):
    tenant = new_tenant(operator)
    _, body = make_user(operator, tenant["tenant_id"], "instructor")
    with concurrent.futures.ThreadPoolExecutor(12) as pool:
        statuses = list(pool.map(lambda i: sign_in(platform, body["username"], f"guess-{i}-password",
                                                   "203.0.113.77").status_code, range(12)))
    assert statuses.count(401) <= domain.MAX_FAILED_SIGN_INS and statuses.count(429) >= 12 - domain.MAX_FAILED_SIGN_INS
