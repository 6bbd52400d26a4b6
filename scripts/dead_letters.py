#!/usr/bin/env python3
"""Inspect and replay a service's dead-letter queue (``dead-letter.<service>``).

    python scripts/dead_letters.py list accounts      # what failed, where, and why
    python scripts/dead_letters.py replay accounts    # move every message back to its queue

Replay resets the attempt counters, so a replayed message gets the full retry budget again.
Run it once the cause (a bug, a missing dependency) is fixed.
"""
import argparse
import os

from kombu import Connection, Exchange, Producer

ATTEMPTS_HEADER = "x-mooc-attempts"
# What FailurePolicy (mooc_common/infra/events.py) counts a message's retries by: reset on replay.
RETRY_BUDGET_HEADERS = ("x-mooc-first-failure", "x-mooc-own-failures")


def _queue(service):
    return f"dead-letter.{service}"


def _drain(conn, service):
    queue = conn.SimpleQueue(_queue(service), no_ack=False)
    try:
        while True:
            try:
                yield queue.get(block=False)
            except queue.Empty:
                return
    finally:
        queue.close()


def list_dead_letters(amqp_uri, service, limit=1000):
    """Peek at up to ``limit`` dead letters without consuming them: each is fetched unacked and
    all go back to the queue, in their order, when the channel closes. (Requeueing each one as
    it is read would hand the same message back to the next fetch, forever.)"""
    seen = []
    with Connection(amqp_uri) as conn:
        channel = conn.channel()
        try:
            count = channel.queue_declare(queue=_queue(service), passive=True).message_count
            for _ in range(min(count, limit)):
                message = channel.basic_get(_queue(service), no_ack=False)
                if message is None:
                    break
                headers = message.properties.get("application_headers") or {}
                seen.append({"queue": headers.get("x-mooc-original-queue"),
                             "attempts": headers.get(ATTEMPTS_HEADER), "error": headers.get("x-mooc-error")})
        finally:
            channel.close()  # gives every unacked message back
    return seen


def replay(amqp_uri, service):
    """Republish each dead letter to its original queue (confirmed) and only then ack it."""
    count = 0
    with Connection(amqp_uri, transport_options={"confirm_publish": True}) as conn:
        producer = Producer(conn.channel(), exchange=Exchange(""))
        for message in _drain(conn, service):
            headers = dict(message.headers or {})
            target = headers.pop("x-mooc-original-queue")
            headers.pop("x-mooc-error", None)
            headers[ATTEMPTS_HEADER] = 0
            for spent in RETRY_BUDGET_HEADERS:
                headers.pop(spent, None)
            producer.publish(message.body, routing_key=target, headers=headers, delivery_mode=2,
                             content_type=message.content_type, content_encoding=message.content_encoding)
            message.ack()
            count += 1
    return count


def main():
    parser = argparse.ArgumentParser(description="dead-letter queues: list or replay")
    parser.add_argument("command", choices=("list", "replay"))
    parser.add_argument("service")
    args = parser.parse_args()
    amqp_uri = os.environ.get("AMQP_URI", "amqp://guest:guest@127.0.0.1:5672/")
    if args.command == "list":
        for item in list_dead_letters(amqp_uri, args.service):
            print(f"{item['queue']}  attempts={item['attempts']}  {item['error']}")
    else:
        print(f"replayed {replay(amqp_uri, args.service)} message(s)")


if __name__ == "__main__":
    main()
