"""Publisher confirms in a pipeline: many persistent messages in flight on one channel, each
settled by the broker's ack (or nack, or return of an unroutable ``mandatory`` message).

Waiting for each confirm before the next publish (kombu's ``confirm_publish``, nameko's
``use_confirms``) costs one broker round trip, with its disk flush, per message: a few hundred
messages per second per channel. Here the messages are written one after the other and the
confirms, which the broker sends for a whole flush at once (``multiple``), are awaited
together. A message counts as safe only when ITS confirm arrived; ``publish`` takes a callback
that learns exactly that (``None``) or the error.

A ``ConfirmedChannel`` has one owner (a thread or greenthread) unless it is given a ``lock``:
``SharedConfirms`` below lets the threads of a process share one, each still waiting for its own
message's confirm.
"""
import contextlib
import socket
import threading
import time

import amqp
from kombu import Connection


class MessageNotConfirmed(Exception):
    """The broker nacked the message, returned it as unroutable, or did not confirm it in time."""


SEQUENCE_HEADER = "x-mooc-publish-seq"  # ties a returned (unroutable) message to its callback


class ConfirmedChannel:
    def __init__(self, amqp_uri, connect_timeout=2.0, heartbeat=0, transport_options=None, lock=None):
        """``lock``: held while the bookkeeping of messages in flight changes (a reader thread
        settles confirms while other threads publish); ``transport_options``: py-amqp's
        (``read_timeout``, ``write_timeout``)."""
        self.lock = lock or contextlib.nullcontext()
        self.connection = Connection(amqp_uri, connect_timeout=connect_timeout, heartbeat=heartbeat,
                                     transport_options=transport_options)
        self.connection.ensure_connection(max_retries=1)
        self.channel = self.connection.channel()
        if lock is not None:
            # Shared: py-amqp's basic_publish would otherwise read the socket itself (to look for
            # a connection.blocked notice) under the feet of the thread that reads the confirms;
            # that thread still receives such notices.
            self.connection.connection.client_properties.get("capabilities", {})["connection.blocked"] = False
        self.channel.confirm_select()
        self.channel.events["basic_ack"].add(self._on_ack)
        self.channel.events["basic_nack"].add(self._on_nack)
        self.channel.events["basic_return"].add(self._on_return)
        self.next_tag = 1  # the broker numbers a confirm-mode channel's publishes from 1
        self.pending = {}  # delivery tag -> callback(error or None)
        self.returned = {}  # delivery tag -> why the broker returned it

    def declare(self, *entities):
        for entity in entities:
            entity(self.channel).declare()

    def publish(self, body, exchange, routing_key, on_done, mandatory=False, headers=None, **properties):
        """Write one persistent message; ``on_done(None)`` once confirmed, ``on_done(error)`` if not."""
        tag = self.next_tag
        headers = dict(headers or {})
        if mandatory:
            headers[SEQUENCE_HEADER] = tag
        message = amqp.Message(body, delivery_mode=2, application_headers=headers, **properties)
        with self.lock:
            self.channel.basic_publish(message, exchange=getattr(exchange, "name", exchange),
                                       routing_key=routing_key, mandatory=mandatory)
            self.next_tag += 1
            self.pending[tag] = on_done

    def wait(self, timeout):
        """Settle every message in flight: each callback is called once, with an error for those
        not confirmed within ``timeout`` seconds (a broken connection raises instead: the caller
        fails what is pending, see ``fail_pending``)."""
        deadline = time.monotonic() + timeout
        while self.pending:
            left = deadline - time.monotonic()
            if left <= 0:
                self.fail_pending(MessageNotConfirmed(f"no confirm within {timeout} s"))
                return
            try:
                self.connection.drain_events(timeout=left)
            except socket.timeout:
                pass

    def fail_pending(self, error):
        with self.lock:
            pending, self.pending = self.pending, {}
        for callback in pending.values():
            callback(error)

    def close(self):
        try:
            self.connection.close()
        except Exception:  # already broken: nothing to close politely
            pass

    # -- the broker's answers ---------------------------------------------------------------
    def _settle(self, delivery_tag, multiple, error):
        with self.lock:
            tags = [t for t in self.pending if t <= delivery_tag] if multiple else [delivery_tag]
            settled = [(self.pending.pop(tag, None), self.returned.pop(tag, None)) for tag in tags]
        for callback, returned in settled:
            if callback is not None:
                callback(error or returned)

    def _on_ack(self, delivery_tag, multiple):
        self._settle(delivery_tag, multiple, None)

    def _on_nack(self, delivery_tag, multiple):
        self._settle(delivery_tag, multiple, MessageNotConfirmed("the broker refused the message (nack)"))

    def _on_return(self, exc, exchange, routing_key, message):
        # A returned message is then acked: remember why, so that its ack settles it as failed.
        tag = (message.properties.get("application_headers") or {}).get(SEQUENCE_HEADER)
        if tag is not None:
            with self.lock:
                self.returned[int(tag)] = MessageNotConfirmed(
                    f"unroutable: no queue bound to {exchange!r} with key {routing_key!r}")


def publish_all(channel, messages, timeout):
    """Publish ``messages`` (dicts of ``publish``'s keyword arguments, without ``on_done``) and
    wait for all their confirms; raises ``MessageNotConfirmed`` if any was not confirmed."""
    errors = []
    try:
        for message in messages:
            channel.publish(on_done=lambda error: errors.append(error) if error else None, **message)
        channel.wait(timeout)
    except Exception as exc:  # the connection broke: nothing in flight is known to be safe
        channel.fail_pending(exc)
        raise
    if errors:
        raise errors[0]


class SharedConfirms:
    """One confirm-mode channel shared by the threads of a process (a gateway worker's request
    threads): ``publish`` returns once the broker confirmed THAT message, and raises otherwise.

    Each thread writes its message itself (under the lock, so that delivery tags follow the wire
    order); one of the waiting threads reads the connection for all of them (no thread of its
    own), so one ack of the broker's (``multiple``) settles every message its disk flush
    covered, instead of one round trip per message per connection. A settled thread is woken
    alone; when the reader's own message is settled it hands the reading to one thread still
    waiting. The reader blocks in ``recv`` without touching the socket's timeout (writers use
    the same socket); py-amqp's ``read_timeout`` wakes it to check the deadline.

    A connection that breaks, or a message left unconfirmed for ``timeout`` seconds, fails every
    message in flight (none is known to be safe) and the next publish connects anew.
    """

    READ_TIMEOUT = 1.0  # seconds a reader blocks before it looks at the deadlines again

    def __init__(self, amqp_uri, declare=(), connect_timeout=2.0, timeout=10.0, open_channel=ConfirmedChannel):
        self.amqp_uri, self.declare, self.connect_timeout, self.timeout = amqp_uri, declare, connect_timeout, timeout
        self.open_channel = open_channel  # unit tests give a fake
        self._lock = threading.RLock()
        self._channel = None
        self._reading = False
        self._waiting = {}  # the threads' _Waiters, oldest first (a dict as an ordered set)

    def channel(self):
        """The open channel (connected and declared on first use); raises if the broker is unreachable."""
        with self._lock:
            if self._channel is None:
                channel = self.open_channel(
                    self.amqp_uri, self.connect_timeout, lock=self._lock,
                    transport_options={"read_timeout": self.READ_TIMEOUT, "write_timeout": self.timeout})
                try:
                    channel.declare(*self.declare)
                except Exception:
                    channel.close()
                    raise
                self._channel = channel
            return self._channel

    def publish(self, body, exchange, routing_key, **options):
        """``ConfirmedChannel.publish``'s arguments but ``on_done``; returns once confirmed."""
        me = _Waiter()
        with self._lock:
            channel = self.channel()
            try:
                channel.publish(body, exchange, routing_key, on_done=me.settle, **options)
            except Exception as exc:
                self._break(channel, exc)
                raise
            self._waiting[me] = None
        try:
            self._await(me, channel, time.monotonic() + self.timeout)
        finally:
            with self._lock:
                self._waiting.pop(me, None)
        if me.outcome is not None:
            raise me.outcome

    def _await(self, me, channel, deadline):
        while not me.settled:
            with self._lock:
                lead = not self._reading
                self._reading = True
            if lead:
                self._read(me, channel, deadline)
                continue
            left = deadline - time.monotonic()
            if left <= 0:
                self._fail(me, channel, MessageNotConfirmed(f"no confirm within {self.timeout} s"))
            else:
                me.wake.acquire(timeout=left)  # settled, or asked to read

    def _read(self, me, channel, deadline):
        """Read for everyone until ``me`` is settled, then hand the reading over."""
        try:
            while not me.settled:
                if time.monotonic() >= deadline:
                    self._fail(me, channel, MessageNotConfirmed(f"no confirm within {self.timeout} s"))
                    break
                try:
                    channel.connection.drain_events()  # one frame: acks settle (and wake) their waiters
                except socket.timeout:
                    pass
                except Exception as exc:  # the connection broke (or the broker closed the channel)
                    self._fail(me, channel, exc)
        finally:
            with self._lock:
                self._reading = False
                successor = next((w for w in self._waiting if not w.settled), None)
            if successor is not None:
                successor.wake_up()

    def _fail(self, me, channel, error):
        with self._lock:
            self._break(channel, error)
        if not me.settled:  # already failed with its channel: never wait twice
            me.settle(error)

    def _break(self, channel, error):
        """With the lock held: fail what is in flight on ``channel`` and drop it (once)."""
        if self._channel is channel:
            self._channel = None
            channel.fail_pending(error)
            try:  # no polite close: that would read the socket under a reader's feet
                channel.connection.collect()
            except Exception:  # already broken
                pass

    def close(self):
        with self._lock:
            if self._channel is not None:
                self._break(self._channel, MessageNotConfirmed("the publisher was closed"))


class _Waiter:
    """One publishing thread: its message's outcome, and a lock released to wake it."""
    __slots__ = ("outcome", "settled", "wake")

    def __init__(self):
        self.outcome, self.settled = None, False
        self.wake = threading.Lock()
        self.wake.acquire()

    def settle(self, error):
        self.outcome, self.settled = error, True
        self.wake_up()

    def wake_up(self):
        try:
            self.wake.release()
        except RuntimeError:  # already woken and not waiting again yet
            pass


class ConfirmingPublisher:
    """``publish_all(messages)`` over a channel of its own, opened on first use: returns once
    the broker confirmed every message, raises otherwise (the caller's batch is then retried).
    A broken or doubtful channel is closed and a new one opened next time. One user at a time:
    a batch consumer's loop, or the outbox's pool of idle publishers (outbox.ConfirmedChannels).
    (``SharedConfirms`` above is the other shape: many threads, one message each.)"""

    def __init__(self, amqp_uri, timeout, declare=()):
        self.amqp_uri, self.timeout, self.declare = amqp_uri, timeout, tuple(declare)
        self.channel = None

    def publish_all(self, messages):
        if not messages:
            return
        if self.channel is None:
            channel = ConfirmedChannel(self.amqp_uri)
            try:
                channel.declare(*self.declare)  # e.g. the exchange, in case nothing declared it yet
            except Exception:
                channel.close()
                raise
            self.channel = channel
        try:
            publish_all(self.channel, messages, self.timeout)
        except Exception:
            self.close()
            raise

    def close(self):
        if self.channel is not None:
            self.channel.close()
            self.channel = None
