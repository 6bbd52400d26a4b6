"""The physical limits of this machine for our workload: raw broker and raw store rates.

- broker: persistent JSON messages (the size of an activity message) published to a durable
  queue with publisher confirms, through kombu (the library the gateway uses), from as many
  threads as the gateway has; each publish waits for its confirm, as the gateway does.
- store: insert_many of activity-like documents in batches of 500 through pymongo.
"""
import threading
import time
import uuid

import pymongo
from kombu import Connection, Exchange, Queue

MESSAGE = {"learner_id": "x" * 32, "tenant_id": "y" * 32, "received_at": "2026-11-23T08:00:00+00:00",
           "activities": [{"activity_id": str(uuid.uuid4()), "kind": "lesson_completed",
                           "course_id": "c" * 32, "lesson_id": "l" * 32,
                           "occurred_at": "2026-11-23T08:00:00+00:00"}]}


def broker_rate(amqp_uri, seconds=5.0, threads=8):
    exchange = Exchange("bench.limit", type="direct", durable=True)
    queue = Queue("bench.limit", exchange=exchange, routing_key="k", durable=True)
    counts = [0] * threads
    stop = time.monotonic() + seconds

    def publish(i):
        with Connection(amqp_uri, transport_options={"confirm_publish": True}) as conn:
            producer = conn.Producer(serializer="json")
            queue(producer.channel).declare()
            while time.monotonic() < stop:
                producer.publish(MESSAGE, exchange=exchange, routing_key="k", delivery_mode=2)
                counts[i] += 1

    workers = [threading.Thread(target=publish, args=(i,)) for i in range(threads)]
    started = time.monotonic()
    [w.start() for w in workers]
    [w.join() for w in workers]
    elapsed = time.monotonic() - started
    with Connection(amqp_uri) as conn:
        queue(conn.default_channel).delete()
    return {"messages_per_s": round(sum(counts) / elapsed), "threads": threads, "seconds": round(elapsed, 1)}


def store_rate(mongo_uri, database, seconds=5.0, batch=500):
    collection = pymongo.MongoClient(mongo_uri)[database]["bench_limit"]
    collection.drop()
    collection.database.create_collection("bench_limit")
    inserted, started = 0, time.monotonic()
    while time.monotonic() - started < seconds:
        docs = [dict(MESSAGE["activities"][0], _id=uuid.uuid4().hex, learner_id="x" * 32) for _ in range(batch)]
        collection.insert_many(docs, ordered=False)
        inserted += batch
    elapsed = time.monotonic() - started
    collection.drop()
    return {"docs_per_s": round(inserted / elapsed), "batch": batch, "seconds": round(elapsed, 1)}
