#!/usr/bin/env python3
"""Single-activity ingestion (``POST /activities``) against gateways of several shapes, on one
platform: requests/s, latency p50/p99, and the CPU each request cost the gateway and the broker
(CPU seconds from /proc, which a loaded machine changes far less than the rates).

    .venv/bin/python bench/gateway_ingest.py [--settings 2x8,1x16] [--seconds 5] [--connections 32]
                                             [--baseline DIR] [--repeat N] [--batch 100] [--lessons 20]

A setting is WORKERSxTHREADS (gunicorn's GATEWAY_WORKERS, GATEWAY_THREADS). Starts its own
platform (as `make bench` does: own vhost, databases and ports, all five services, so progress
consumes the activities as they come), then, per setting, one extra gateway on a free port,
wrk as in `bench/run.py`'s ingest scenario, and empties the activity queue before the next
setting. Prints one line per setting and the load average around it.
"""
import argparse
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "scripts"), str(ROOT / "bench")]

import cpu_budget  # noqa: E402
import load  # noqa: E402
from isolated_env import free_port, isolated_env, started_platform  # noqa: E402
from platformctl import process_env, read_env_file  # noqa: E402
from kombu import Connection  # noqa: E402

from gateway.activity_publisher import QUEUE  # noqa: E402
from seeding import seed  # noqa: E402


def children(pid):
    try:
        return [int(p) for p in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    except OSError:
        return []


def gateway_and_broker_cpu(gateway):
    """CPU seconds so far of the gateway (with its workers) and of the broker (its beam.smp)."""
    return cpu_budget.cpu_seconds(gateway.process.pid), cpu_budget.cpu_seconds(cpu_budget.infra_pid("broker"))


def purge(env):
    """Empty the activity queue: progress applies a few hundred activities a second on a loaded
    machine, and what one setting queued must not weigh on the next."""
    with Connection(env["AMQP_URI"]) as conn:
        QUEUE(conn.default_channel).purge()


class Gateway:
    """One gunicorn gateway of the given shape on a free port, stopped with SIGTERM."""

    def __init__(self, env, workers, threads, log, source=ROOT):
        self.port = free_port()
        genv = dict(process_env("gateway", env), GATEWAY_PORT=str(self.port), GATEWAY_HOST="127.0.0.1",
                    GATEWAY_WORKERS=str(workers), GATEWAY_THREADS=str(threads))
        genv.pop("PROMETHEUS_MULTIPROC_DIR", None)  # its own (gunicorn_conf makes and removes one)
        genv["PYTHONPATH"] = str(source)
        self.process = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "-c", str(Path(source) / "gateway" / "gunicorn_conf.py"),
             "gateway.app:create_app_from_env()"], env=genv, cwd=source, stdout=log, stderr=log)
        self.url = f"http://127.0.0.1:{self.port}"
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                if requests.get(f"{self.url}/health", timeout=2).status_code == 200 \
                        and len(children(self.process.pid)) == workers:
                    return
            except requests.RequestException:
                pass
            time.sleep(0.3)
        self.stop()
        raise RuntimeError("the gateway did not start within 60 s")

    def stop(self):
        self.process.send_signal(signal.SIGTERM)
        self.process.wait(timeout=60)


def measure(env, tokens, setting, seconds, connections, log, source=ROOT, batch=1):
    workers, threads = (int(x) for x in setting.split("x"))
    gateway = Gateway(env, workers, threads, log, source)
    try:
        # Warm up (token and enrollment caches, connections), unmeasured.
        load.wrk(gateway.url, "activity.lua", {"TOKENS_FILE": str(tokens), "BATCH": str(batch)}, 1, connections)
        purge(env)
        before, started = gateway_and_broker_cpu(gateway), time.monotonic()
        load_before = os.getloadavg()[0]
        result = load.wrk(gateway.url, "activity.lua", {"TOKENS_FILE": str(tokens), "BATCH": str(batch)},
                          seconds, connections)
        gateway_cpu, broker_cpu = (now - then for now, then in zip(gateway_and_broker_cpu(gateway), before))
        requests_done = max(1, result["requests"])
        result.update(setting=setting, load_before=load_before, load_after=os.getloadavg()[0],
                      gateway_cpu_ms_per_request=round(gateway_cpu / requests_done * 1000, 3),
                      broker_cpu_ms_per_request=round(broker_cpu / requests_done * 1000, 3),
                      gateway_cpu_cores=round(gateway_cpu / (time.monotonic() - started), 2))
        return result
    finally:
        gateway.stop()
        purge(env)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--settings", default="2x8", help="comma-separated WORKERSxTHREADS")
    parser.add_argument("--seconds", type=int, default=5)
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--learners", type=int, default=32)
    parser.add_argument("--lessons", type=int, default=5, help="lessons of the seeded course (make bench: 20)")
    parser.add_argument("--repeat", type=int, default=1, help="runs of each setting (interleaved)")
    parser.add_argument("--baseline", help="source directory of the gateway to compare with")
    parser.add_argument("--batch", type=int, default=1, help="activities per request (1: POST /activities)")
    args = parser.parse_args()
    infra = read_env_file(ROOT / "var" / "infra.env")
    log_dir = ROOT / "var" / "log" / "bench"
    with isolated_env(infra, "bench") as env, started_platform(env, log_dir) as plat:
        data = seed(plat, args.learners, args.lessons)
        tokens = ROOT / "var" / "bench" / "tokens.txt"
        tokens.parent.mkdir(parents=True, exist_ok=True)
        tokens.write_text("".join(f"{l['token']} {l['course_id']} {','.join(l['lessons'])}\n"
                                  for l in data["learners"]))
        with open(log_dir / "gateway-settings.log", "ab") as log:
            for _ in range(args.repeat):
                for setting in args.settings.split(","):
                    for label, source in ((("baseline", args.baseline),) if args.baseline else ()) + (("this", ROOT),):
                        r = measure(plat.env, tokens, setting, args.seconds, args.connections, log, source,
                                    args.batch)
                        print(f"{label:>8} {setting:>5}: {r['requests_per_s'] * args.batch:8.1f} activities/s  "
                              f"p50 {r['p50_ms']:7.2f} ms  "
                              f"p99 {r['p99_ms']:7.2f} ms  non-2xx {r['non_2xx']}  gateway CPU "
                              f"{r['gateway_cpu_ms_per_request']:.3f} ms/req ({r['gateway_cpu_cores']} cores)  "
                              f"broker CPU {r['broker_cpu_ms_per_request']:.3f} ms/req  "
                              f"load {r['load_before']:.1f}->{r['load_after']:.1f}", flush=True)


if __name__ == "__main__":
    main()
