"""The peer: Ralph LRS (PyPI ralph-malph) with its MongoDB backend on the same store.

Installed into its own virtual environment under var/bench/ralph-venv (never into the
platform's); receives the same activities as xAPI statements through wrk, with the same
connections and duration as our ingestion runs.
"""
import base64
import os
import secrets
import subprocess
import sys
import time
from pathlib import Path

import requests

import load
from isolated_env import free_port

ROOT = Path(__file__).resolve().parent.parent
VENV = ROOT / "var" / "bench" / "ralph-venv"
REQUIREMENTS = Path(__file__).resolve().parent / "peer-requirements.txt"


def install():
    stamp = VENV / ".installed"
    if stamp.exists() and stamp.read_text() == REQUIREMENTS.read_text():
        return
    subprocess.run([sys.executable, "-m", "venv", str(VENV)], check=True)
    subprocess.run([str(VENV / "bin" / "pip"), "install", "-q", "-r", str(REQUIREMENTS)], check=True)
    stamp.write_text(REQUIREMENTS.read_text())


def measure(env, seconds, connections):
    install()
    app_dir = ROOT / "var" / "bench" / "ralph-home"
    app_dir.mkdir(parents=True, exist_ok=True)
    (app_dir / "auth.json").unlink(missing_ok=True)
    password = secrets.token_urlsafe(12)
    ralph_env = dict(os.environ, RALPH_APP_DIR=str(app_dir), RALPH_RUNSERVER_BACKEND="mongo",
                     RALPH_BACKENDS__LRS__MONGO__CONNECTION_URI=env["MONGO_URI"],
                     RALPH_BACKENDS__LRS__MONGO__DEFAULT_DATABASE=env["MONGO_DB_PREFIX"] + "ralph",
                     RALPH_BACKENDS__LRS__MONGO__DEFAULT_COLLECTION="statements")
    subprocess.run([str(VENV / "bin" / "ralph"), "auth", "-u", "bench", "-p", password, "-s", "all",
                    "-M", "mailto:bench@example.vn", "-w"], env=ralph_env, check=True, capture_output=True)
    port = free_port()
    log = open(ROOT / "var" / "log" / "bench" / "ralph.log", "ab")
    # As Ralph's docs deploy it: uvicorn serving ralph.api:app, as many workers as gunicorn
    # gives our gateway (`ralph runserver` is its single-process development server).
    workers = os.environ.get("GATEWAY_WORKERS", "2")
    server = subprocess.Popen([str(VENV / "bin" / "uvicorn"), "ralph.api:app", "--host", "127.0.0.1",
                               "--port", str(port), "--workers", workers, "--no-access-log"],
                              env=ralph_env, stdout=log, stderr=subprocess.STDOUT)
    try:
        url = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                requests.get(f"{url}/__heartbeat__", timeout=1)
                break
            except requests.RequestException:
                time.sleep(0.5)
        auth = "Basic " + base64.b64encode(f"bench:{password}".encode()).decode()
        runs = {}
        for name, batch, conns in (("single", 1, connections), ("batch_100", 100, max(4, connections // 2))):
            run = load.wrk(url, "xapi.lua", {"RALPH_AUTH": auth, "BATCH": str(batch)}, seconds, conns)
            run["statements_per_s"] = round(run["requests_per_s"] * batch, 1)
            runs[name] = run
        return {"package": REQUIREMENTS.read_text().split()[0], "runs": runs}
    finally:
        server.terminate()
        server.wait(timeout=30)
