"""How many messages wait in named queues, read with passive declares (nothing is created).

Shared by the gateway's /ready (dead letters per service) and each service's queue-depth
metrics. A queue that is not declared yet is left out of the answer; the broker being away
raises, and the callers decide what that means for them.
"""
from kombu import Connection


def message_counts(amqp_uri, names, connect_timeout=2.0):
    """``{queue name: messages waiting}`` for each of ``names`` that exists."""
    found = {}
    with Connection(amqp_uri, connect_timeout=connect_timeout) as conn:
        conn.ensure_connection(max_retries=1)
        for name in names:
            # One channel per queue: a passive declare of a missing queue closes its channel.
            channel = conn.channel()
            try:
                found[name] = channel.queue_declare(queue=name, passive=True).message_count
            except Exception:  # not declared (yet): nothing waits in it
                pass
            finally:
                try:
                    channel.close()
                except Exception:
                    pass
    return found
