"""The platform's queues seen through the RabbitMQ management API: waiting for them all to
drain (before each scenario), and sampling their depths during a run (the queue that grows
belongs to the slowest consumer)."""
import threading
import time

import requests

from isolated_env import Broker


def _vhost(env):
    return env["AMQP_URI"].rsplit("/", 1)[1]


def listed(env):
    """Every queue of the platform's vhost, as the management API describes it."""
    broker = Broker(env)
    return requests.get(f"{broker.api}/queues/{_vhost(env)}", auth=broker.auth, timeout=10).json()


def depths(env, unacknowledged=True):
    """``{queue: messages ready (+ delivered, not yet acknowledged)}`` for every queue of the
    platform's vhost."""
    return {q["name"]: (q.get("messages_ready") or 0) + unacknowledged * (q.get("messages_unacknowledged") or 0)
            for q in listed(env)}


def wait_drained(env, quiet=6.0, timeout=300):
    """Wait until every queue of the platform has been empty (nothing ready, nothing in a
    consumer's hands) for ``quiet`` seconds: longer than the management API's statistics
    interval (5 s by default), so that a stale zero is not taken for a drained queue, and a
    consumer that just acked has published its next hop. Returns when it was."""
    deadline, empty_since = time.monotonic() + timeout, None
    while time.monotonic() < deadline:
        busy = sum(depths(env).values())
        now = time.monotonic()
        empty_since = (empty_since or now) if busy == 0 else None
        if empty_since is not None and now - empty_since >= quiet:
            return now
        time.sleep(0.5)
    raise RuntimeError(f"the platform's queues did not drain within {timeout}s")


class BacklogSampler(threading.Thread):
    """Samples every queue's depth once a second: the consumer whose queue grows is the
    bottleneck of the end-to-end path (a cheap profile that needs no instrumentation)."""

    def __init__(self, env):
        super().__init__(daemon=True)
        self.env = env
        self.peaks, self.stopped = {}, threading.Event()

    def run(self):
        while not self.stopped.wait(1.0):
            try:
                sample = depths(self.env, unacknowledged=False)  # waiting, not in hand
            except requests.RequestException:
                continue
            for name, depth in sample.items():
                self.peaks[name] = max(depth, self.peaks.get(name, 0))

    def top(self, count=6):
        return dict(sorted(((q, n) for q, n in self.peaks.items() if n), key=lambda item: -item[1])[:count])
