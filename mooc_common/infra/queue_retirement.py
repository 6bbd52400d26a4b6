"""Retiring the queues of per-event nameko handlers that a batch consumer replaced (the
integrations relay, progress's enrollment replica): what waits in them is moved to the batch
consumer's queue and they are deleted, so that an upgraded platform loses no event and stops
filling queues nobody reads.
"""
import logging

from kombu import Connection

log = logging.getLogger(__name__)


def handler_queue(event_type, service_name, method_name):
    """The queue nameko declares for the event handler ``service_name.method_name``."""
    return f"evt-{event_type.producer}-{event_type.type}--{service_name}.{method_name}"


def retire_handler_queues(amqp_uri, handlers, into_queue, retry_delays_ms):
    """For each ``(event type, queue name)`` of ``handlers``: move what waits in the queue (and
    in its retry queues, which expire into it) to ``into_queue`` and delete them. Each queue is
    unbound first; a message is acked only after its copy is confirmed; a queue still holding
    messages is not deleted."""
    with Connection(amqp_uri) as conn:
        for event_type, old in handlers:
            if not _exists(conn, old):  # never declared (a fresh broker), or retired before
                continue
            conn.channel().queue_unbind(old, f"{event_type.producer}.events", routing_key=event_type.type)
            retries = [q for q in (f"{old}.retry.{ms}ms" for ms in sorted(retry_delays_ms)) if _exists(conn, q)]
            for queue in retries + [old]:
                _move(conn, queue, into_queue)
                conn.channel().queue_delete(queue, if_empty=True)
            log.info("retired the handler queue %s into %s", old, into_queue)


def _exists(conn, queue):
    channel = conn.channel()  # a failed passive declare closes its channel: one each
    try:
        channel.queue_declare(queue, passive=True)
        return True
    except Exception:
        return False


def _move(conn, source, target):
    reader, writer = conn.channel(), conn.channel()
    while True:
        message = reader.basic_get(source, no_ack=False)
        if message is None:
            return
        writer.basic_publish_confirm(message, exchange="", routing_key=target)  # returns once confirmed
        reader.basic_ack(message.delivery_tag)
