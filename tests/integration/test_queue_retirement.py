"""A batch consumer that replaced per-event nameko handlers (the integrations relay, progress's
enrollment replica, notifications' enrollment mails) names their queues in ``replaces``; at
start (``BatchConsumer.declare``), over the real broker, what waits in them and in their retry
queues is moved into its own queue, and they are deleted: an upgraded platform loses no event
and no queue keeps filling up unread. A restart finds nothing left to retire."""
import uuid
from types import SimpleNamespace

import pytest
from kombu import Connection, Exchange, Queue

from mooc_common.contracts.events.courses import ENROLLMENT_CREATED
from mooc_common.infra import queue_retirement
from mooc_common.infra.batch_consumer import BatchConsumer
from mooc_common.infra.event_batches import EventBatches
from mooc_common.infra.events import dead_letter_queue_name

pytestmark = pytest.mark.integration


class Replacing(BatchConsumer):
    """The smallest batch consumer of ``enrollment.created`` that replaced a handler."""

    def make_batches(self, config, max_messages):
        name = self.container.service_name
        return EventBatches(config, name, f"{name}.enrollments", [ENROLLMENT_CREATED], prefetch=10,
                            single_active_consumer=False)


@pytest.fixture
def replacing(probe_env):
    config = {k: probe_env[k] for k in ("AMQP_URI", "EVENT_MAX_ATTEMPTS", "EVENT_RETRY_DELAY_MS")}
    service = f"retire_probe_{uuid.uuid4().hex[:8]}"
    old = queue_retirement.handler_queue(ENROLLMENT_CREATED, service, "on_enrollment_created")
    consumer = Replacing()
    consumer.replaces = ((ENROLLMENT_CREATED, old),)
    consumer.container = SimpleNamespace(config=config, service_name=service)
    consumer.setup()
    yield consumer, config["AMQP_URI"], old
    with Connection(config["AMQP_URI"]) as conn:
        for queue in (consumer.batches.queue.name, dead_letter_queue_name(service), f"{old}.retry.2000ms",
                      old, consumer.batches.failures.retry_queue(consumer.batches.failures.base_delay).name):
            conn.channel().queue_delete(queue)


def _count(uri, queue):
    with Connection(uri) as conn:
        return conn.channel().queue_declare(queue=queue, passive=True).message_count


def test_the_queues_of_the_replaced_handler_are_emptied_into_the_consumers_queue(replacing):
    consumer, uri, old = replacing
    retry = f"{old}.retry.{consumer.batches.failures.delay_ms(1)}ms"
    exchange = Exchange("courses.events", type="topic", durable=True)
    with Connection(uri) as conn:
        channel = conn.channel()
        Queue(old, exchange=exchange, routing_key=ENROLLMENT_CREATED.type, durable=True)(channel).declare()
        Queue(retry, durable=True, queue_arguments={"x-message-ttl": 600_000, "x-dead-letter-exchange": "",
                                                    "x-dead-letter-routing-key": old})(channel).declare()
        producer = conn.Producer(channel)
        for i in range(5):
            producer.publish({"n": i}, exchange="", routing_key=old, delivery_mode=2)
        producer.publish({"n": "retried"}, exchange="", routing_key=retry, delivery_mode=2)

    consumer.declare()
    target = consumer.batches.queue.name
    assert _count(uri, target) == 6
    with Connection(uri) as conn:
        for queue in (old, retry):
            with pytest.raises(Exception):  # deleted
                conn.channel().queue_declare(queue=queue, passive=True)
        # an event published now reaches the consumer's queue only (the old one was unbound first)
        conn.Producer(conn.channel()).publish({"n": "new"}, exchange=exchange, routing_key=ENROLLMENT_CREATED.type,
                                              delivery_mode=2)
    assert _count(uri, target) == 7

    consumer.declare()  # a restart: nothing left to retire, nothing moved twice
    assert _count(uri, target) == 7
