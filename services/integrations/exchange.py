"""The integration topic exchange: declared at start, published to with pipelined confirms."""
from kombu import Connection, Exchange

from mooc_common.infra.confirms import ConfirmedChannel, publish_all

from . import routing

CONFIRM_TIMEOUT_SECONDS = 30.0


class IntegrationExchange:
    """``publish_all(messages)`` returns once the broker confirmed every (persistent) message,
    and raises otherwise (the relay's batch is then retried). One owner: the relay loop."""

    def __init__(self, amqp_uri):
        self.amqp_uri = amqp_uri
        self.exchange = Exchange(routing.EXCHANGE, type="topic", durable=True)
        self.channel = None

    def declare(self):
        with Connection(self.amqp_uri) as conn:
            self.exchange(conn.default_channel).declare()

    def publish_all(self, messages):
        if not messages:
            return
        if self.channel is None:
            self.channel = ConfirmedChannel(self.amqp_uri)
        try:
            publish_all(self.channel, messages, CONFIRM_TIMEOUT_SECONDS)
        except Exception:  # a broken or doubtful channel is not reused
            self.channel.close()
            self.channel = None
            raise

    def close(self):
        if self.channel is not None:
            self.channel.close()
            self.channel = None
