#!/usr/bin/env python3
"""The gateway's activity publishing alone: confirmed activity messages per second, the latency
of one publish (p50/p99) and the publishing process's CPU per message, from as many threads as
a gateway process serves, three ways:

- one synchronous confirm per message on a connection per thread (kombu's ``confirm_publish``:
  the gateway until issue 15);
- confirms pipelined by one publishing thread that writes every message handed over since its
  last round, then awaits their confirms together (``ConfirmedChannel``, round by round);
- one channel shared by the threads, each writing its own message and whichever waits reading
  the acks for all (``SharedConfirms``: the gateway now, gateway/activity_publisher.py).

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

import queue  # noqa: E402

from kombu import Connection  # noqa: E402

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
    began, cpu = time.monotonic(), time.process_time()
    [w.start() for w in workers]
    [w.join() for w in workers]
    elapsed, cpu = time.monotonic() - began, time.process_time() - cpu
    every = [x for lane in latencies for x in lane]
    return {"per_s": round(len(every) / elapsed, 1), "p50_ms": round(percentile(every, 50) * 1000, 2),
            "p99_ms": round(percentile(every, 99) * 1000, 2), "cpu_ms": round(cpu / len(every) * 1000, 3)}


class ConfirmPerThread:
    """The gateway until issue 15: a kombu connection per thread, publish() blocks until its ack."""

    def __init__(self, amqp_uri):
        self.amqp_uri, self.local = amqp_uri, threading.local()

    def publish(self, message):
        producer = getattr(self.local, "producer", None)
        if producer is None:
            connection = Connection(self.amqp_uri, transport_options={"confirm_publish": True})
            producer = self.local.producer = connection.Producer(serializer="json")
            QUEUE(producer.channel).declare()
        producer.publish(message, exchange=EXCHANGE, routing_key=contract.INGEST_ROUTING_KEY,
                         delivery_mode=2, mandatory=True, retry=False)


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
        results, queued = {}, 0
        for label, publisher in (("a synchronous confirm per thread (before)", ConfirmPerThread(uri)),
                                 ("confirms pipelined by one thread", PipelinedPublisher(uri)),
                                 ("one channel shared (the gateway's)", ActivityPublisher(uri))):
            results[label] = measure(args.threads, args.seconds, lambda: publisher.publish)
            with Connection(uri) as conn:
                queued += conn.channel().queue_purge(QUEUE.name)
        report(args, results, queued)  # before the vhost's removal, which can take minutes


def report(args, results, queued):
    print(f"{args.threads} threads, {args.seconds:.0f} s each, persistent confirmed messages ({queued} queued in all)")
    for label, r in results.items():
        print(f"{label:<42} {r['per_s']:>8}/s  p50 {r['p50_ms']} ms  p99 {r['p99_ms']} ms  "
              f"CPU {r['cpu_ms']} ms/message", flush=True)


if __name__ == "__main__":
    main()
