"""How many messages wait in each service's dead-letter queue (``dead-letter.<service>``,
see mooc_common/infra/events.py), for /ready's warnings."""
import logging

from mooc_common.infra.queue_depths import message_counts

log = logging.getLogger(__name__)


class DeadLetterCounts:
    def __init__(self, amqp_uri, connect_timeout=2.0):
        self.amqp_uri, self.connect_timeout = amqp_uri, connect_timeout

    def counts(self, services):
        """``{queue: messages}``; a queue not declared yet counts 0; {} if the broker is away."""
        queues = [f"dead-letter.{service}" for service in services]
        try:
            found = message_counts(self.amqp_uri, queues, self.connect_timeout)
        except Exception:
            log.warning("could not count dead letters", exc_info=True)
            return {}
        found = {queue: found.get(queue, 0) for queue in queues}
        for queue, n in found.items():
            if n:
                log.warning("%d message(s) in %s: inspect with scripts/dead_letters.py", n, queue)
        return found
