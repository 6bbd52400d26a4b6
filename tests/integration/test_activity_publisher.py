"""The gateway's activity publisher over the real broker: concurrent requests each return only
once their own message is in the durable queue (one channel shared by the threads), an
unroutable message fails alone; an unreachable broker fails fast."""
import concurrent.futures
import uuid

import pytest
from kombu import Connection

from gateway.activity_publisher import EXCHANGE, QUEUE, ActivityPublisher
from gateway.errors import ServiceUnavailable
from mooc_common.contracts import activities as contract
from mooc_common.infra.confirms import MessageNotConfirmed

pytestmark = pytest.mark.integration


def _depth(uri):
    with Connection(uri) as conn:
        return conn.channel().queue_declare(queue=QUEUE.name, passive=True).message_count


def _message():
    return {"learner_id": uuid.uuid4().hex, "tenant_id": uuid.uuid4().hex, "correlation_id": uuid.uuid4().hex,
            "received_at": "2026-11-23T02:00:00+00:00", "activities": []}


@pytest.fixture
def publisher(probe_env):
    uri = probe_env["AMQP_URI"]
    publisher = ActivityPublisher(uri)
    assert publisher.ping()  # declares the queue
    with Connection(uri) as conn:
        conn.channel().queue_purge(QUEUE.name)
    yield publisher, uri
    with Connection(uri) as conn:
        conn.channel().queue_purge(QUEUE.name)


def test_concurrent_requests_are_each_confirmed(publisher):
    publisher, uri = publisher
    with concurrent.futures.ThreadPoolExecutor(16) as pool:
        list(pool.map(lambda _: publisher.publish(_message()), range(400)))
    assert _depth(uri) == 400  # every publish that returned is in the queue


def test_an_unroutable_message_fails_alone_on_the_shared_channel(publisher):
    publisher, uri = publisher
    confirms = publisher.confirms

    def send(index):
        key = "nobody-listens" if index == 7 else contract.INGEST_ROUTING_KEY
        try:
            confirms.publish(b"{}", EXCHANGE.name, key, mandatory=True, content_type="application/json")
        except MessageNotConfirmed as exc:
            return exc
        return None

    with concurrent.futures.ThreadPoolExecutor(8) as pool:
        outcomes = list(pool.map(send, range(40)))
    assert [i for i, outcome in enumerate(outcomes) if outcome is not None] == [7]
    assert "unroutable" in str(outcomes[7])
    assert _depth(uri) == 39
    publisher.publish(_message())  # the channel is still good
    assert _depth(uri) == 40


def test_an_unreachable_broker_fails_the_request_fast():
    publisher = ActivityPublisher("amqp://guest:guest@127.0.0.1:1/", connect_timeout=1.0)
    with pytest.raises(ServiceUnavailable):
        publisher.publish(_message())
    assert publisher.ping() is False
