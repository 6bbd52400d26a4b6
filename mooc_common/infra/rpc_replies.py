"""RPC replies that survive a broker outage.

nameko 2.14 publishes an RPC reply from the worker's result handler; if the broker is away,
the publish raises there, the exception ends a managed thread and the whole container kills
itself: one broker restart took the service down for good. The reply cannot be delivered
anyway (the caller's reply queue went with the connection, and the caller times out and
answers 503), so a reply that fails on an outage is logged and dropped instead; any other
error still propagates. ``install()`` points nameko's Responder at this publisher; every
service calls it through ``service_base``.
"""
import logging

from nameko import rpc
from nameko.amqp.publish import Publisher

from .outages import is_outage

log = logging.getLogger(__name__)


class OutageTolerantReplyPublisher(Publisher):
    def publish(self, payload, **kwargs):
        try:
            return super().publish(payload, **kwargs)
        except Exception as exc:
            if not is_outage(exc):
                raise
            log.warning("could not send an RPC reply (the broker is unreachable; the caller times "
                        "out and retries): %r", exc)
            return None


def install():
    rpc.Responder.publisher_cls = OutageTolerantReplyPublisher
