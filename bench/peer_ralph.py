"""The peer: Ralph LRS (PyPI ralph-malph) with its MongoDB backend on the same store.

Installed and started by scripts/ralph_lrs.py (its own virtual environment under
var/bench/ralph-venv, never the platform's); receives the same activities as xAPI statements
through wrk, with the same connections and duration as our ingestion runs.
"""
import base64
import os

import load
from ralph_lrs import REQUIREMENTS, ROOT, Ralph


def measure(env, seconds, connections):
    # As many uvicorn workers as gunicorn gives our gateway.
    ralph = Ralph(env, "ralph", ROOT / "var" / "log" / "bench" / "ralph.log",
                  workers=int(os.environ.get("GATEWAY_WORKERS", "2"))).start()
    try:
        auth = "Basic " + base64.b64encode(f"{ralph.username}:{ralph.password}".encode()).decode()
        runs = {}
        for name, batch, conns in (("single", 1, connections), ("batch_100", 100, max(4, connections // 2))):
            run = load.wrk(ralph.url, "xapi.lua", {"RALPH_AUTH": auth, "BATCH": str(batch)}, seconds, conns)
            run["statements_per_s"] = round(run["requests_per_s"] * batch, 1)
            runs[name] = run
        return {"package": REQUIREMENTS.read_text().split()[0], "runs": runs}
    finally:
        ralph.stop()
