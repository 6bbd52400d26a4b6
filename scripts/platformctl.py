#!/usr/bin/env python3
"""Starts and stops the nameko services, the gateway and the local SMTP server (PID files
under var/run/).

    python scripts/platformctl.py start [--demo]   # after scripts/infra.py up
    python scripts/platformctl.py stop
    python scripts/platformctl.py status
    python scripts/platformctl.py secrets  # generated keys and passwords for deploy/ (stdout)

``start`` runs them under a supervisor (``Supervisor``, its own process) that restarts any
of them that dies, with exponential backoff, as Kubernetes would in production; restarts are
logged to var/log/supervisor.log and shown by ``status``.

Configuration comes from var/infra.env (broker and store addresses) and var/secrets.env
(keys by purpose, broker passwords, operator password: generated on first start, 0600, never
committed); each process gets only its own part of it (``process_env``). The test suite
uses the same ``Platform`` class with its own vhost, database prefix and ports.

Mail: unless ``SMTP_URL`` is set, a local SMTP server (scripts/mail_sink.py, aiosmtpd) is
started on loopback and every mail lands in ``var/mail/`` (the tests: their own directory).
"""
import argparse
import json
import logging
import os
import secrets
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
VAR = ROOT / "var"
sys.path.insert(0, str(ROOT))

from broker_users import BrokerUsers, broker_password_variable  # noqa: E402
from mooc_common.contracts import tokens  # noqa: E402
from mooc_common.infra.principals import PRINCIPALS, SERVICES, service_kid_prefix  # noqa: E402
from mooc_common.infra.signing_keys import jwk_set, new_private_jwk  # noqa: E402

HEALTH_PORTS = {"accounts": 8101, "courses": 8102, "progress": 8103, "reports": 8104,
                "integrations": 8105, "notifications": 8106}
SMTP_PORT = 8025
MAIL_SINK = "mailsink"


def read_env_file(path):
    if not path.exists():
        return {}
    pairs = (line.split("=", 1) for line in path.read_text().splitlines() if "=" in line)
    return {k.strip(): v.strip() for k, v in pairs}


def platform_keys():
    """Fresh keys, one per purpose (docs/security.md): the access tokens' Ed25519 pair, one
    service-identity Ed25519 key per principal, and the public key sets (JWK Sets)."""
    access = new_private_jwk(tokens.ACCESS_KEY_ID_PREFIX)
    services = {name: new_private_jwk(service_kid_prefix(name)) for name in PRINCIPALS}
    values = {"ACCESS_TOKEN_SIGNING_KEY": json.dumps(access), "ACCESS_TOKEN_PUBLIC_KEYS": jwk_set([access]),
              "SERVICE_PUBLIC_KEYS": jwk_set(list(services.values()))}
    values.update({signing_key_variable(name): json.dumps(jwk) for name, jwk in services.items()})
    return values


def signing_key_variable(name):
    return f"SERVICE_SIGNING_KEY_{name.upper()}"


def broker_uri_variable(name):
    return f"AMQP_URI_{name.upper()}"


def local_secrets(path=VAR / "secrets.env"):
    """Keys, broker passwords and operator credentials for a local run, created once per
    checkout (0600); what a newer version needs is added to an older file."""
    values = read_env_file(path)
    wanted = {"JWT_SECRET": secrets.token_urlsafe(48), "OPERATOR_USERNAME": "operator",
              "OPERATOR_PASSWORD": secrets.token_urlsafe(16)}
    if not all(k in values for k in ("ACCESS_TOKEN_SIGNING_KEY", *map(signing_key_variable, PRINCIPALS))):
        wanted.update(platform_keys())
    wanted.update({broker_password_variable(name): secrets.token_urlsafe(24) for name in PRINCIPALS})
    missing = {k: v for k, v in wanted.items() if k not in values}
    if missing:
        values.update(missing)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.touch(mode=0o600)
        path.chmod(0o600)
        path.write_text("".join(f"{k}={v}\n" for k, v in values.items()))
    return values


ACCOUNTS_ONLY = ("JWT_SECRET", "OPERATOR_USERNAME", "OPERATOR_PASSWORD", "ACCESS_TOKEN_SIGNING_KEY")
INTEGRATIONS_ONLY = ("RABBITMQ_MANAGEMENT_URI",)  # it provisions the agencies' broker users


def _per_principal(key):
    return key.startswith(("SERVICE_SIGNING_KEY_", "AMQP_URI_", "BROKER_PASSWORD_"))


def process_env(name, env):
    """What one process is given (docs/security.md, what each credential can do): its own
    broker user (``AMQP_URI_<NAME>`` when the broker has per-principal users), its own
    service-identity key, the public keys; the master secret, the access tokens' private key
    and the operator's credentials reach the accounts service only, the broker's management
    credentials the integrations service only, the key of stored LRS credentials integrations."""
    kept = {k: v for k, v in env.items()
            if not _per_principal(k) and k not in ACCOUNTS_ONLY + INTEGRATIONS_ONLY}
    if name == "accounts":
        kept.update({k: env[k] for k in ACCOUNTS_ONLY if k in env})
    if name == "integrations":
        kept.update({k: env[k] for k in INTEGRATIONS_ONLY if k in env})
        if env.get("JWT_SECRET"):
            kept["LRS_CREDENTIALS_KEY"] = tokens.lrs_credentials_key(env["JWT_SECRET"])
    if env.get(signing_key_variable(name)):
        kept["SERVICE_SIGNING_KEY"] = env[signing_key_variable(name)]
    if env.get(broker_uri_variable(name)):
        kept["AMQP_URI"] = env[broker_uri_variable(name)]
    return kept


class Platform:
    def __init__(self, env, run_dir, log_dir, gateway_port=8000, health_ports=HEALTH_PORTS, services=SERVICES,
                 smtp_port=SMTP_PORT, mail_dir=VAR / "mail"):
        """``services``: a subset for a benchmark that measures one pipeline alone."""
        self.services = tuple(services)
        self.given_env = env  # what a supervisor is given to build the same platform
        self.mail_dir, self.smtp_port = Path(mail_dir), smtp_port
        # Our own SMTP server unless one is configured (production: SMTP_URL).
        self.mail_sink = not env.get("SMTP_URL") and "notifications" in self.services
        if self.mail_sink:
            env = dict(env, SMTP_URL=f"smtp://127.0.0.1:{smtp_port}")
        self.env = env
        self.run_dir, self.log_dir = Path(run_dir), Path(log_dir)
        self.gateway_port = gateway_port
        self.health_ports = health_ports
        self.python = sys.executable

    @property
    def base_url(self):
        return f"http://127.0.0.1:{self.gateway_port}"

    @property
    def processes(self):
        return ((MAIL_SINK,) if self.mail_sink else ()) + self.services + ("gateway",)

    def _commands(self):
        if self.mail_sink:
            yield MAIL_SINK, [self.python, str(ROOT / "scripts" / "mail_sink.py"), "--port", str(self.smtp_port),
                              "--dir", str(self.mail_dir)], process_env(MAIL_SINK, self.env)
        for service in self.services:
            env = dict(process_env(service, self.env), WEB_SERVER_ADDRESS=f"127.0.0.1:{self.health_ports[service]}")
            yield service, [self.python, "-m", "nameko", "run", "--config",
                            str(ROOT / "config" / "nameko.yaml"), f"services.{service}.service:{service.capitalize()}Service"], env
        env = dict(process_env("gateway", self.env), GATEWAY_PORT=str(self.gateway_port), GATEWAY_HOST="127.0.0.1")
        yield "gateway", [self.python, "-m", "gunicorn", "-c", str(ROOT / "gateway" / "gunicorn_conf.py"),
                          "gateway.app:create_app_from_env()"], env

    def _pid(self, name):
        """The PID from the PID file if that process still runs (a zombie does not)."""
        try:
            pid = int((self.run_dir / f"{name}.pid").read_text())
            state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
            return None if state in ("Z", "X") else pid
        except (OSError, ValueError, IndexError):
            return None

    def start(self, timeout=90, supervised=False):
        """Start what is not running and wait for /ready. ``supervised``: under a supervisor
        process that restarts whatever dies (``Supervisor``); otherwise started directly."""
        self.run_dir.mkdir(parents=True, exist_ok=True)
        self.log_dir.mkdir(parents=True, exist_ok=True)
        if supervised:
            if not self._pid(SUPERVISOR):
                spec = self.run_dir / "supervisor.spec.json"
                spec.touch(mode=0o600)  # holds the environment, secrets included
                spec.write_text(json.dumps({"env": self.given_env, "run_dir": str(self.run_dir),
                                            "log_dir": str(self.log_dir), "gateway_port": self.gateway_port,
                                            "health_ports": self.health_ports, "services": self.services,
                                            "smtp_port": self.smtp_port, "mail_dir": str(self.mail_dir)}))
                self._spawn(SUPERVISOR, [self.python, str(Path(__file__).resolve()), "supervise", str(spec)],
                            dict(self.env))
        else:
            for name, argv, env in self._commands():
                if not self._pid(name):  # already started by us: twice would double the consumers
                    self._spawn(name, argv, env)
        self.wait_ready(timeout)

    def _spawn(self, name, argv, env):
        # SERVICE_NAME names the process in its JSON log lines; import-time deprecation warnings
        # (eventlet's) would be the only lines that are not JSON.
        env = dict(env, PYTHONPATH=str(ROOT), PYTHONUNBUFFERED="1", SERVICE_NAME=name,
                   PYTHONWARNINGS=env.get("PYTHONWARNINGS", "ignore::DeprecationWarning"))
        with open(self.log_dir / f"{name}.log", "ab") as log:
            proc = subprocess.Popen(argv, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
                                    stdin=subprocess.DEVNULL, start_new_session=True)
        (self.run_dir / f"{name}.pid").write_text(str(proc.pid))
        return proc

    def ready(self):
        """The gateway's /ready, less the services this platform does not run."""
        try:
            with urllib.request.urlopen(f"{self.base_url}/ready", timeout=5) as answer:
                body = json.load(answer)
        except urllib.error.HTTPError as answer:  # 503 lists what failed
            body = json.load(answer)
        except Exception:
            return False
        return not set(body.get("failed", ["gateway"])) - (set(SERVICES) - set(self.services))

    def wait_ready(self, timeout):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.ready():
                return
            if self._pid(SUPERVISOR):
                time.sleep(0.5)  # it restarts what dies; its log says why
                continue
            dead = [n for n, _, _ in self._commands() if not self._pid(n)]
            if dead:
                raise RuntimeError(f"{', '.join(dead)} exited: read {self.log_dir}/<name>.log")
            time.sleep(0.5)
        raise RuntimeError(f"the platform was not ready within {timeout}s: read {self.log_dir}")

    def stop(self, timeout=30):
        supervisor = self._pid(SUPERVISOR)
        if supervisor:  # first, so that it restarts nothing; it stops the others itself
            os.killpg(supervisor, signal.SIGTERM)
            deadline = time.monotonic() + timeout + 10
            while self._pid(SUPERVISOR) and time.monotonic() < deadline:
                time.sleep(0.2)
            if self._pid(SUPERVISOR):
                os.killpg(supervisor, signal.SIGKILL)
            (self.run_dir / f"{SUPERVISOR}.pid").unlink(missing_ok=True)
        self._stop_processes(timeout)

    def _stop_processes(self, timeout):
        order = tuple(reversed(self.processes))  # the mail server last: the mailer's last mails reach it
        for name in order:
            pid = self._pid(name)
            if pid:
                os.killpg(pid, signal.SIGTERM)  # nameko finishes in-flight workers; gunicorn drains
        deadline = time.monotonic() + timeout
        for name in order:
            while self._pid(name) and time.monotonic() < deadline:
                time.sleep(0.2)
            pid = self._pid(name)
            if pid:
                os.killpg(pid, signal.SIGKILL)
            (self.run_dir / f"{name}.pid").unlink(missing_ok=True)

    def kill(self, name):
        """SIGKILL one process we started (crash tests); ``start()`` starts it again."""
        pid = self._pid(name)
        if pid:
            os.killpg(pid, signal.SIGKILL)
            while self._pid(name):
                time.sleep(0.05)

    def status(self):
        return {name: self._pid(name) for name in self.processes}

    def restarts(self):
        """``{name: {"restarts", "last_exit", ...}}`` as the supervisor last wrote it ({} if none)."""
        try:
            return json.loads((self.run_dir / "supervisor.json").read_text())
        except (OSError, ValueError):
            return {}


SUPERVISOR = "supervisor"


class Supervisor:
    """Keeps every process of a ``Platform`` running: one that exits (crash, ``kill -9``, an
    exit of its own) is started again after a backoff that doubles from ``MIN_BACKOFF`` up to
    ``MAX_BACKOFF`` seconds while it keeps dying, and is reset once it ran ``HEALTHY_AFTER``
    seconds. Each restart is logged (var/log/supervisor.log) and counted in
    ``<run_dir>/supervisor.json``. SIGTERM stops the processes, then the supervisor."""
    MIN_BACKOFF, MAX_BACKOFF, HEALTHY_AFTER, POLL = 0.5, 30.0, 60.0, 0.25

    def __init__(self, platform):
        self.platform = platform
        self.commands = {name: (argv, env) for name, argv, env in platform._commands()}
        self.procs, self.started_at, self.next_start = {}, {}, {}
        self.backoff = {name: self.MIN_BACKOFF for name in self.commands}
        self.state = {name: {"pid": None, "restarts": 0, "last_exit": None, "last_restart": None}
                      for name in self.commands}
        self.stopping = False
        self.log = logging.getLogger("supervisor")

    def run(self):
        signal.signal(signal.SIGTERM, self._stop)
        signal.signal(signal.SIGINT, self._stop)
        for name in self.commands:
            self._start(name)
        while not self.stopping:
            now = time.monotonic()
            for name in self.commands:
                proc = self.procs.get(name)
                if proc is None:
                    if now >= self.next_start[name]:
                        self._start(name, restart=True)
                elif proc.poll() is not None:
                    self._died(name, proc.returncode, now)
            time.sleep(self.POLL)
        self.platform._stop_processes(timeout=30)
        self.log.info("stopped")

    def _stop(self, signum, frame):
        self.stopping = True

    def _start(self, name, restart=False):
        argv, env = self.commands[name]
        proc = self.platform._spawn(name, argv, env)
        self.procs[name], self.started_at[name] = proc, time.monotonic()
        self.state[name]["pid"] = proc.pid
        if restart:
            self.state[name]["restarts"] += 1
            self.state[name]["last_restart"] = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
            self.log.warning("restarted %s (pid %d, restart #%d)", name, proc.pid, self.state[name]["restarts"])
        else:
            self.log.info("started %s (pid %d)", name, proc.pid)
        self._save()

    def _died(self, name, returncode, now):
        self.procs[name] = None
        if now - self.started_at[name] >= self.HEALTHY_AFTER:
            self.backoff[name] = self.MIN_BACKOFF
        delay = self.backoff[name]
        self.backoff[name] = min(2 * delay, self.MAX_BACKOFF)
        self.next_start[name] = now + delay
        how = f"signal {-returncode}" if returncode < 0 else f"exit code {returncode}"
        self.state[name].update(pid=None, last_exit=how)
        self.log.warning("%s died (%s); restarting in %.1f s", name, how, delay)
        self._save()

    def _save(self):
        path = self.platform.run_dir / "supervisor.json"
        tmp = path.with_suffix(".tmp")
        tmp.write_text(json.dumps(self.state, indent=1))
        tmp.replace(path)


def supervise(spec_path):
    spec = json.loads(Path(spec_path).read_text())
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s")
    platform = Platform(spec["env"], spec["run_dir"], spec["log_dir"], gateway_port=spec["gateway_port"],
                        health_ports=spec["health_ports"], services=spec["services"],
                        smtp_port=spec["smtp_port"], mail_dir=spec["mail_dir"])
    Supervisor(platform).run()


def local_platform():
    infra = read_env_file(VAR / "infra.env")
    if not infra:
        sys.exit("error: run 'python scripts/infra.py up' (or 'make run') first.")
    env = dict(os.environ, **infra, **local_secrets())
    env.setdefault("OPERATOR_EMAIL", "operator@mooc.local")  # gets the year-end summary
    return Platform(env, VAR / "run", VAR / "log")


def local_broker_users(env):
    """``make run``: one broker user per principal on the local vhost (``mooc-<name>``,
    passwords from var/secrets.env), as ``AMQP_URI_<NAME>``; none when there is no management
    API to create them with (a broker given by AMQP_URI alone: everything shares its user)."""
    if not env.get("RABBITMQ_MANAGEMENT_URI"):
        return {}
    vhost = urllib.parse.unquote(urllib.parse.urlparse(env["AMQP_URI"]).path[1:]) or "/"
    try:
        uris = BrokerUsers(env["RABBITMQ_MANAGEMENT_URI"], env["AMQP_URI"]).provision(
            vhost, "mooc-", {name: env[broker_password_variable(name)] for name in PRINCIPALS})
    except Exception as exc:
        print(f"warning: no per-service broker users ({exc}); every process uses AMQP_URI's user")
        return {}
    return {broker_uri_variable(name): uri for name, uri in uris.items()}


def deployment_secrets():
    """The generated part of the Kubernetes Secret ``mooc-secrets`` (docs/deploy.md), as
    env-file lines: the master secret, the keys by purpose, one broker and one store password
    per principal (hex: they are composed into URIs)."""
    master = secrets.token_urlsafe(48)
    values = {"JWT_SECRET": master, "LRS_CREDENTIALS_KEY": tokens.lrs_credentials_key(master), **platform_keys()}
    for name, principal in PRINCIPALS.items():
        values[f"RABBITMQ_PASSWORD_{name.upper()}"] = secrets.token_hex(24)
        if principal.database:
            values[f"MONGO_PASSWORD_{name.upper()}"] = secrets.token_hex(24)
    return "".join(f"{k}={v}\n" for k, v in values.items())


def main():
    parser = argparse.ArgumentParser(description="start/stop the services and the gateway")
    parser.add_argument("command", choices=("start", "stop", "status", "supervise", "secrets"))
    parser.add_argument("spec", nargs="?", help="supervise: the spec file written by start")
    parser.add_argument("--demo", action="store_true", help="load the demo data after start")
    args = parser.parse_args()
    if args.command == "supervise":
        return supervise(args.spec)
    if args.command == "secrets":  # for `kubectl create secret generic mooc-secrets --from-env-file`
        return sys.stdout.write(deployment_secrets())
    platform = local_platform()
    if args.command == "start":
        users = local_broker_users(platform.env)
        platform.env.update(users)
        platform.given_env.update(users)  # the supervisor builds the processes from given_env
        platform.start(supervised=True)
        if args.demo:
            from demo_data import load_demo
            load_demo(platform.base_url, platform.env["OPERATOR_USERNAME"], platform.env["OPERATOR_PASSWORD"])
        print(f"\nRunning (PID files in var/run/, logs in var/log/):")
        for name, pid in platform.status().items():
            print(f"  {name:12s} pid {pid}")
        print(f"  gateway   {platform.base_url}  (GET /ready, API under /api/v1)")
        print(f"  operator  {platform.env['OPERATOR_USERNAME']} / password in var/secrets.env")
        if platform.mail_sink:
            print(f"  mail      SMTP on 127.0.0.1:{platform.smtp_port}; every mail sent is a file in var/mail/")
    elif args.command == "stop":
        platform.stop()
        print("stopped the services and the gateway")
    else:
        restarts = platform.restarts()
        supervisor = platform._pid(SUPERVISOR)
        print(f"{SUPERVISOR:12s} {'pid %d' % supervisor if supervisor else 'not running'}")
        for name, pid in platform.status().items():
            seen = restarts.get(name) or {}
            extra = f"  restarts {seen.get('restarts', 0)}" if seen else ""
            if seen.get("last_exit"):
                extra += f" (last: {seen['last_exit']} at {seen.get('last_restart')})"
            print(f"{name:12s} {'pid %d' % pid if pid else 'not running'}{extra}")


if __name__ == "__main__":
    main()
