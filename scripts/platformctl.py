#!/usr/bin/env python3
"""Starts and stops the nameko services, the gateway and the local SMTP server (PID files
under var/run/).

    python scripts/platformctl.py start [--demo]   # after scripts/infra.py up
    python scripts/platformctl.py stop
    python scripts/platformctl.py status

Configuration comes from var/infra.env (broker and store addresses) and var/secrets.env
(JWT key and operator password, generated on first start, never committed). The test suite
uses the same ``Platform`` class with its own vhost, database prefix and ports.

Mail: unless ``SMTP_URL`` is set, a local SMTP server (scripts/mail_sink.py, aiosmtpd) is
started on loopback and every mail lands in ``var/mail/`` (the tests: their own directory).
"""
import argparse
import json
import os
import secrets
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
VAR = ROOT / "var"
SERVICES = ("accounts", "courses", "progress", "reports", "integrations", "notifications")
HEALTH_PORTS = {"accounts": 8101, "courses": 8102, "progress": 8103, "reports": 8104,
                "integrations": 8105, "notifications": 8106}
SMTP_PORT = 8025
MAIL_SINK = "mailsink"


def read_env_file(path):
    if not path.exists():
        return {}
    pairs = (line.split("=", 1) for line in path.read_text().splitlines() if "=" in line)
    return {k.strip(): v.strip() for k, v in pairs}


def local_secrets(path=VAR / "secrets.env"):
    """JWT key and operator credentials for a local run, created once per checkout."""
    values = read_env_file(path)
    if not values:
        values = {"JWT_SECRET": secrets.token_urlsafe(48), "OPERATOR_USERNAME": "operator",
                  "OPERATOR_PASSWORD": secrets.token_urlsafe(16)}
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("".join(f"{k}={v}\n" for k, v in values.items()))
        path.chmod(0o600)
    return values


class Platform:
    def __init__(self, env, run_dir, log_dir, gateway_port=8000, health_ports=HEALTH_PORTS, services=SERVICES,
                 smtp_port=SMTP_PORT, mail_dir=VAR / "mail"):
        """``services``: a subset for a benchmark that measures one pipeline alone."""
        self.services = tuple(services)
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
                              "--dir", str(self.mail_dir)], self.env
        for service in self.services:
            env = dict(self.env, WEB_SERVER_ADDRESS=f"127.0.0.1:{self.health_ports[service]}")
            yield service, [self.python, "-m", "nameko", "run", "--config",
                            str(ROOT / "config" / "nameko.yaml"), f"services.{service}.service:{service.capitalize()}Service"], env
        env = dict(self.env, GATEWAY_PORT=str(self.gateway_port), GATEWAY_HOST="127.0.0.1")
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

    def start(self, timeout=90):
        self.run_dir.mkdir(parents=True, exist_ok=True)
        self.log_dir.mkdir(parents=True, exist_ok=True)
        for name, argv, env in self._commands():
            if self._pid(name):
                continue  # already started by us: starting twice would double the consumers
            env = dict(env, PYTHONPATH=str(ROOT), PYTHONUNBUFFERED="1")
            with open(self.log_dir / f"{name}.log", "ab") as log:
                proc = subprocess.Popen(argv, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
                                        stdin=subprocess.DEVNULL, start_new_session=True)
            (self.run_dir / f"{name}.pid").write_text(str(proc.pid))
        self.wait_ready(timeout)

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
            dead = [n for n, _, _ in self._commands() if not self._pid(n)]
            if dead:
                raise RuntimeError(f"{', '.join(dead)} exited: read {self.log_dir}/<name>.log")
            time.sleep(0.5)
        raise RuntimeError(f"the platform was not ready within {timeout}s: read {self.log_dir}")

    def stop(self, timeout=30):
        order = ("gateway",) + self.services + ((MAIL_SINK,) if self.mail_sink else ())
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


def local_platform():
    infra = read_env_file(VAR / "infra.env")
    if not infra:
        sys.exit("error: run 'python scripts/infra.py up' (or 'make run') first.")
    env = dict(os.environ, **infra, **local_secrets())
    env.setdefault("OPERATOR_EMAIL", "operator@mooc.local")  # gets the year-end summary
    return Platform(env, VAR / "run", VAR / "log")


def main():
    parser = argparse.ArgumentParser(description="start/stop the services and the gateway")
    parser.add_argument("command", choices=("start", "stop", "status"))
    parser.add_argument("--demo", action="store_true", help="load the demo data after start")
    args = parser.parse_args()
    platform = local_platform()
    if args.command == "start":
        platform.start()
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
        for name, pid in platform.status().items():
            print(f"{name:12s} {'pid %d' % pid if pid else 'not running'}")


if __name__ == "__main__":
    main()
