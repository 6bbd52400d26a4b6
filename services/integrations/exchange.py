"""The integration topic exchange: declared at start, published to with pipelined confirms."""
from kombu import Connection, Exchange

from mooc_common.infra.confirms import ConfirmingPublisher

from . import routing

CONFIRM_TIMEOUT_SECONDS = 30.0


class IntegrationExchange:
    """``publish_all(messages)`` returns once the broker confirmed every (persistent) message,
    and raises otherwise (the relay's batch is then retried). One owner: the relay loop."""

    def __init__(self, amqp_uri):
        self.amqp_uri = amqp_uri
        self.exchange = Exchange(routing.EXCHANGE, type="topic", durable=True)
        self.publisher = ConfirmingPublisher(amqp_uri, CONFIRM_TIMEOUT_SECONDS)
        self.publish_all, self.close = self.publisher.publish_all, self.publisher.close

    def declare(self):
        with Connection(self.amqp_uri) as conn:
            self.exchange(conn.default_channel).declare()
