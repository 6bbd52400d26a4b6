#!/usr/bin/env python3
"""Brings up (or finds) the broker and the store, and stops what it started.

    python scripts/infra.py up     # ensure RabbitMQ and the store answer; write var/infra.env
    python scripts/infra.py down   # stop only what 'up' started (by PID file)
    python scripts/infra.py status

If AMQP_URI / MONGO_URI point at servers that answer, they are used and nothing is started.
Otherwise RabbitMQ (Debian's rabbitmq-server, installed with apt-get if missing) and FerretDB
v1.24 (built with `go install` of tools/ferretdb, which embeds FerretDB with telemetry
disabled; SQLite files under var/ferretdb) are
started on loopback with their data and logs under var/. Each failure ends with one sentence
saying what to do.
"""
import argparse
import hashlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.parse
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
VAR = ROOT / "var"
RUN, LOG = VAR / "run", VAR / "log"
TOOLS_BIN = VAR / "tools" / "bin"
RABBIT_NODE = "mooc@localhost"
RABBIT_BIN = Path("/usr/lib/rabbitmq/bin")

DEFAULT_AMQP = "amqp://guest:guest@127.0.0.1:5672/"
DEFAULT_MONGO = "mongodb://127.0.0.1:27017/"
DEFAULT_MGMT = "http://guest:guest@127.0.0.1:15672"


class SetupError(Exception):
    """Printed as the one sentence the user needs."""


def port_open(host, port):
    with socket.socket() as sock:
        sock.settimeout(0.5)
        return sock.connect_ex((host, port)) == 0


def amqp_answers(uri):
    from kombu import Connection
    try:
        with Connection(uri, connect_timeout=2) as conn:
            conn.ensure_connection(max_retries=1)
        return True
    except Exception:
        return False


def mongo_answers(uri):
    import pymongo
    try:
        pymongo.MongoClient(uri, serverSelectionTimeoutMS=1500).admin.command("ping")
        return True
    except Exception:
        return False


def pid_alive(pid_file):
    try:
        pid = int(pid_file.read_text())
        os.kill(pid, 0)
        return pid
    except (OSError, ValueError):
        return None


def wait_for(check, seconds, what, log_file):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if check():
            return
        time.sleep(0.5)
    raise SetupError(f"{what} did not come up within {seconds}s: read {log_file}.")


def start_process(name, argv, env=None, cwd=None):
    RUN.mkdir(parents=True, exist_ok=True)
    LOG.mkdir(parents=True, exist_ok=True)
    log_file = LOG / f"{name}.log"
    with open(log_file, "ab") as out:
        proc = subprocess.Popen(argv, stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                env=env, cwd=cwd, start_new_session=True)
    (RUN / f"{name}.pid").write_text(str(proc.pid))
    return log_file


def stop_process(name, timeout=30):
    pid_file = RUN / f"{name}.pid"
    pid = pid_alive(pid_file)
    if pid:
        os.killpg(pid, signal.SIGTERM)  # the process group: wrappers and their children
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline and pid_alive(pid_file):
            time.sleep(0.3)
        if pid_alive(pid_file):
            os.killpg(pid, signal.SIGKILL)
        print(f"stopped {name} (pid {pid})")
    pid_file.unlink(missing_ok=True)


# --- RabbitMQ -------------------------------------------------------------------------

def rabbit_env():
    base = VAR / "rabbitmq"
    env = dict(os.environ, HOME=str(base), RABBITMQ_NODENAME=RABBIT_NODE,
               RABBITMQ_MNESIA_BASE=str(base / "mnesia"), RABBITMQ_LOG_BASE=str(LOG / "rabbitmq"),
               RABBITMQ_ENABLED_PLUGINS_FILE=str(base / "enabled_plugins"),
               RABBITMQ_CONFIG_FILE=str(base / "rabbitmq"),
               RABBITMQ_NODE_IP_ADDRESS="127.0.0.1", RABBITMQ_NODE_PORT="5672",
               RABBITMQ_PID_FILE=str(base / "rabbit.pid"),
               # epmd (the Erlang port mapper, started by the node) listens on loopback only
               ERL_EPMD_ADDRESS="127.0.0.1")
    return env


def rabbitmq_conf():
    """Everything the local broker listens on is loopback: AMQP, management, and the Erlang
    distribution port (with epmd, ERL_EPMD_ADDRESS in rabbit_env): whoever reaches those and
    has the cookie controls the node."""
    return ("listeners.tcp.default = 127.0.0.1:5672\n"
            "management.tcp.ip = 127.0.0.1\nmanagement.tcp.port = 15672\n"
            "distribution.listener.interface = 127.0.0.1\n"
            "loopback_users.guest = true\n")


def ensure_rabbitmq_installed():
    if (RABBIT_BIN / "rabbitmq-server").exists():
        return
    if os.geteuid() != 0:
        raise SetupError("rabbitmq-server is not installed: run 'sudo apt-get install rabbitmq-server' "
                         "or set AMQP_URI to a running broker.")
    print("installing rabbitmq-server with apt-get ...", flush=True)
    env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
    for argv in (["apt-get", "update", "-qq"], ["apt-get", "install", "-y", "-qq", "rabbitmq-server"]):
        if subprocess.run(argv, env=env, stdout=subprocess.DEVNULL).returncode != 0:
            raise SetupError("apt-get could not install rabbitmq-server: fix apt (network, sources) "
                             "or set AMQP_URI to a running broker.")


def rabbitmq_up(amqp_uri):
    if amqp_answers(amqp_uri):
        return "running"
    host = urllib.parse.urlparse(amqp_uri)
    if host.hostname not in ("127.0.0.1", "localhost") or (host.port or 5672) != 5672:
        raise SetupError(f"No AMQP broker answers at {amqp_uri}: start it, or unset AMQP_URI "
                         "to let the project start its own.")
    if port_open("127.0.0.1", 5672):
        raise SetupError("Port 5672 is taken by something that is not an AMQP broker: free it, "
                         "or set AMQP_URI to a running broker.")
    ensure_rabbitmq_installed()
    base = VAR / "rabbitmq"
    base.mkdir(parents=True, exist_ok=True)
    (base / "enabled_plugins").write_text("[rabbitmq_management].\n")
    (base / "rabbitmq.conf").write_text(rabbitmq_conf())
    log_file = start_process("rabbitmq", [str(RABBIT_BIN / "rabbitmq-server")], env=rabbit_env(), cwd=base)
    wait_for(lambda: amqp_answers(amqp_uri), 90, "RabbitMQ", log_file)
    wait_for(lambda: port_open("127.0.0.1", 15672), 30, "RabbitMQ management", log_file)
    return "started"


def rabbitmq_down():
    if pid_alive(RUN / "rabbitmq.pid"):
        subprocess.run([str(RABBIT_BIN / "rabbitmqctl"), "-n", RABBIT_NODE, "stop"],
                       env=rabbit_env(), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=60)
    stop_process("rabbitmq")


# --- FerretDB -------------------------------------------------------------------------

def ferretdb_sources_digest():
    """Digest of the wrapper module: a changed source rebuilds the binary."""
    source = ROOT / "tools" / "ferretdb"
    digest = hashlib.sha256()
    for path in sorted(source.glob("*.go")) + [source / "go.mod", source / "go.sum"]:
        digest.update(path.name.encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()


def ferretdb_binary():
    binary, stamp = TOOLS_BIN / "ferretdb", TOOLS_BIN / "ferretdb.sources"
    digest = ferretdb_sources_digest()
    if binary.exists() and stamp.exists() and stamp.read_text() == digest:
        return binary
    if not shutil.which("go"):
        raise SetupError("The Go toolchain is missing (needed to build FerretDB): install Go 1.24+ "
                         "or set MONGO_URI to a running MongoDB.")
    print("building FerretDB v1.24 with go install (first run, or its wrapper changed) ...", flush=True)
    env = dict(os.environ, GOBIN=str(TOOLS_BIN), GOFLAGS="-mod=mod", CGO_ENABLED="0")
    result = subprocess.run(["go", "install", "."],
                            cwd=ROOT / "tools" / "ferretdb", env=env, capture_output=True, text=True)
    if result.returncode != 0:
        sys.stderr.write(result.stderr[-3000:])
        raise SetupError("go install of FerretDB failed (output above): check access to the Go "
                         "module proxy, or set MONGO_URI to a running MongoDB.")
    stamp.write_text(digest)
    return binary


def ferretdb_argv(binary):
    # synchronous(normal): with SQLite's WAL a commit no longer waits for fsync; a crash of the
    # process loses nothing, a power cut may lose the last commits (this is a dev/test store).
    return [str(binary), f"--sqlite-url=file:{VAR / 'ferretdb'}/?_pragma=synchronous(normal)",
            "--listen-addr=127.0.0.1:27017"]


def ferretdb_up(mongo_uri):
    """Start FerretDB unless a store answers; restart our own if its build or flags changed."""
    running_stamp = RUN / "ferretdb.sources"
    stamp = ferretdb_sources_digest() + " " + " ".join(ferretdb_argv(TOOLS_BIN / "ferretdb"))
    if pid_alive(RUN / "ferretdb.pid") and running_stamp.exists() and running_stamp.read_text() != stamp:
        print("restarting FerretDB: its wrapper or flags changed", flush=True)
        stop_process("ferretdb")
    if mongo_answers(mongo_uri):
        return "running"
    parsed = urllib.parse.urlparse(mongo_uri)
    if parsed.hostname not in ("127.0.0.1", "localhost") or (parsed.port or 27017) != 27017:
        raise SetupError(f"No MongoDB-compatible server answers at {mongo_uri}: start it, or unset "
                         "MONGO_URI to let the project start its own.")
    if port_open("127.0.0.1", 27017):
        raise SetupError("Port 27017 is taken by something that does not answer MongoDB pings: "
                         "free it, or set MONGO_URI to a running server.")
    binary = ferretdb_binary()
    (VAR / "ferretdb").mkdir(parents=True, exist_ok=True)
    log_file = start_process("ferretdb", ferretdb_argv(binary))
    running_stamp.write_text(stamp)
    wait_for(lambda: mongo_answers(mongo_uri), 60, "FerretDB", log_file)
    return "started"


def up():
    amqp = os.environ.get("AMQP_URI") or DEFAULT_AMQP
    mongo = os.environ.get("MONGO_URI") or DEFAULT_MONGO
    mgmt = os.environ.get("RABBITMQ_MANAGEMENT_URI") or DEFAULT_MGMT
    broker = rabbitmq_up(amqp)
    store = ferretdb_up(mongo)
    VAR.mkdir(exist_ok=True)
    (VAR / "infra.env").write_text(
        f"AMQP_URI={amqp}\nMONGO_URI={mongo}\nRABBITMQ_MANAGEMENT_URI={mgmt}\n")
    print(f"broker: {broker} at {amqp}\nstore:  {store} at {mongo}")


def down():
    stop_process("ferretdb")
    rabbitmq_down()


def status():
    for name in ("rabbitmq", "ferretdb"):
        pid = pid_alive(RUN / f"{name}.pid")
        print(f"{name}: {'started by us, pid %d' % pid if pid else 'not started by us'}")


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("command", choices=("up", "down", "status"))
    command = parser.parse_args().command
    try:
        {"up": up, "down": down, "status": status}[command]()
    except SetupError as exc:
        print(f"error: {exc}", file=sys.stderr)
        sys.exit(1)


if __name__ == "__main__":
    main()
