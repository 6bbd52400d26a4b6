#!/usr/bin/env python3
"""Progress's activity batches, counted: store commands, publishes and CPU time per event when
``progress.activities`` messages are applied one at a time or in batches (services/progress/
ingestion.py over the real store; the broker's last step recorded, not sent). The counts do not
depend on the machine's load, unlike wall-clock rates on a shared machine.

    .venv/bin/python bench/progress_apply.py [--learners 200] [--lessons 20] [--batches 1 100]

The end-to-end scenario's shape: each learner's whole course (``--lessons`` lesson_completed
activities) in one message, which earns one lesson.completed per lesson, one course.completed
and one learner.active. Uses the store of var/infra.env (`make infra` first) under a database
of its own, dropped afterwards.
"""
import argparse
import datetime as dt
import sys
import time
import uuid
from pathlib import Path

import eventlet

eventlet.monkey_patch()

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "scripts")]

from pymongo import monitoring  # noqa: E402


class CommandCounter(monitoring.CommandListener):
    def __init__(self):
        self.commands = {}

    def started(self, event):
        self.commands[event.command_name] = self.commands.get(event.command_name, 0) + 1

    def succeeded(self, event):
        pass

    def failed(self, event):
        pass


COUNTER = CommandCounter()
monitoring.register(COUNTER)  # before any client is made

from mooc_common.infra.outbox import OutboxEntries, OutboxWriter, Sweeper  # noqa: E402
from mooc_common.infra.store import prepare_database, service_database  # noqa: E402
from platformctl import read_env_file  # noqa: E402
from services.progress.ingestion import ActivityIngestion, parse_message  # noqa: E402
from services.progress.storage import ProgressStore  # noqa: E402

TENANT, COURSE = "t" * 32, "c" * 32


def _world(config, learners, lessons):
    db = service_database(config, f"bench_progress_apply_{uuid.uuid4().hex[:8]}")
    store = prepare_database(db, ProgressStore)
    entries = OutboxEntries(db)
    entries.create()
    published = []
    events = OutboxWriter("progress", entries, Sweeper(entries, published.append, dt.timedelta(seconds=5),
                                                       dt.timedelta(seconds=300)),
                          None, published.append, "bench", publish_batch=published.extend)
    ids = [f"l{i}" for i in range(lessons)]
    store.save_course({"course_id": COURSE, "owner_tenant_id": TENANT, "title": "Chuyển đổi số", "revision": 1,
                       "lessons": [{"lesson_id": l, "kind": "rich_text", "required": True, "quiz": None} for l in ids],
                       "completion_rule": {"required_lesson_ids": ids}})
    store.save_enrollments([{"enrollment_id": f"e{n}", "learner_id": f"u{n}", "course_id": COURSE,
                             "tenant_id": TENANT, "unit_id": None, "intake_id": None, "category": "cadre",
                             "course_owner_tenant_id": TENANT} for n in range(learners)], {None: []})
    return db, store, events, published, ids


def _message(learner, lessons):
    now = dt.datetime.now(dt.timezone.utc).isoformat()
    return parse_message({"learner_id": learner, "tenant_id": TENANT, "received_at": now, "correlation_id": None,
                          "activities": [{"activity_id": str(uuid.uuid4()), "kind": "lesson_completed",
                                          "course_id": COURSE, "lesson_id": l, "occurred_at": now} for l in lessons]})


def measure(config, learners, lessons, batch):
    db, store, events, published, ids = _world(config, learners, lessons)
    try:
        ingestion = ActivityIngestion(store, events)
        messages = [_message(f"u{n}", ids) for n in range(learners)]
        ingestion.apply(messages[:1])  # warm the caches (course, enrollment keys) like a running service
        messages, published[:] = messages[1:], []
        COUNTER.commands.clear()
        cpu, wall = time.process_time(), time.monotonic()
        for start in range(0, len(messages), batch):
            assert ingestion.apply(messages[start:start + batch]) == {}
        cpu, wall = time.process_time() - cpu, time.monotonic() - wall
        consumed = len(messages) * lessons
        produced = len(published)
        commands = {k: v for k, v in COUNTER.commands.items() if k not in ("endSessions",)}
        return {"batch": batch, "messages": len(messages), "activities": consumed, "events_published": produced,
                "store_commands": sum(commands.values()), "by_command": commands,
                "store_commands_per_message": round(sum(commands.values()) / len(messages), 2),
                "store_commands_per_event": round(sum(commands.values()) / (consumed + produced), 3),
                "cpu_ms_per_event": round(1000 * cpu / (consumed + produced), 3),
                "wall_s": round(wall, 2)}
    finally:
        db.client.drop_database(db.name)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--learners", type=int, default=200)
    parser.add_argument("--lessons", type=int, default=20)
    parser.add_argument("--batches", type=int, nargs="+", default=[1, 100])
    args = parser.parse_args()
    infra = read_env_file(ROOT / "var" / "infra.env")
    config = {"MONGO_URI": infra["MONGO_URI"], "MONGO_DB_PREFIX": "bench-"}
    for batch in args.batches:
        result = measure(config, args.learners, args.lessons, batch)
        print(f"batch of {batch:4d} messages: {result['store_commands_per_message']:6.2f} store commands per message, "
              f"{result['store_commands_per_event']:.3f} per event, {result['cpu_ms_per_event']:.3f} CPU ms per event "
              f"(process), {result['events_published']} events published for {result['activities']} activities, "
              f"wall {result['wall_s']} s; {result['by_command']}", flush=True)


if __name__ == "__main__":
    main()
