"""A lease: at most one process at a time holds a named role (e.g. a single writer).

The lease is one document ``{_id: name, holder, expires}``. Taking it is a unique insert
(atomic on MongoDB and FerretDB alike); the holder renews it on every use; a lease whose
holder stopped renewing expires after ``ttl`` and the next contender deletes it (only if it
is still that stale one) and inserts its own. Compare-and-set updates are avoided because
FerretDB 1.24 loses concurrent updates of one document.

``hold()`` says whether this process holds the lease now, and ``acquired`` whether it was
(re)taken since the last call, so the holder can drop state it cached under an older tenure.

A process restarted after a crash would wait out its dead predecessor's ``ttl`` (30 s of a
restarted reports service idling while /ready says ready). With ``local_holder(slot)`` as the
holder id (host, slot, pid), a contender on the same host and slot takes over at once from a
holder whose process is gone (``holder_is_dead_local``).
"""
import datetime as dt
import os
import socket
import uuid

from pymongo.errors import DuplicateKeyError

from .clock import utcnow


class Lease:
    def __init__(self, collection, name, ttl=dt.timedelta(seconds=30), holder=None):
        self.collection, self.name, self.ttl = collection, name, ttl
        self.holder = holder or uuid.uuid4().hex
        self.held = False
        self.acquired = False

    def hold(self):
        now = utcnow()
        was_held, self.acquired = self.held, False
        self.held = self._renew(now) or self._take(now)
        self.acquired = self.held and not was_held
        return self.held

    def release(self):
        if self.held:
            self.collection.delete_one({"_id": self.name, "holder": self.holder})
            self.held = False

    def _renew(self, now):
        current = self.collection.find_one({"_id": self.name})
        if current is None or current["holder"] != self.holder:
            if current is not None and (current["expires"] <= now or holder_is_dead_local(current["holder"], self.holder)):
                # Stale (its holder stopped renewing, or died here): remove exactly that document.
                self.collection.delete_one({"_id": self.name, "holder": current["holder"],
                                            "expires": current["expires"]})
            return False
        self.collection.update_one({"_id": self.name}, {"$set": {"expires": now + self.ttl}})
        return True

    def _take(self, now):
        try:
            self.collection.insert_one({"_id": self.name, "holder": self.holder, "expires": now + self.ttl})
            return True
        except DuplicateKeyError:
            return False


def local_holder(slot):
    """A holder id naming this host, ``slot`` (what only one live process can be at a time
    on this host, e.g. the address it listens on), this process and this incarnation."""
    return f"{socket.gethostname()}|{slot}|{os.getpid()}|{uuid.uuid4().hex}"


def holder_is_dead_local(holder, me):
    """Whether ``holder`` is an earlier incarnation of ``me`` (same host and slot) whose process
    is gone. A PID reused in a new container is ours (``me``), so that counts as gone too."""
    parts, mine = holder.split("|"), me.split("|")
    if len(parts) != 4 or len(mine) != 4 or parts[:2] != mine[:2] or parts[3] == mine[3]:
        return False
    pid = int(parts[2])
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        return False
    return _is_zombie(pid)


def _is_zombie(pid):
    try:
        with open(f"/proc/{pid}/stat") as stat:
            return stat.read().rsplit(")", 1)[1].split()[0] in ("Z", "X")
    except (OSError, IndexError):
        return False
