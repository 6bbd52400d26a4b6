"""SharedConfirms on a fake channel: each thread returns only once ITS message is confirmed,
one ack settles many, a broken or silent connection fails what is in flight and the next
publish connects anew. (Over the real broker: tests/integration/test_activity_publisher.py.)"""
import socket
import threading
import time

import pytest

from mooc_common.infra.confirms import MessageNotConfirmed, SharedConfirms


class FakeBroker:
    """What the fake channels talk to: the test decides which delivery tags are flushed."""

    def __init__(self):
        self.cond = threading.Condition()
        self.flushed = 0  # acks go out for tags up to this one
        self.nacked = set()
        self.broken = None  # an exception: the connection breaks at the next read
        self.channels, self.reads = [], 0

    def flush(self, up_to):
        with self.cond:
            self.flushed = up_to
            self.cond.notify_all()

    def open(self, uri, connect_timeout, lock, transport_options):
        assert transport_options["read_timeout"] > 0  # a reader wakes up to check deadlines
        channel = FakeChannel(self, lock)
        self.channels.append(channel)
        return channel


class FakeChannel:
    def __init__(self, broker, lock):
        self.broker, self.lock, self.pending, self.next_tag, self.collected = broker, lock, {}, 1, False
        self.acked = 0
        self.connection = self

    def declare(self, *entities):
        pass

    def publish(self, body, exchange, routing_key, on_done, **options):
        with self.lock:
            self.pending[self.next_tag] = on_done
            self.next_tag += 1

    def drain_events(self):
        """One frame: an ack (multiple) of every flushed tag, or socket.timeout after a while."""
        broker = self.broker
        with broker.cond:
            broker.reads += 1
            broker.cond.wait_for(lambda: broker.broken or broker.flushed > self.acked, timeout=0.05)
            if broker.broken:
                raise broker.broken
            if broker.flushed <= self.acked:
                raise socket.timeout()
            self.acked = broker.flushed
        with self.lock:
            settled = [(tag, self.pending.pop(tag)) for tag in sorted(self.pending) if tag <= self.acked]
        for tag, callback in settled:
            callback(MessageNotConfirmed("nack") if tag in broker.nacked else None)

    def fail_pending(self, error):
        with self.lock:
            pending, self.pending = self.pending, {}
        for callback in pending.values():
            callback(error)

    def collect(self):
        self.collected = True


def publish_in_threads(confirms, count):
    """``count`` threads publish one message each; returns {index: None or the exception}."""
    results = {}

    def publish(index):
        try:
            confirms.publish(b"m", "", "q")
            results[index] = None
        except Exception as exc:
            results[index] = exc

    threads = [threading.Thread(target=publish, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    return threads, results


def wait_until(condition, timeout=5.0):
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "condition not reached"
        time.sleep(0.005)


@pytest.fixture
def broker():
    return FakeBroker()


def test_each_thread_returns_once_its_own_message_is_confirmed_and_one_ack_settles_many(broker):
    confirms = SharedConfirms("amqp://fake", timeout=5.0, open_channel=broker.open)
    threads, results = publish_in_threads(confirms, 8)
    wait_until(lambda: len(broker.channels) == 1 and broker.channels[0].next_tag == 9)
    broker.flush(3)
    wait_until(lambda: len(results) == 3)
    time.sleep(0.1)
    assert len(results) == 3 and sum(t.is_alive() for t in threads) == 5  # tags 1-3 only: five still wait
    reads_before = broker.reads
    broker.flush(8)
    for thread in threads:
        thread.join(5)
    assert results == {i: None for i in range(8)}
    assert len(broker.channels) == 1  # one channel for every thread
    assert broker.reads - reads_before <= 3  # the five were settled by one ack (plus idle wake-ups)


def test_a_nacked_message_fails_alone(broker):
    confirms = SharedConfirms("amqp://fake", timeout=5.0, open_channel=broker.open)
    broker.nacked = {2}
    threads, results = publish_in_threads(confirms, 3)
    wait_until(lambda: broker.channels and broker.channels[0].next_tag == 4)
    broker.flush(3)
    for thread in threads:
        thread.join(5)
    assert sorted(type(r).__name__ for r in results.values()) == ["MessageNotConfirmed", "NoneType", "NoneType"]
    assert len(broker.channels) == 1 and not broker.channels[0].collected  # a nack does not break the channel


def test_a_silent_broker_fails_every_message_after_the_timeout_and_the_next_publish_reconnects(broker):
    confirms = SharedConfirms("amqp://fake", timeout=0.3, open_channel=broker.open)
    started = time.monotonic()
    threads, results = publish_in_threads(confirms, 4)
    for thread in threads:
        thread.join(5)
    assert 0.3 <= time.monotonic() - started < 3
    assert all(isinstance(r, MessageNotConfirmed) for r in results.values()) and len(results) == 4
    assert broker.channels[0].collected
    broker.flush(1)  # the new channel's first message
    confirms.publish(b"m", "", "q")
    assert len(broker.channels) == 2


def test_a_broken_connection_fails_what_is_in_flight_and_the_next_publish_reconnects(broker):
    confirms = SharedConfirms("amqp://fake", timeout=5.0, open_channel=broker.open)
    threads, results = publish_in_threads(confirms, 5)
    wait_until(lambda: broker.channels and broker.channels[0].next_tag == 6)
    broker.broken = ConnectionResetError("connection reset by peer")
    for thread in threads:
        thread.join(5)
    assert len(results) == 5 and all(isinstance(r, ConnectionResetError) for r in results.values())
    assert broker.channels[0].collected
    broker.broken = None
    broker.flush(1)
    confirms.publish(b"m", "", "q")
    assert len(broker.channels) == 2


def test_an_unreachable_broker_raises_at_once_and_keeps_no_channel():
    def refuse(*args, **kwargs):
        raise ConnectionRefusedError("nothing listens")

    confirms = SharedConfirms("amqp://fake", open_channel=refuse)
    with pytest.raises(ConnectionRefusedError):
        confirms.publish(b"m", "", "q")
    with pytest.raises(ConnectionRefusedError):
        confirms.channel()
