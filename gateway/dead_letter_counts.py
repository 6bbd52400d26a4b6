"""How many messages wait in each service's dead-letter queue (``dead-letter.<service>``,
see mooc_common/infra/events.py), for /ready's warnings."""
import logging

from kombu import Connection

log = logging.getLogger(__name__)


class DeadLetterCounts:
    def __init__(self, amqp_uri, connect_timeout=2.0):
        self.amqp_uri, self.connect_timeout = amqp_uri, connect_timeout

    def counts(self, services):
        """``{queue: messages}``; a queue not declared yet counts 0; {} if the broker is away."""
        found = {}
        try:
            with Connection(self.amqp_uri, connect_timeout=self.connect_timeout) as conn:
                conn.ensure_connection(max_retries=1)
                for service in services:
                    queue = f"dead-letter.{service}"
                    channel = conn.channel()
                    try:
                        found[queue] = channel.queue_declare(queue=queue, passive=True).message_count
                    except Exception:  # not declared yet (the service never started): nothing in it
                        found[queue] = 0
                    finally:
                        try:
                            channel.close()
                        except Exception:
                            pass
        except Exception:
            log.warning("could not count dead letters", exc_info=True)
            return {}
        for queue, n in found.items():
            if n:
                log.warning("%d message(s) in %s: inspect with scripts/dead_letters.py", n, queue)
        return found
