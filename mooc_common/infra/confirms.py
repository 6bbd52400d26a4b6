"""Publisher confirms in a pipeline: many persistent messages in flight on one channel, each
settled by the broker's ack (or nack, or return of an unroutable ``mandatory`` message).

Waiting for each confirm before the next publish (kombu's ``confirm_publish``, nameko's
``use_confirms``) costs one broker round trip, with its disk flush, per message: a few hundred
messages per second per channel. Here the messages are written one after the other and the
confirms, which the broker sends for a whole flush at once (``multiple``), are awaited
together. A message counts as safe only when ITS confirm arrived; ``publish`` takes a callback
that learns exactly that (``None``) or the error.

Not thread-safe: one thread (or greenthread) owns a ``ConfirmedChannel`` and its connection.
"""
import socket
import time

import amqp
from kombu import Connection


class MessageNotConfirmed(Exception):
    """The broker nacked the message, returned it as unroutable, or did not confirm it in time."""


SEQUENCE_HEADER = "x-mooc-publish-seq"  # ties a returned (unroutable) message to its callback


class ConfirmedChannel:
    def __init__(self, amqp_uri, connect_timeout=2.0, heartbeat=0):
        self.connection = Connection(amqp_uri, connect_timeout=connect_timeout, heartbeat=heartbeat)
        self.connection.ensure_connection(max_retries=1)
        self.channel = self.connection.channel()
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
        tags = [t for t in self.pending if t <= delivery_tag] if multiple else [delivery_tag]
        for tag in tags:
            callback = self.pending.pop(tag, None)
            returned = self.returned.pop(tag, None)
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


class ConfirmingPublisher:
    """``publish_all(messages)`` over a channel of its own, opened on first use: returns once
    the broker confirmed every message, raises otherwise (the caller's batch is then retried).
    A broken or doubtful channel is closed and a new one opened next time. One owner: a
    batch consumer's loop."""

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
