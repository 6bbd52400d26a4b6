"""A tenant's unit tree held for a change (``AccountsStore.unit_tree``).

A unit's ``path`` lists its ancestors, so a move reads the whole tree (to refuse a cycle),
then rewrites the paths of the moved subtree; a creation reads its parent's path. Two such
changes of one tenant at once could build a cycle or leave a path naming a unit's old place,
so every change of a tenant's units is made through the tree, held:

- by this process's lock of the tenant (green lock: FerretDB, the local store, has no atomic
  conditional update, and a local accounts instance waits here without polling);
- by a lease document ``unit_tree_leases/<tenant>``, taken by an insert with that natural id
  (atomic on MongoDB and FerretDB alike), so instances on other machines wait for it too. A
  lease left by a crashed instance expires after ``LEASE_TTL``.
"""
import datetime as dt
import time
import uuid

import pymongo

from mooc_common.contracts.errors import Conflict
from mooc_common.infra.keyed_locks import KeyedLocks, writing
from mooc_common.infra.store import insert_once, utcnow

LEASES = "unit_tree_leases"
LEASE_TTL = dt.timedelta(seconds=30)  # a tree change takes milliseconds; a crashed holder's lease ends then
LEASE_TRIES, LEASE_PAUSE = 50, 0.1    # how long another instance's change is waited for (~5 s)
TREE_LOCKS = KeyedLocks()


def take_lease(leases, tenant_id):
    """The holder id of the tenant's lease once taken; Conflict if another instance keeps it."""
    holder = uuid.uuid4().hex
    for _ in range(LEASE_TRIES):
        at = utcnow()
        leases.delete_one({"_id": tenant_id, "expires_at": {"$lt": at}})  # left by a crashed holder
        if insert_once(leases, {"_id": tenant_id, "holder": holder, "expires_at": at + LEASE_TTL}):
            return holder
        time.sleep(LEASE_PAUSE)  # green under nameko (eventlet patches time)
    raise Conflict("The units of this tenant are being changed elsewhere; try again.", {})


class UnitTree:
    """The units of one tenant by id (``units``), read once the tree is held; ``update`` and
    ``insert`` are the only ways a unit is written."""

    def __init__(self, store, tenant_id):
        self._store = store
        self.tenant_id = tenant_id
        self.units = {u["_id"]: u for u in store.tenant_units(tenant_id)}

    def insert(self, doc):
        if not insert_once(self._store.units, doc):
            raise Conflict(f"A unit with code {doc['code']} already exists in this tenant.",
                           {"code": ["already exists"]})
        self.units[doc["_id"]] = doc
        return doc

    def update(self, unit_id, changes):
        """``$set`` of ``changes``; the unit as it is after. The document lock also orders the
        write against the outbox clearing its marker from the same unit."""
        with writing(self._store.units, unit_id):
            unit = self._store.units.find_one_and_update({"_id": unit_id}, {"$set": changes},
                                                         return_document=pymongo.ReturnDocument.AFTER)
        self.units[unit_id] = unit
        return unit
