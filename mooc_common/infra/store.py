"""The store behind a nameko DependencyProvider that hands each worker a small wrapper.

Each service owns one database, named ``<MONGO_DB_PREFIX><service>``; no service opens
another's. The wrapper class (the service's ``storage.py``) receives the pymongo Database,
lists its collections in ``COLLECTIONS`` and may declare ``ensure_indexes(db)``; both run once
at start-up. Collections are created up front because FerretDB (SQLite) can stall when two
workers create the same collection at once with their first writes.
"""
import contextlib
import datetime as dt
import logging
import threading

import eventlet
import pymongo
from eventlet.greenpool import GreenPool
from pymongo.errors import BulkWriteError, DuplicateKeyError, OperationFailure
from nameko.extensions import DependencyProvider

from .clock import utcnow  # noqa: F401 (the services import it from here, with the other store helpers)
from . import store_census
from .lease import holder_is_dead_local, local_holder

log = logging.getLogger(__name__)

_clients = {}
_clients_lock = threading.Lock()


def mongo_client(uri):
    """One MongoClient per URI and process: it is thread-safe and pools its connections."""
    with _clients_lock:
        if uri not in _clients:
            # tz_aware: datetimes come back in UTC, as they went in.
            # A bounded socket timeout turns a stuck store call into an error (and a retry).
            _clients[uri] = pymongo.MongoClient(uri, tz_aware=True, serverSelectionTimeoutMS=5000,
                                                socketTimeoutMS=30000, event_listeners=store_census.listeners())
        return _clients[uri]


def service_database(config, service_name):
    """The service's own database: ``<MONGO_DB_PREFIX><service>``."""
    name = f"{config.get('MONGO_DB_PREFIX') or ''}{service_name}"
    return mongo_client(config["MONGO_URI"])[name]


NAMESPACE_EXISTS = 48  # the server's code for "collection already exists"


def create_collection(db, name):
    """Create ``name`` unless it exists: another instance, or a first write, may create it at the
    same moment (seen by the client as CollectionInvalid, by the server as NamespaceExists)."""
    try:
        db.create_collection(name)
    except pymongo.errors.CollectionInvalid:
        pass
    except OperationFailure as exc:
        if exc.code != NAMESPACE_EXISTS:
            raise


def prepare_database(db, wrapper_cls):
    """What a service does with its database at start-up: create the wrapper's ``COLLECTIONS``
    and run its ``ensure_indexes``. Returns the wrapper over ``db`` (what a worker gets)."""
    existing = set(db.list_collection_names())
    for name in getattr(wrapper_cls, "COLLECTIONS", ()):
        if name not in existing:
            create_collection(db, name)
    ensure_indexes = getattr(wrapper_cls, "ensure_indexes", None)
    if ensure_indexes:
        ensure_indexes(db)
    return wrapper_cls(db)


class Store(DependencyProvider):
    def __init__(self, wrapper_cls):
        self.wrapper_cls = wrapper_cls
        self.db = None

    def setup(self):
        self.db = service_database(self.container.config, self.container.service_name)
        prepare_database(self.db, self.wrapper_cls)

    def get_dependency(self, worker_ctx):
        return self.wrapper_cls(self.db)


class ProcessedEvents:
    """Claims on event ids, so that each handler applies each event once.

    A handler claims the event id before applying it and marks it done after. A duplicate
    that arrives while the first copy is in flight finds the claim and is retried later
    (by then it is done and skipped). The worker applying the event renews its claim every
    ``RENEW_EVERY`` (``kept_alive``), so a claim not renewed for ``STALE_AFTER`` was left by a
    crashed worker (or one cut off from the store) and is taken over: a crash delays the
    event by seconds instead of dead-lettering it. Effects stay idempotent for the rare replay.

    A claim also names its holder (host, service database, PID, incarnation: ``local_holder``)
    so that it is taken over at once, without waiting ``STALE_AFTER``, when its holder is
    certainly not applying it: an earlier process on this host that is gone (killed and
    restarted), or this very process with no worker of its own on it (its worker failed and
    could not release the claim because the store was away).
    """
    COLLECTION = "processed_events"
    COLLECTIONS = (COLLECTION,)
    STALE_AFTER = dt.timedelta(seconds=15)
    RENEW_EVERY = 4.0  # seconds; well under STALE_AFTER even on a loaded machine
    FRESH, DONE, IN_FLIGHT = "fresh", "done", "in_flight"

    _holders = {}  # database name -> this process's holder id
    _active = set()  # claim keys that workers of this process are applying now

    def __init__(self, db):
        self.collection = db[self.COLLECTION]
        self.holder = self._holders.setdefault(db.name, local_holder(db.name))

    @staticmethod
    def _key(handler_name, event_id):
        return f"{handler_name}:{event_id}"

    def claim(self, handler_name, event_id, event_type):
        key, now = self._key(handler_name, event_id), utcnow()
        if insert_once(self.collection, {"_id": key, "state": "claimed", "claimed_at": now,
                                         "event_type": event_type, "holder": self.holder}):
            self._active.add(key)
            return self.FRESH
        existing = self.collection.find_one({"_id": key}) or {}
        if existing.get("state") == "done":
            return self.DONE
        claimed_at = existing.get("claimed_at")
        if claimed_at and (now - claimed_at > self.STALE_AFTER or self._abandoned(key, existing.get("holder"))) \
                and self.collection.find_one_and_update(
                    {"_id": key, "state": "claimed", "claimed_at": claimed_at},
                    {"$set": {"claimed_at": now, "holder": self.holder}}):
            self._active.add(key)
            return self.FRESH
        return self.IN_FLIGHT

    def _abandoned(self, key, holder):
        if not holder:
            return False
        if holder == self.holder:
            return key not in self._active
        return holder_is_dead_local(holder, self.holder)

    @contextlib.contextmanager
    def kept_alive(self, handler_name, event_id):
        """Renew the claim on ``event_id`` while the block runs (a greenthread beside it)."""
        key = self._key(handler_name, event_id)

        def renew():
            while True:
                eventlet.sleep(self.RENEW_EVERY)
                try:
                    self.collection.update_one({"_id": key, "state": "claimed"},
                                               {"$set": {"claimed_at": utcnow()}})
                except pymongo.errors.PyMongoError:  # the store is away: the handler will fail too
                    log.warning("could not renew the claim on %s", key, exc_info=True)

        renewer = eventlet.spawn(renew)
        try:
            yield
        finally:
            renewer.kill()

    def complete(self, handler_name, event_id):
        key = self._key(handler_name, event_id)
        try:
            self.collection.update_one({"_id": key}, {"$set": {"state": "done"}})
        finally:
            self._active.discard(key)

    def release(self, handler_name, event_id):
        key = self._key(handler_name, event_id)
        try:
            self.collection.delete_one({"_id": key, "state": "claimed"})
        finally:
            self._active.discard(key)


DUPLICATE_KEY = 11000


def insert_once(collection, doc):
    """Insert ``doc``; False if a document with its ``_id`` (or another unique key) is there
    already: the fact was recorded before (a redelivery, a concurrent writer that won)."""
    try:
        collection.insert_one(doc)
        return True
    except DuplicateKeyError:
        return False


def insert_new(collection, docs):
    """Bulk insert (one round trip) of documents with natural ids; those inserted before are
    kept as they are (a redelivered event, a re-run job). Returns the ids that were new; any
    error but a duplicate id is raised."""
    if not docs:
        return set()
    try:
        collection.insert_many(docs, ordered=False)
    except BulkWriteError as exc:
        errors = exc.details.get("writeErrors", [])
        if any(e.get("code") != DUPLICATE_KEY for e in errors):
            raise
        taken = {e["index"] for e in errors}
        return {d["_id"] for i, d in enumerate(docs) if i not in taken}
    return {d["_id"] for d in docs}


def concurrently(call, items, limit=16):
    """``[call(item) for item in items]``, ``limit`` at a time: single lookups by ``_id`` are
    the fast reads of FerretDB, and they spend their time waiting on the store, so a batch of
    them goes about ``limit`` times faster side by side (an ``$in`` would scan the collection)."""
    return list(GreenPool(limit).imap(call, items))


def concurrently_by_key(call, keys, limit=16):
    """``{key: call(key)}`` for each distinct key, in first-seen order, read side by side
    (``concurrently``): a batch's lookups by ``_id`` without asking twice for one key."""
    unique = list(dict.fromkeys(keys))
    return dict(zip(unique, concurrently(call, unique, limit)))


NOT_IMPLEMENTED = 238  # the store's error code for an unsupported option


def expiring_index(collection, field="expires_at"):
    """A TTL index: the store deletes each document once its ``field`` time has passed.
    True if the store does so itself (MongoDB); False on FerretDB 1.24, which has no TTL
    indexes (an ordinary index is made): then ``sweep_expired`` must be run periodically."""
    try:
        collection.create_index(field, expireAfterSeconds=0)
        return True
    except OperationFailure as exc:
        if exc.code != NOT_IMPLEMENTED:
            raise
    collection.create_index(field)
    return False


def sweep_expired(collection, now, field="expires_at"):
    """What a TTL index does, for stores without them: delete documents past ``field``."""
    return collection.delete_many({field: {"$lte": now}}).deleted_count


EXPORT_PAGE_MAX = 1000


def export_page(collection, after=None, limit=500, **equal):
    """One page of a paginated, read-only export (rebuilding read models): documents whose
    ``_id`` sorts after ``after``, in ``_id`` order, with equality filters only."""
    query = dict(equal)
    if after:
        query["_id"] = {"$gt": after}
    limit = max(1, min(int(limit), EXPORT_PAGE_MAX))
    return list(collection.find(query).sort("_id", pymongo.ASCENDING).limit(limit))
