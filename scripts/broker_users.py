"""One RabbitMQ user per principal (each service and the gateway), least privilege.

Permissions come from ``mooc_common.infra.principals`` (configure/write/read regexes on the
vhost, topic permissions on the RPC exchange); the same registration feeds the Kubernetes
bootstrap (deploy/k8s/base/rabbitmq/principals.json). Used by ``platformctl`` for ``make run``
(users ``mooc-<name>`` on the local vhost, passwords in var/secrets.env) and by
``isolated_env`` for each test run (users ``<vhost>-<name>``, deleted with the vhost).
"""
import json
import sys
import urllib.parse
from pathlib import Path

import requests

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from mooc_common.infra.principals import PRINCIPALS  # noqa: E402


def broker_password_variable(name):
    return f"BROKER_PASSWORD_{name.upper()}"


def _q(value):
    return urllib.parse.quote(value, safe="")


class BrokerUsers:
    def __init__(self, management_uri, amqp_uri):
        mgmt = urllib.parse.urlparse(management_uri)
        self.api = f"{mgmt.scheme}://{mgmt.hostname}:{mgmt.port}/api"
        self.auth = (mgmt.username or "guest", mgmt.password or "guest")
        self.amqp = urllib.parse.urlparse(amqp_uri)

    def _put(self, path, body):
        requests.put(f"{self.api}/{path}", auth=self.auth, timeout=10, json=body).raise_for_status()

    def provision(self, vhost, user_prefix, passwords):
        """Creates (or updates) the users and their permissions on ``vhost``; ``passwords``:
        {principal: password}. Returns {principal: its AMQP URI}."""
        uris = {}
        for name, principal in PRINCIPALS.items():
            user = f"{user_prefix}{name}"
            permissions = principal.broker_permissions()
            topic = permissions.pop("topic")
            self._put(f"users/{_q(user)}", {"password": passwords[name], "tags": ""})
            self._put(f"permissions/{_q(vhost)}/{_q(user)}", permissions)
            self._put(f"topic-permissions/{_q(vhost)}/{_q(user)}", topic)
            netloc = f"{_q(user)}:{_q(passwords[name])}@{self.amqp.hostname}:{self.amqp.port or 5672}"
            uris[name] = self.amqp._replace(netloc=netloc, path="/" + _q(vhost)).geturl()
        return uris

    def remove(self, user_prefix):
        for name in PRINCIPALS:
            requests.delete(f"{self.api}/users/{_q(user_prefix + name)}", auth=self.auth, timeout=10)


def kubernetes_principals():
    """What the Kubernetes broker bootstrap applies (deploy/k8s/base/rabbitmq/principals.json)."""
    return {name: p.broker_permissions() for name, p in PRINCIPALS.items()}


if __name__ == "__main__":  # regenerates the bootstrap's copy: python scripts/broker_users.py > …/principals.json
    print(json.dumps(kubernetes_principals(), indent=1, sort_keys=True))
