"""Ralph LRS (PyPI ralph-malph), the real LRS the xAPI tests and `make bench` talk to.

Installed into its own virtual environment under var/bench/ralph-venv (never into the
platform's), pinned by bench/peer-requirements.txt; started on a free loopback port with its
filesystem backend in its own directory (no extra server), appending to one JSON-lines file
(scripts/ralph_fs_app.py says why not its MongoDB backend on the store: statements with
``extensions``), one worker (two processes appending to one file could interleave lines);
the peer benchmark still uses its MongoDB backend.
Also offers Ralph's own pydantic models as the xAPI statement validator of the tests.
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
STATEMENTS_FILE = "statements.jsonl"


def install():
    stamp = VENV / ".installed"
    if stamp.exists() and stamp.read_text() == REQUIREMENTS.read_text():
        return
    subprocess.run([sys.executable, "-m", "venv", str(VENV)], check=True)
    subprocess.run([str(VENV / "bin" / "pip"), "install", "-q", "-r", str(REQUIREMENTS)], check=True)
    stamp.write_text(REQUIREMENTS.read_text())


class Ralph:
    """One Ralph server; ``stop()`` and ``start()`` again on the same port (an LRS outage)."""

    def __init__(self, env, name, log_path, backend="fs", workers=1):
        """``backend`` "fs" (the default: stores statements with extensions) or "mongo" (the
        store under its own database name; statements without extensions only, several
        ``workers`` possible: the peer benchmark)."""
        install()
        self.app_dir = ROOT / "var" / "ralph" / name
        shutil.rmtree(self.app_dir, ignore_errors=True)  # a fresh, empty LRS
        self.app_dir.mkdir(parents=True)
        self.username, self.password = "mooc", secrets.token_urlsafe(12)
        self.data_dir = self.app_dir / "statements"
        self.data_dir.mkdir()
        if backend == "fs":
            self.app, self.workers = "ralph_fs_app:app", 1
            settings = {"RALPH_BACKENDS__LRS__FS__DEFAULT_DIRECTORY_PATH": str(self.data_dir),
                        "RALPH_BACKENDS__LRS__FS__DEFAULT_LRS_FILE": STATEMENTS_FILE}
        else:
            self.app, self.workers = "ralph.api:app", workers
            settings = {"RALPH_BACKENDS__LRS__MONGO__CONNECTION_URI": env["MONGO_URI"],
                        "RALPH_BACKENDS__LRS__MONGO__DEFAULT_DATABASE": env["MONGO_DB_PREFIX"] + name,
                        "RALPH_BACKENDS__LRS__MONGO__DEFAULT_COLLECTION": "statements"}
        self.env = dict(os.environ, RALPH_APP_DIR=str(self.app_dir), RALPH_RUNSERVER_BACKEND=backend, **settings)
        subprocess.run([str(VENV / "bin" / "ralph"), "auth", "-u", self.username, "-p", self.password,
                        "-s", "all", "-M", "mailto:lrs@example.vn", "-w"],
                       env=self.env, check=True, capture_output=True)
        self.port, self.log_path = free_port(), log_path
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
        # As Ralph's docs deploy it: uvicorn serving ralph.api:app (through ralph_fs_app).
        self.process = subprocess.Popen(
            [str(VENV / "bin" / "uvicorn"), self.app, "--app-dir", str(ROOT / "scripts"),
             "--host", "127.0.0.1", "--port", str(self.port), "--workers", str(self.workers), "--no-access-log"],
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

    def stored_count(self):
        """How many statements Ralph's filesystem backend has written (its file's lines)."""
        path = self.data_dir / STATEMENTS_FILE
        if not path.exists():
            return 0
        with open(path, "rb") as lines:
            return sum(1 for _ in lines)

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


def profile_models(statements):
    """For each statement id, the Ralph model of an xAPI profile (video, LMS...) that Ralph's
    own selector picks for it, as ``"<Model>"`` when the statement is valid under it,
    ``"<Model>: <error>"`` when not, or None when no profile model matches."""
    install()
    script = ("import json, sys\n"
              "from ralph.exceptions import UnknownEventException\n"
              "from ralph.models.selector import ModelSelector\n"
              "selector = ModelSelector(module='ralph.models.xapi')\n"
              "found = {}\n"
              "for s in json.load(sys.stdin):\n"
              "    try:\n"
              "        models = selector.get_models(s)\n"
              "    except UnknownEventException:\n"
              "        found[s['id']] = None\n"
              "        continue\n"
              "    model = models[0] if isinstance(models, list) else models\n"
              "    try:\n"
              "        model(**s)\n"
              "        found[s['id']] = model.__name__\n"
              "    except Exception as exc:\n"
              "        found[s['id']] = f'{model.__name__}: {exc}'\n"
              "print(json.dumps(found))\n")
    return _in_ralph_venv(script, statements)


def _in_ralph_venv(script, statements):
    """Runs ``script`` in Ralph's own venv with ``statements`` as JSON on stdin; its JSON output."""
    done = subprocess.run([str(VENV / "bin" / "python"), "-c", script], input=json.dumps(statements),
                          capture_output=True, text=True, check=True)
    return json.loads(done.stdout)


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
    return _in_ralph_venv(script, statements)
