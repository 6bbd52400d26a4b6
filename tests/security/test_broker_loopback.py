"""The local RabbitMQ that scripts/infra.py starts listens on loopback only: AMQP, management,
Erlang distribution and epmd. Checked on the generated configuration (the shared broker of
a test run is not restarted to test it)."""
import re

import infra


def test_every_listener_of_the_local_broker_is_loopback():
    conf = dict(line.split(" = ", 1) for line in infra.rabbitmq_conf().splitlines() if line.strip())
    assert conf["listeners.tcp.default"].startswith("127.0.0.1:")
    assert conf["management.tcp.ip"] == "127.0.0.1"
    assert conf["distribution.listener.interface"] == "127.0.0.1"
    assert conf["loopback_users.guest"] == "true"


def test_epmd_and_the_node_bind_loopback():
    env = infra.rabbit_env()
    assert env["ERL_EPMD_ADDRESS"] == "127.0.0.1" and env["RABBITMQ_NODE_IP_ADDRESS"] == "127.0.0.1"
    assert re.fullmatch(r"\w+@localhost", env["RABBITMQ_NODENAME"])
