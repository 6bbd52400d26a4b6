"""A broker and a store of the fault suite's own, to kill and restart at will.

The machine's RabbitMQ (5672) and FerretDB (27017) are shared with other work: the suite never
touches them. It starts its own RabbitMQ node (own node name, AMQP and distribution ports,
data under ``var/faults/<run>/rabbitmq``) and its own FerretDB (own port, SQLite files under
``var/faults/<run>/ferretdb``), and kills or restarts only those, by PID. Data survives a
``kill -9``: the node restarts on its own data dir (durable queues, persistent messages) and
FerretDB on its own files, as after a crash in production.
"""
import os
import signal
import socket
import subprocess
import time
from pathlib import Path

import infra


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _answers(port):
    with socket.socket() as sock:
        sock.settimeout(0.5)
        return sock.connect_ex(("127.0.0.1", port)) == 0


class _Process:
    name = "process"

    def __init__(self, base):
        self.base = Path(base)
        self.base.mkdir(parents=True, exist_ok=True)
        self.proc = None
        self.port = free_port()

    def argv(self):
        raise NotImplementedError

    def env(self):
        return dict(os.environ)

    def ready(self):
        return _answers(self.port)

    def start(self, timeout=120):
        log = open(self.base / f"{self.name}.log", "ab")
        self.proc = subprocess.Popen(self.argv(), env=self.env(), cwd=self.base, stdout=log,
                                     stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, start_new_session=True)
        log.close()
        deadline = time.monotonic() + timeout
        while not self.ready():
            if self.proc.poll() is not None:
                raise RuntimeError(f"{self.name} exited: read {self.base / (self.name + '.log')}")
            if time.monotonic() > deadline:
                raise RuntimeError(f"{self.name} did not start within {timeout}s")
            time.sleep(0.2)

    def kill9(self):
        """SIGKILL to the process group (the node and its helpers), as a crash would."""
        if self.proc is not None and self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait()
        self.proc = None

    stop = kill9


class PrivateRabbit(_Process):
    name = "rabbitmq"

    def __init__(self, base):
        super().__init__(base)
        self.dist_port = free_port()
        self.node = f"faults{self.port}@localhost"
        (self.base / "enabled_plugins").write_text("[].\n")
        (self.base / "rabbitmq.conf").write_text(
            f"listeners.tcp.default = 127.0.0.1:{self.port}\nloopback_users.guest = true\n")

    @property
    def uri(self):
        return f"amqp://guest:guest@127.0.0.1:{self.port}/"

    def env(self):
        return dict(os.environ, HOME=str(self.base), RABBITMQ_NODENAME=self.node,
                    RABBITMQ_MNESIA_BASE=str(self.base / "mnesia"), RABBITMQ_LOG_BASE=str(self.base / "log"),
                    RABBITMQ_ENABLED_PLUGINS_FILE=str(self.base / "enabled_plugins"),
                    RABBITMQ_CONFIG_FILE=str(self.base / "rabbitmq"), RABBITMQ_NODE_IP_ADDRESS="127.0.0.1",
                    RABBITMQ_NODE_PORT=str(self.port), RABBITMQ_DIST_PORT=str(self.dist_port),
                    RABBITMQ_PID_FILE=str(self.base / "rabbit.pid"))

    def argv(self):
        infra.ensure_rabbitmq_installed()
        return [str(infra.RABBIT_BIN / "rabbitmq-server")]

    def ready(self):
        return _answers(self.port) and infra.amqp_answers(self.uri)


class PrivateFerret(_Process):
    name = "ferretdb"

    @property
    def uri(self):
        return f"mongodb://127.0.0.1:{self.port}/"

    def argv(self):
        binary = infra.ferretdb_binary()
        return [str(binary), f"--sqlite-url=file:{self.base}/?_pragma=synchronous(normal)",
                f"--listen-addr=127.0.0.1:{self.port}"]  # the wrapper always disables telemetry

    def ready(self):
        return _answers(self.port) and infra.mongo_answers(self.uri)
