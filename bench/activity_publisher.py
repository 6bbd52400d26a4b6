#!/usr/bin/env python3
"""The gateway's activity publishing alone: confirmed activity messages per second and the
latency of one publish (p50/p99), from as many threads as a gateway process serves, with one
synchronous confirm per message on a connection per thread (gateway/activity_publisher.py)
and, for comparison, with the confirms pipelined across threads: one publishing thread writes
every message handed over since its last round, then awaits their confirms together
(mooc_common/infra/confirms.py). Measured in issue 15: the pipelined variant was slower here
(one Python thread writes and settles every message, and the broker already groups the disk
flushes of concurrent connections), so the gateway keeps one synchronous confirm per request.

    .venv/bin/python bench/activity_publisher.py [--threads 16] [--seconds 5]

On the broker of var/infra.env (`make infra` first), in a vhost of its own, removed afterwards.
No platform: this isolates the broker round trips from the rest of a request.
"""
import argparse
import json
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "scripts"), str(ROOT / "bench")]

from kombu import Connection  # noqa: E402

import queue  # noqa: E402

from gateway.activity_publisher import EXCHANGE, QUEUE, ActivityPublisher  # noqa: E402
from mooc_common.infra.confirms import ConfirmedChannel  # noqa: E402
from isolated_env import isolated_env  # noqa: E402
from limits import MESSAGE  # noqa: E402
from mooc_common.contracts import activities as contract  # noqa: E402
from platformctl import read_env_file  # noqa: E402


def percentile(values, p):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]


def measure(threads, seconds, make_publish):
    """``threads`` threads each call their ``make_publish()``'s function until time is up."""
    latencies = [[] for _ in range(threads)]
    stop = time.monotonic() + seconds

    def run(i):
        publish = make_publish()
        while time.monotonic() < stop:
            started = time.perf_counter()
            publish(MESSAGE)
            latencies[i].append(time.perf_counter() - started)

    workers = [threading.Thread(target=run, args=(i,)) for i in range(threads)]
    began = time.monotonic()
    [w.start() for w in workers]
    [w.join() for w in workers]
    elapsed = time.monotonic() - began
    every = [x for lane in latencies for x in lane]
    return {"per_s": round(len(every) / elapsed, 1), "p50_ms": round(percentile(every, 50) * 1000, 2),
            "p99_ms": round(percentile(every, 99) * 1000, 2)}


class PipelinedPublisher:
    """Request threads hand their message to one publishing thread and wait for its confirm."""

    def __init__(self, amqp_uri):
        self.handovers = queue.Queue()
        self.channel = ConfirmedChannel(amqp_uri)
        self.channel.declare(QUEUE)
        threading.Thread(target=self._run, daemon=True).start()

    def publish(self, message):
        done = threading.Event()
        self.handovers.put((json.dumps(message).encode(), done))
        done.wait()

    def _run(self):
        while True:
            round_ = [self.handovers.get()]
            while True:
                try:
                    round_.append(self.handovers.get_nowait())
                except queue.Empty:
                    break
            for body, done in round_:
                self.channel.publish(body, exchange=EXCHANGE, routing_key=contract.INGEST_ROUTING_KEY,
                                     on_done=lambda error, done=done: done.set(), mandatory=True,
                                     content_type="application/json", content_encoding="utf-8")
            self.channel.wait(10)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--threads", type=int, default=16)
    parser.add_argument("--seconds", type=float, default=5)
    args = parser.parse_args()
    infra = read_env_file(ROOT / "var" / "infra.env")
    with isolated_env(infra, "bench-publisher") as env:
        uri = env["AMQP_URI"]
        gateway = ActivityPublisher(uri)  # a connection per thread, one synchronous confirm each
        before = measure(args.threads, args.seconds, lambda: gateway.publish)
        pipelined = PipelinedPublisher(uri)
        after = measure(args.threads, args.seconds, lambda: pipelined.publish)
        with Connection(uri) as conn:
            queued = conn.channel().queue_purge(QUEUE.name)
        report(args, before, after, queued)  # before the vhost's removal, which can take minutes


def report(args, before, after, queued):
    print(f"{args.threads} threads, {args.seconds:.0f} s each, persistent confirmed messages ({queued} queued in all)")
    print(f"one synchronous confirm per message (the gateway's): {before['per_s']}/s, p50 {before['p50_ms']} ms, p99 {before['p99_ms']} ms")
    print(f"confirms pipelined by one thread:                 {after['per_s']}/s, p50 {after['p50_ms']} ms, p99 {after['p99_ms']} ms",
          flush=True)


if __name__ == "__main__":
    main()
