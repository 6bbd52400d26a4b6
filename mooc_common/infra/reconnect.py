"""Consumers reconnect to the broker within a second or two of its return.

nameko's queue consumers (RPC and event handlers alike) reconnect through kombu's
``ensure_connection`` with its defaults: waits of 2, 4, 6, ... up to 30 s between attempts, so
a broker back after 8 s was found again only at the attempt 12 s (or 20 s) after the loss,
and the activity queue filled meanwhile. The waits here go 0.5, 1, 1.5, 2, 2, ... s: an
attempt is one TCP connect to a refused port while the broker is down (cheap), and the service
resumes at most 2 s after the broker does. ``install()`` is called once through
``service_base``, like ``rpc_replies``.
"""
import contextlib

from nameko.messaging import QueueConsumer

INTERVAL_START, INTERVAL_STEP, INTERVAL_MAX = 0.5, 0.5, 2.0


@contextlib.contextmanager
def establish_connection(self):
    with self.create_connection() as conn:
        conn.ensure_connection(self.on_connection_error, self.connect_max_retries,
                               interval_start=INTERVAL_START, interval_step=INTERVAL_STEP,
                               interval_max=INTERVAL_MAX)
        yield conn


def install():
    QueueConsumer.establish_connection = establish_connection
