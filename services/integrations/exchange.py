"""The integration topic exchange: declared at start, published to with confirms."""
from kombu import Connection, Exchange
from nameko.amqp.publish import Publisher
from nameko.constants import AMQP_URI_CONFIG_KEY
from nameko.extensions import DependencyProvider

from . import routing


class IntegrationExchange(DependencyProvider):
    """Inject ``publish(body, routing_key, event_id, event_type)``: returns after the broker
    confirmed the (persistent) message, raises otherwise (the handler then retries)."""

    def setup(self):
        self.exchange = Exchange(routing.EXCHANGE, type="topic", durable=True)
        self.publisher = Publisher(self.container.config[AMQP_URI_CONFIG_KEY], use_confirms=True,
                                   declare=[self.exchange])

    def start(self):
        with Connection(self.container.config[AMQP_URI_CONFIG_KEY]) as conn:
            self.exchange(conn.default_channel).declare()

    def get_dependency(self, worker_ctx):
        def publish(body, routing_key, event_id, event_type):
            # A str body with a content type is sent as is (no second JSON encoding).
            self.publisher.publish(body, exchange=self.exchange, routing_key=routing_key,
                                   content_type="application/json", content_encoding="utf-8",
                                   message_id=event_id, type=event_type)
        return publish
