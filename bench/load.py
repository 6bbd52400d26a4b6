"""Load generation on loopback: wrk for request rates, and a paced Python sender for lag."""
import concurrent.futures
import json
import os
import shutil
import subprocess
import threading
import time
import uuid

import requests


WRK_SCRIPTS = os.path.join(os.path.dirname(__file__), "wrk")


def wrk(url, script, env, seconds, connections, threads=2):
    """Run wrk (bounded in time) and return its WRK_RESULT numbers."""
    if not shutil.which("wrk"):
        raise RuntimeError("wrk is not installed: apt-get install wrk")
    out = subprocess.run(
        ["wrk", f"-t{threads}", f"-c{connections}", f"-d{seconds}s", "--latency", "--timeout", "10s",
         "-s", os.path.join(WRK_SCRIPTS, script), url],
        env=dict(os.environ, **env), capture_output=True, text=True, timeout=seconds + 60)
    line = next((l for l in out.stdout.splitlines() if l.startswith("WRK_RESULT ")), None)
    if line is None:
        raise RuntimeError(f"wrk failed: {out.stdout[-500:]} {out.stderr[-500:]}")
    result = json.loads(line[len("WRK_RESULT "):])
    result["requests_per_s"] = round(result["requests"] / (result["duration_us"] / 1e6), 1)
    return result


def paced_completions(base_url, learners, batches_per_s, completions, timeout=120, senders=8):
    """Send each learner's whole course as one batch of lesson_completed activities, paced at
    ``batches_per_s`` by ``senders`` threads (one HTTP session each, the learner's token per
    request); poll ``completions()`` (the report's count) until every learner's completion is
    visible or ``timeout`` s after the last send. Returns lag samples (seconds from a batch's
    202 to the report counting one more completion, in order) and rates."""
    baseline, start = completions(), time.monotonic()
    sent_at = [None] * len(learners)
    local = threading.local()

    def send(index):
        delay = start + index / batches_per_s - time.monotonic()
        if delay > 0:
            time.sleep(delay)
        if not hasattr(local, "session"):
            local.session = requests.Session()
        _post_course(local.session, base_url, learners[index])
        sent_at[index] = time.monotonic()

    # The report is polled WHILE the batches go out, so a completion's lag is not the time the
    # rest of the sending took (the poller stops `timeout` s after the last send).
    deadline = [float("inf")]
    visible_at = []
    poller = threading.Thread(target=_visible_times, daemon=True,
                              args=(completions, baseline, len(learners), deadline, visible_at))
    poller.start()
    with concurrent.futures.ThreadPoolExecutor(senders) as pool:
        list(pool.map(send, range(len(learners))))
    sending_done = time.monotonic()
    deadline[0] = sending_done + timeout
    poller.join()
    sent_at.sort()
    lags = [v - s for s, v in zip(sent_at, visible_at)]
    return {"sent_seconds": sending_done - start, "last_visible": (visible_at[-1] - start) if visible_at else None,
            "lags": lags, "complete": len(visible_at) == len(learners), "visible": len(visible_at)}


def _post_course(session, base_url, learner):
    now = time.strftime("%Y-%m-%dT%H:%M:%S+00:00", time.gmtime())
    response = session.post(f"{base_url}/api/v1/activities/batch", timeout=60, json={"activities": [
        {"activity_id": str(uuid.uuid4()), "kind": "lesson_completed", "course_id": learner["course_id"],
         "lesson_id": lesson, "occurred_at": now} for lesson in learner["lessons"]]},
        headers={"Authorization": f"Bearer {learner['token']}"})
    if response.status_code != 202:
        raise RuntimeError(f"activities refused: {response.status_code} {response.text[:300]}")


def _visible_times(completions, baseline, expected, deadline, visible_at):
    """Append when the report counted each further completion to ``visible_at`` (polled every
    50 ms until ``deadline[0]``, which the sender sets once done: finer than the lag targets,
    light enough not to load the reports service)."""
    while len(visible_at) < expected and time.monotonic() < deadline[0]:
        seen = completions() - baseline
        now = time.monotonic()
        while len(visible_at) < min(seen, expected):
            visible_at.append(now)
        time.sleep(0.05)
