"""Idempotent broker bootstrap through the management HTTP API (Python standard library only).

Creates the application vhost (default queue type: quorum) and one user per principal (each
service and the gateway, ``mooc-<name>``) with the least privilege of
``principals.json`` (generated from mooc_common/infra/principals.py by
``python scripts/broker_users.py``): configure/write/read regexes on that vhost only, and
topic permissions on the RPC exchange. (Re)sets each password from the Secret
(``RABBITMQ_PASSWORD_<NAME>``), so the same Job also rotates them. Safe to run any number of
times.
"""
import base64
import json
import os
import sys
import time
import urllib.error
import urllib.parse
import urllib.request

BASE = os.environ.get("RABBITMQ_MANAGEMENT_URL", "http://rabbitmq:15672")
ADMIN = (os.environ["RABBITMQ_ADMIN_USERNAME"], os.environ["RABBITMQ_ADMIN_PASSWORD"])
VHOST = os.environ["AMQP_VHOST"]
PRINCIPALS = os.environ.get("PRINCIPALS_FILE", "/scripts/principals.json")
EXPECTED_NODES = int(os.environ.get("RABBITMQ_EXPECTED_NODES", "3"))
DEADLINE = time.monotonic() + int(os.environ.get("BOOTSTRAP_TIMEOUT_SECONDS", "900"))


def call(method, path, body=None):
    data = None if body is None else json.dumps(body).encode()
    req = urllib.request.Request(BASE + path, data=data, method=method)
    token = base64.b64encode(f"{ADMIN[0]}:{ADMIN[1]}".encode()).decode()
    req.add_header("Authorization", f"Basic {token}")
    req.add_header("Content-Type", "application/json")
    with urllib.request.urlopen(req, timeout=10) as resp:
        raw = resp.read()
        return json.loads(raw) if raw else None


def wait_for_cluster():
    while True:
        try:
            nodes = call("GET", "/api/nodes")
            running = [n["name"] for n in nodes if n.get("running")]
            if len(running) >= EXPECTED_NODES:
                print(f"cluster up: {running}", flush=True)
                return
            print(f"waiting: {len(running)}/{EXPECTED_NODES} nodes running", flush=True)
        except (urllib.error.URLError, OSError, ValueError) as exc:
            print(f"waiting for the management API: {exc}", flush=True)
        if time.monotonic() > DEADLINE:
            sys.exit("timed out waiting for the RabbitMQ cluster")
        time.sleep(5)


def main():
    wait_for_cluster()
    vhost = urllib.parse.quote(VHOST, safe="")
    call("PUT", f"/api/vhosts/{vhost}",
         {"description": "mooc platform", "default_queue_type": "quorum"})
    with open(PRINCIPALS) as f:
        principals = json.load(f)
    for name, permissions in sorted(principals.items()):
        user = urllib.parse.quote(f"mooc-{name}", safe="")
        password = os.environ[f"RABBITMQ_PASSWORD_{name.upper()}"]
        call("PUT", f"/api/users/{user}", {"password": password, "tags": ""})
        call("PUT", f"/api/permissions/{vhost}/{user}",
             {k: permissions[k] for k in ("configure", "write", "read")})
        call("PUT", f"/api/topic-permissions/{vhost}/{user}", permissions["topic"])
    print(f"vhost {VHOST!r} and users {sorted(principals)} are in place", flush=True)


if __name__ == "__main__":
    main()
