"""Load generation on loopback: wrk for request rates, and a paced Python sender for lag."""
import json
import os
import shutil
import subprocess
import time
import uuid


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


def paced_completions(base_url, learners, batches_per_s, report_path, admin, timeout=120):
    """Send each learner's whole course as one batch of lesson_completed activities, paced;
    poll the tenant report until every completion is visible. Returns lag samples (seconds
    from a batch's 202 to the report counting that learner's completion, in order) and rates."""
    sent_at = []
    interval = 1.0 / batches_per_s
    baseline = admin.get(report_path)["completions"]
    start = time.monotonic()
    for index, learner in enumerate(learners):
        due = start + index * interval
        delay = due - time.monotonic()
        if delay > 0:
            time.sleep(delay)
        now = time.strftime("%Y-%m-%dT%H:%M:%S+00:00", time.gmtime())
        learner["client"].post("/api/v1/activities/batch", {"activities": [
            {"activity_id": str(uuid.uuid4()), "kind": "lesson_completed", "course_id": learner["course_id"],
             "lesson_id": lesson, "occurred_at": now} for lesson in learner["lessons"]]}, expect=(202,))
        sent_at.append(time.monotonic())
    sending_done = time.monotonic()
    visible_at, deadline = [], time.monotonic() + timeout
    while len(visible_at) < len(learners) and time.monotonic() < deadline:
        seen = admin.get(report_path)["completions"] - baseline
        now = time.monotonic()
        while len(visible_at) < min(seen, len(learners)):
            visible_at.append(now)
        time.sleep(0.02)
    lags = [v - s for s, v in zip(sent_at, visible_at)]
    return {"sent_seconds": sending_done - start, "last_visible": (visible_at[-1] - start) if visible_at else None,
            "lags": lags, "complete": len(visible_at) == len(learners)}
