"""Ralph LRS (PyPI ralph-malph), the real LRS the xAPI tests and `make bench` talk to.

Installed into its own virtual environment under var/bench/ralph-venv (never into the
platform's), pinned by bench/peer-requirements.txt; started on a free loopback port with its
MongoDB backend on the store under its own database name (no extra server). (Its filesystem
backend accepts only the first POST: it creates its file and then refuses to overwrite it.
On FerretDB the MongoDB backend refuses statements with ``extensions``, whose IRI keys
contain dots; the platform sends none.) Also offers Ralph's own pydantic models as the xAPI statement validator of the tests.
"""
import json
import os
import secrets
import shutil
import subprocess
import sys
import time
from pathlib import Path

import requests

from isolated_env import free_port

ROOT = Path(__file__).resolve().parent.parent
VENV = ROOT / "var" / "bench" / "ralph-venv"
REQUIREMENTS = ROOT / "bench" / "peer-requirements.txt"


def install():
    stamp = VENV / ".installed"
    if stamp.exists() and stamp.read_text() == REQUIREMENTS.read_text():
        return
    subprocess.run([sys.executable, "-m", "venv", str(VENV)], check=True)
    subprocess.run([str(VENV / "bin" / "pip"), "install", "-q", "-r", str(REQUIREMENTS)], check=True)
    stamp.write_text(REQUIREMENTS.read_text())


class Ralph:
    """One Ralph server; ``stop()`` and ``start()`` again on the same port (an LRS outage)."""

    def __init__(self, env, name, log_path, workers=1):
        install()
        self.app_dir = ROOT / "var" / "ralph" / name
        shutil.rmtree(self.app_dir, ignore_errors=True)  # a fresh, empty LRS
        self.app_dir.mkdir(parents=True)
        self.username, self.password = "mooc", secrets.token_urlsafe(12)
        self.env = dict(os.environ, RALPH_APP_DIR=str(self.app_dir), RALPH_RUNSERVER_BACKEND="mongo",
                        RALPH_BACKENDS__LRS__MONGO__CONNECTION_URI=env["MONGO_URI"],
                        RALPH_BACKENDS__LRS__MONGO__DEFAULT_DATABASE=env["MONGO_DB_PREFIX"] + name,
                        RALPH_BACKENDS__LRS__MONGO__DEFAULT_COLLECTION="statements")
        subprocess.run([str(VENV / "bin" / "ralph"), "auth", "-u", self.username, "-p", self.password,
                        "-s", "all", "-M", "mailto:lrs@example.vn", "-w"],
                       env=self.env, check=True, capture_output=True)
        self.port, self.workers, self.log_path = free_port(), workers, log_path
        self.process = None

    @property
    def url(self):
        return f"http://127.0.0.1:{self.port}"

    @property
    def endpoint(self):
        """The xAPI base URL an LRS client is configured with."""
        return f"{self.url}/xAPI"

    def start(self, timeout=60):
        Path(self.log_path).parent.mkdir(parents=True, exist_ok=True)
        log = open(self.log_path, "ab")
        # As Ralph's docs deploy it: uvicorn serving ralph.api:app.
        self.process = subprocess.Popen(
            [str(VENV / "bin" / "uvicorn"), "ralph.api:app", "--host", "127.0.0.1", "--port", str(self.port),
             "--workers", str(self.workers), "--no-access-log"],
            env=self.env, stdout=log, stderr=subprocess.STDOUT)
        log.close()
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                if requests.get(f"{self.url}/__heartbeat__", timeout=1).ok:
                    return self
            except requests.RequestException:
                pass
            if self.process.poll() is not None:
                raise RuntimeError(f"Ralph exited ({self.process.returncode}); see {self.log_path}")
            time.sleep(0.3)
        raise RuntimeError(f"Ralph did not answer within {timeout}s; see {self.log_path}")

    def stop(self):
        if self.process and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=30)
        self.process = None

    def statements(self, **params):
        """Every statement Ralph holds matching ``params`` (follows the ``more`` links)."""
        found, url = [], f"{self.endpoint}/statements"
        params = dict(params, limit=500)
        while url:
            response = requests.get(url, params=params, auth=(self.username, self.password),
                                    headers={"X-Experience-API-Version": "1.0.3"}, timeout=10)
            response.raise_for_status()
            body = response.json()
            found.extend(body["statements"])
            url, params = (self.url + body["more"], None) if body.get("more") else (None, None)
        return found


def validate_statements(statements):
    """Validates statements with Ralph's strict xAPI 1.0.3 models (``BaseXapiStatement``);
    returns the list of errors (empty when all are valid)."""
    install()
    script = ("import json, sys\n"
              "from ralph.models.xapi.base.statements import BaseXapiStatement\n"
              "errors = []\n"
              "for s in json.load(sys.stdin):\n"
              "    try:\n"
              "        BaseXapiStatement(**s)\n"
              "    except Exception as exc:\n"
              "        errors.append(f\"{s.get('id')}: {exc}\")\n"
              "print(json.dumps(errors))\n")
    done = subprocess.run([str(VENV / "bin" / "python"), "-c", script], input=json.dumps(statements),
                          capture_output=True, text=True, check=True)
    return json.loads(done.stdout)
