"""The platform's queues seen through the RabbitMQ management API: waiting for them to drain
(before a scenario, and to time how fast a consumer applied what was accepted), and sampling
their depths during a run (the queue that grows belongs to the slowest consumer)."""
import threading
import time

import requests

from isolated_env import Broker


def _vhost(env):
    return env["AMQP_URI"].rsplit("/", 1)[1]


def depths(env, unacknowledged=True):
    """``{queue: messages ready (+ delivered, not yet acknowledged)}`` for every queue of the
    platform's vhost."""
    broker = Broker(env)
    queues = requests.get(f"{broker.api}/queues/{_vhost(env)}", auth=broker.auth, timeout=10).json()
    return {q["name"]: (q.get("messages_ready") or 0) + unacknowledged * (q.get("messages_unacknowledged") or 0)
            for q in queues}


def wait_drained(env, queue=None, timeout=300, settle=1):
    """Wait until ``queue`` (None: every queue of the platform) is empty ``settle`` samples in a
    row (a consumer that just acked may still publish the next hop); returns when it was."""
    deadline, empty_in_a_row = time.monotonic() + timeout, 0
    while time.monotonic() < deadline:
        waiting = depths(env)
        busy = waiting.get(queue, 0) if queue else sum(waiting.values())
        empty_in_a_row = empty_in_a_row + 1 if busy == 0 else 0
        if empty_in_a_row >= settle:
            return time.monotonic()
        time.sleep(0.5)
    raise RuntimeError(f"{queue or 'the platform'}'s queues did not drain within {timeout}s")


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
