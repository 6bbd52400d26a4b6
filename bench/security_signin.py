#!/usr/bin/env python3
"""Security evidence of docs/security.md (items 5 and 6), printed as numbers.

Starts its own platform (own vhost, databases and ports), then measures:
- enumeration: sign-in time of an unknown username vs a known username with a wrong password
  (median of N each);
- hashing on the hub: the median latency of a cheap accounts call (GET /tenants/{id}) alone,
  and while THREADS clients sign in as fast as they can (each from its own address, right
  password), with the sign-in rate reached.
Run: .venv/bin/python bench/security_signin.py [--seconds 15]
"""
import argparse
import concurrent.futures
import os
import secrets
import statistics
import sys
import threading
import time
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT / "scripts")]

from api_client import ApiClient  # noqa: E402
from isolated_env import isolated_env, started_platform  # noqa: E402
from platformctl import read_env_file  # noqa: E402

API = "/api/v1"


def timed(call):
    started = time.perf_counter()
    call()
    return (time.perf_counter() - started) * 1000


def sign_in(base, username, password, client):
    return requests.post(f"{base}{API}/auth/token", json={"username": username, "password": password},
                         headers={"X-Forwarded-For": client}, timeout=30)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--samples", type=int, default=30)
    parser.add_argument("--seconds", type=float, default=15)
    parser.add_argument("--threads", type=int, default=8)
    args = parser.parse_args()
    infra = read_env_file(ROOT / "var" / "infra.env")
    infra.update({k: os.environ[k] for k in ("AMQP_URI", "MONGO_URI", "RABBITMQ_MANAGEMENT_URI") if os.environ.get(k)})
    with isolated_env(infra, "bench-security", TRUSTED_PROXIES="127.0.0.1/32") as env, \
            started_platform(env, ROOT / "var" / "log" / "bench-security") as platform:
        base = platform.base_url
        operator = ApiClient(base).signed_in(env["OPERATOR_USERNAME"], env["OPERATOR_PASSWORD"])
        tenant_id, users = tenant_with_users(operator, args.threads + args.samples)
        enumeration(base, users[args.threads:], args.samples)
        hashing_on_the_hub(base, operator, f"{API}/tenants/{tenant_id}", users, args)


def tenant_with_users(operator, count):
    """A tenant and ``count`` instructors in it; (tenant id, [(username, password)])."""
    tenant = operator.post(f"{API}/tenants", {
        "code": "B" + secrets.token_hex(3).upper(), "name": "Sở Nội vụ", "kind": "province",
        "focal_contact": {"full_name": "Trần Thị Hà", "mobile": "0912345678", "email": "ha@example.vn"}})
    users = []
    for i in range(count):
        username, password = f"bench.{i}.{secrets.token_hex(3)}", "Mk" + secrets.token_urlsafe(12) + "7"
        operator.post(f"{API}/tenants/{tenant['tenant_id']}/users", {
            "username": username, "full_name": "Nguyễn Văn An", "email": f"{username}@example.vn",
            "role": "instructor", "password": password})
        users.append((username, password))
    return tenant["tenant_id"], users


def enumeration(base, users, samples):
    """One wrong password per known account (no throttling in the way), the two kinds
    interleaved so that the machine's load weighs on both alike."""
    known, unknown = [], []
    for i in range(samples):
        known.append(timed(lambda: sign_in(base, users[i][0], "Wrong password 42", f"198.51.100.{i % 250}")))
        unknown.append(timed(lambda: sign_in(base, f"nobody.{i}.{secrets.token_hex(3)}", "Wrong password 42",
                                             f"198.51.101.{i % 250}")))
    print(f"enumeration: known user, wrong password median {statistics.median(known):.1f} ms; "
          f"unknown user median {statistics.median(unknown):.1f} ms ({samples} each)")


def hashing_on_the_hub(base, operator, path, users, args):
    """A cheap accounts call's latency alone, then while ``args.threads`` clients sign in."""
    idle = [timed(lambda: operator.get(path)) for _ in range(args.samples)]
    stop, signins, busy = threading.Event(), [0], []

    def signer(i):
        username, password = users[i + 1]
        while not stop.is_set():
            if sign_in(base, username, password, f"203.0.113.{i}").status_code == 200:
                signins[0] += 1

    with concurrent.futures.ThreadPoolExecutor(args.threads) as pool:
        for i in range(args.threads):
            pool.submit(signer, i)
        started = time.monotonic()
        while time.monotonic() - started < args.seconds:
            busy.append(timed(lambda: operator.get(path)))
        stop.set()
    rate = signins[0] / (time.monotonic() - started)
    print(f"other accounts calls: idle median {statistics.median(idle):.1f} ms; during {rate:.1f} "
          f"sign-ins/s ({args.threads} clients) median {statistics.median(busy):.1f} ms, "
          f"p90 {statistics.quantiles(busy, n=10)[-1]:.1f} ms ({len(busy)} calls)")


if __name__ == "__main__":
    main()
