"""A census of the store commands a process sends, for finding where the store's time goes.

Off unless ``STORE_CENSUS_DIR`` is set: then every MongoClient of the process counts its
commands per (database, command, collection) with the time the client waited for each, and
rewrites ``<dir>/<pid>.json`` every few seconds (``bench/cpu_budget.py`` sums the files around
a scenario). The per-command cost is a dictionary update under a lock:
cheap, but not free, hence off in production.
"""
import json
import os
import threading
import time

from pymongo import monitoring

ENV = "STORE_CENSUS_DIR"
FLUSH_SECONDS = 2.0


class _Census(monitoring.CommandListener):
    def __init__(self, directory):
        self.path = os.path.join(directory, f"{os.getpid()}.json")
        self.counts = {}  # "database command collection" -> [count, waited microseconds]
        self.pending = {}  # request id -> collection (only the started event names it)
        self.lock = threading.Lock()
        self.flushed_at = time.monotonic()

    def started(self, event):
        collection = event.command.get(event.command_name)
        with self.lock:
            self.pending[event.request_id] = collection if isinstance(collection, str) else ""

    def succeeded(self, event):
        self._count(event)

    def failed(self, event):
        self._count(event)

    def _count(self, event):
        snapshot = None
        with self.lock:
            collection = self.pending.pop(event.request_id, "")
            entry = self.counts.setdefault(f"{event.database_name} {event.command_name} {collection}", [0, 0])
            entry[0] += 1
            entry[1] += event.duration_micros
            if time.monotonic() - self.flushed_at >= FLUSH_SECONDS:
                self.flushed_at = time.monotonic()
                snapshot = {key: list(value) for key, value in self.counts.items()}
        if snapshot is not None:
            self._write(snapshot)

    def _write(self, snapshot):
        temporary = f"{self.path}.tmp"
        with open(temporary, "w") as out:
            json.dump({"pid": os.getpid(), "counts": snapshot}, out)
        os.replace(temporary, self.path)


def listeners():
    """The listeners to give a new MongoClient: the census if ``STORE_CENSUS_DIR`` is set."""
    directory = os.environ.get(ENV)
    if not directory:
        return []
    os.makedirs(directory, exist_ok=True)
    return [_Census(directory)]
