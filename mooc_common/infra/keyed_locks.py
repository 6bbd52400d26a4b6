"""Process-local locks per key (e.g. per enrollment), created on demand and freed after use.

Why: FerretDB 1.24 (the local store) applies an update as read-modify-write of the whole
document without isolation, so two workers updating the same document at once lose one
update, even with ``$inc`` or a compare-and-set filter (docs/architecture.md, "Store
semantics"). MongoDB updates are atomic per document; serialising same-document work
inside a service instance makes the same code correct on both. Under nameko, ``threading``
is monkey-patched by eventlet, so these are green locks.
"""
import threading
from contextlib import contextmanager


class KeyedLocks:
    def __init__(self):
        self._guard = threading.Lock()
        self._locks = {}  # key -> [lock, holders]

    @contextmanager
    def hold(self, key):
        with self._guard:
            entry = self._locks.setdefault(key, [threading.Lock(), 0])
            entry[1] += 1
        try:
            with entry[0]:
                yield
        finally:
            with self._guard:
                entry[1] -= 1
                if entry[1] == 0:
                    del self._locks[key]


# One lock set for the updates of single documents, shared by the storage wrappers and the
# outbox (which clears its marker from the documents a change updated): any two updates of the
# same document in this process are serialised, whoever makes them.
DOCUMENT_WRITES = KeyedLocks()


def writing(collection, doc_id):
    """Hold this process's lock of document ``doc_id`` of ``collection`` (a pymongo collection)
    while updating it: ``with writing(self.tenants, tenant_id): ...``."""
    return DOCUMENT_WRITES.hold((collection.database.name, collection.name, doc_id))
