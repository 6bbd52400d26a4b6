"""Accounts storage: tenants, units, users, credentials and import jobs.

Store semantics (docs/architecture.md): exactly-once facts are inserts with a natural unique
id (a refresh token's rotation, an activation code's use, an import of one file); the seat
counter of a tenant is changed by a compare-and-set, and every update of a tenant document
(``take_seats``, ``release_seats``, ``update_tenant``) holds this process's lock of that
document (``keyed_locks.writing``): FerretDB loses one of two concurrent updates otherwise.
Units are written only through ``unit_tree``, which holds the tenant's whole tree
(a move reads every unit, then rewrites paths: unit_tree.py).
"""
import datetime as dt
import hashlib
import uuid
from contextlib import contextmanager

import pymongo

from mooc_common.contracts import roles, tokens
from mooc_common.contracts.errors import Conflict
from mooc_common.infra.keyed_locks import writing
from mooc_common.infra.store import concurrently, expiring_index, insert_new, insert_once, sweep_expired, utcnow

from . import domain
from .security import ACTIVATION_CODE_TTL, REFRESH_TOKEN_TTL
from .unit_tree import LEASES, TREE_LOCKS, UnitTree, take_lease

# How long the documents behind sign-in live (each gets an ``expires_at``; a TTL index or
# AccountsStore.sweep deletes it then): none outlives what it protects.
SIGN_IN_FAILURE_TTL = dt.timedelta(seconds=domain.SIGN_IN_WINDOW_SECONDS)
KNOWN_CLIENT_TTL = dt.timedelta(days=domain.KNOWN_CLIENT_DAYS)
REVOCATION_TTL = dt.timedelta(seconds=tokens.ACCESS_TOKEN_TTL_SECONDS + 60)
SEAT_TRIES = 5  # compare-and-set rounds when the quota changes under a seat taker (MongoDB)


def _client_key(username, client):
    """The pair's key without the address in clear (the store needs no list of who signs in where)."""
    return hashlib.sha256(f"{username}\0{client}".encode()).hexdigest()


class AccountsStore:
    COLLECTIONS = ('tenants', 'users', 'usernames', 'units', 'training_plans', 'refresh_tokens',
                   'refresh_rotations', 'revoked_families', 'access_revocations', 'sign_in_failures',
                   'known_clients', 'import_jobs',
                   'import_files', 'import_batches', 'activation_codes', 'activation_uses', LEASES)

    def __init__(self, db):
        self.db = db
        for name in self.COLLECTIONS:
            setattr(self, name, db[name])

    @staticmethod
    def ensure_indexes(db):
        db["tenants"].create_index("code", unique=True)
        db["tenants"].create_index("status")
        db["users"].create_index("username", unique=True)
        db["users"].create_index("tenant_id")
        db["users"].create_index("import_id")
        db["units"].create_index([("tenant_id", 1), ("code", 1)], unique=True)
        db["units"].create_index("tenant_id")
        db["sign_in_failures"].create_index("username")
        db["sign_in_failures"].create_index("client")
        db["refresh_tokens"].create_index("family_id")
        for name in AccountsStore.EXPIRING:
            expiring_index(db[name])

    EXPIRING = ("sign_in_failures", "known_clients", "access_revocations", "refresh_tokens",
                "refresh_rotations", "revoked_families", "activation_codes", "activation_uses")

    def sweep(self, at):
        """Deletes expired auth documents (FerretDB has no TTL indexes); {collection: count}."""
        return {name: sweep_expired(getattr(self, name), at) for name in self.EXPIRING}

    # tenants
    @staticmethod
    def new_tenant(data):
        return dict(data, _id=uuid.uuid4().hex, status="active", seats_used=0, created_at=utcnow())

    def insert_tenant(self, doc):
        if not insert_once(self.tenants, doc):
            raise Conflict(f"A tenant with code {doc['code']} already exists.",
                           {"code": ["already exists"]})
        return doc

    def get_tenant(self, tenant_id):
        return self.tenants.find_one({"_id": tenant_id})

    def update_tenant(self, tenant_id, changes):
        with writing(self.tenants, tenant_id):
            return self.tenants.find_one_and_update({"_id": tenant_id}, {"$set": changes},
                                                    return_document=pymongo.ReturnDocument.AFTER)

    def list_tenants(self, offset, limit):
        return list(self.tenants.find({}).sort("code", pymongo.ASCENDING).skip(offset).limit(limit))

    def all_tenants(self):
        return list(self.tenants.find({}))

    def suspended_tenant_ids(self):
        return [t["_id"] for t in self.tenants.find({"status": "suspended"}, {"_id": 1})]

    def take_seats(self, tenant_id, count):
        """Take ``count`` learner seats if they fit in the tenant's quota: the tenant as it is
        after, or None (refused: too few seats left, or no such tenant).

        A compare-and-set on the quota read (atomic on MongoDB, tried again if the quota
        changed meanwhile), under the tenant's write lock for FerretDB (one accounts instance
        locally)."""
        with writing(self.tenants, tenant_id):
            for _ in range(SEAT_TRIES):
                tenant = self.get_tenant(tenant_id)
                if tenant is None or tenant["seats_used"] + count > tenant["learner_quota"]:
                    return None
                quota = tenant["learner_quota"]
                taken = self.tenants.find_one_and_update(
                    {"_id": tenant_id, "learner_quota": quota, "seats_used": {"$lte": quota - count}},
                    {"$inc": {"seats_used": count}}, return_document=pymongo.ReturnDocument.AFTER)
                if taken:
                    return taken
            return None

    def release_seats(self, tenant_id, count):
        with writing(self.tenants, tenant_id):
            self.tenants.update_one({"_id": tenant_id}, {"$inc": {"seats_used": -count}})

    # training plans: one document per tenant and year, replaced on resubmission
    def save_training_plan(self, plan):
        self.training_plans.replace_one({"_id": plan["_id"]}, plan, upsert=True)
        return plan

    def get_training_plan(self, tenant_id, year):
        return self.training_plans.find_one({"_id": f"{tenant_id}:{year}"})

    # units
    def get_unit(self, unit_id):
        return self.units.find_one({"_id": unit_id})

    def tenant_units(self, tenant_id):
        return list(self.units.find({"tenant_id": tenant_id}))

    @contextmanager
    def unit_tree(self, tenant_id):
        """``with store.unit_tree(tenant_id) as tree:`` the tenant's units, held against any
        other change of them (unit_tree.py) until the block ends; units are written only
        through ``tree.insert`` and ``tree.update``."""
        with TREE_LOCKS.hold(tenant_id):
            holder = take_lease(self.unit_tree_leases, tenant_id)
            try:
                yield UnitTree(self, tenant_id)
            finally:
                self.unit_tree_leases.delete_one({"_id": tenant_id, "holder": holder})

    # users
    # Usernames are also the _id of a small ``usernames`` document: sign-in then reads by _id
    # (FerretDB does not use the secondary index for a lookup in a big collection), and the
    # insert of that document is what makes the username unique, atomically.
    def insert_user(self, doc):
        doc = dict(doc, _id=doc.get("_id") or uuid.uuid4().hex, status=doc.get("status", "active"),
                   created_at=utcnow())
        if not insert_once(self.usernames, {"_id": doc["username"], "user_id": doc["_id"]}):
            raise Conflict(f"The username {doc['username']} is taken.", {"username": ["already taken"]})
        try:
            self.users.insert_one(doc)
        except Exception:
            self.usernames.delete_one({"_id": doc["username"], "user_id": doc["_id"]})
            raise
        return doc

    def insert_users(self, docs):
        insert_new(self.usernames, [{"_id": d["username"], "user_id": d["_id"],
                                      "import_id": d.get("import_id")} for d in docs])
        insert_new(self.users, docs)

    def upsert_operator(self, username, password_hash):
        self.users.update_one(
            {"username": username},
            {"$set": {"password_hash": password_hash, "role": roles.OPERATOR_ADMIN, "status": "active"},
             "$setOnInsert": {"_id": uuid.uuid4().hex, "tenant_id": None, "full_name": "Operator",
                              "unit_id": None, "category": None, "created_at": utcnow()}},
            upsert=True)
        user = self.users.find_one({"username": username})  # once, at start-up
        self.usernames.replace_one({"_id": username}, {"_id": username, "user_id": user["_id"]}, upsert=True)

    def get_user(self, user_id):
        return self.users.find_one({"_id": user_id})

    def get_users(self, user_ids):
        """{id: user} of those that exist, looked up side by side (see store.concurrently)."""
        return {u["_id"]: u for u in concurrently(self.get_user, user_ids) if u}

    def update_user(self, user_id, changes):
        return self.users.find_one_and_update({"_id": user_id}, {"$set": changes},
                                              return_document=pymongo.ReturnDocument.AFTER)

    def find_user_by_username(self, username):
        entry = self.usernames.find_one({"_id": username})
        return self.users.find_one({"_id": entry["user_id"]}) if entry else None

    def list_users(self, tenant_id, offset, limit, filters=None):
        # natural order: a sort would make FerretDB read the tenant's whole user set
        return list(self.users.find(domain.user_query(tenant_id, filters or {})).skip(offset).limit(limit))

    def existing_usernames(self, usernames):
        """{username: import_id} of those already taken: one pass over the small ``usernames``
        documents (``$in`` is not pushed down by FerretDB; one pass beats 40 of them)."""
        wanted = set(usernames)
        return {d["_id"]: d.get("import_id") for d in self.usernames.find({}, {"import_id": 1})
                if d["_id"] in wanted}

    @staticmethod
    def import_batch_id(import_id, batch_no):
        return f"{import_id}:{batch_no}"

    def save_import_batch(self, doc):
        """Who a batch created (``{_id: import_batch_id, users}``), by _id: the codes download
        then reads a few documents by _id instead of searching 40,000 users by import id."""
        insert_once(self.import_batches, doc)

    def import_users(self, import_id, batches):
        for batch_no in range(1, batches + 1):
            yield from (self.import_batches.find_one({"_id": self.import_batch_id(import_id, batch_no)})
                        or {}).get("users", [])

    # failed sign-ins: one insert per failure (no shared counter document to race on)
    def record_failed_sign_in(self, username, client, at):
        attempt_id = uuid.uuid4().hex
        self.sign_in_failures.insert_one({"_id": attempt_id, "username": username, "client": client,
                                          "at": at, "expires_at": at + SIGN_IN_FAILURE_TTL})
        return attempt_id

    def forget_sign_in_attempt(self, attempt_id):
        self.sign_in_failures.delete_one({"_id": attempt_id})

    def failed_sign_ins(self, username, since):
        """[(id, client, at)] of the account's failures after ``since``; older ones are deleted."""
        old, recent = False, []
        for doc in self.sign_in_failures.find({"username": username}):
            if doc["at"] > since:
                recent.append((doc["_id"], doc.get("client"), doc["at"]))
            else:
                old = True
        if old:
            self.sign_in_failures.delete_many({"username": username, "at": {"$lte": since}})
        return recent

    def client_failures(self, client, since):
        return [(d["_id"], d["at"]) for d in self.sign_in_failures.find({"client": client}, {"at": 1})
                if d["at"] > since]

    def global_failures(self, since, limit):
        """(count up to ``limit``, oldest of them) of the failures after ``since``."""
        times = [d["at"] for d in self.sign_in_failures.find({"at": {"$gt": since}}, {"at": 1}).limit(limit)]
        return len(times), min(times, default=None)

    def known_client(self, username, client, since):
        """When ``client`` last signed in to ``username`` (after ``since``), or None."""
        doc = self.known_clients.find_one({"_id": _client_key(username, client)})
        return doc["at"] if doc and doc["at"] > since else None

    def remember_client(self, username, client, at):
        self.known_clients.replace_one({"_id": _client_key(username, client)},
                                       {"at": at, "expires_at": at + KNOWN_CLIENT_TTL}, upsert=True)

    # refresh tokens
    def insert_refresh_token(self, doc):
        self.refresh_tokens.insert_one(doc)

    def get_refresh_token(self, token_id):
        return self.refresh_tokens.find_one({"_id": token_id})

    def mark_rotated(self, token_id):
        """True the first time only: a second use of the same refresh token is a reuse."""
        return insert_once(self.refresh_rotations, {"_id": token_id, "at": utcnow(),
                                                    "expires_at": utcnow() + REFRESH_TOKEN_TTL})

    def revoke_family(self, family_id, reason):
        insert_once(self.revoked_families, {"_id": family_id, "reason": reason, "at": utcnow(),
                                            "expires_at": utcnow() + REFRESH_TOKEN_TTL})
        self.revoke_access("sessions", family_id, utcnow())

    # revoked access tokens: one small document per deactivated user or ended session,
    # kept for an access token's lifetime (swept here; a TTL index on MongoDB)
    def revoke_access(self, kind, subject, at):
        self.access_revocations.replace_one({"_id": f"{kind}:{subject}"},
                                            {"kind": kind, "subject": subject, "at": at,
                                             "expires_at": at + REVOCATION_TTL}, upsert=True)

    def clear_access_revocation(self, kind, subject):
        self.access_revocations.delete_one({"_id": f"{kind}:{subject}"})

    def revoked_access(self, since):
        revoked, expired = {"users": {}, "sessions": {}}, False
        for doc in self.access_revocations.find():
            if doc["at"] > since:
                revoked[doc["kind"]][doc["subject"]] = doc["at"].isoformat()
            else:
                expired = True
        if expired:
            self.access_revocations.delete_many({"at": {"$lte": since}})
        return revoked

    def family_revoked(self, family_id):
        return self.revoked_families.find_one({"_id": family_id}) is not None

    # activation codes (only their hashes are stored)
    def insert_activation_codes(self, docs):
        insert_new(self.activation_codes, docs)

    def get_activation_code(self, code_hash):
        return self.activation_codes.find_one({"_id": code_hash})

    def use_activation_code(self, code_hash):
        return insert_once(self.activation_uses, {"_id": code_hash, "at": utcnow(),
                                                  "expires_at": utcnow() + ACTIVATION_CODE_TTL})

    # import jobs
    def insert_job(self, doc):
        return insert_once(self.import_jobs, doc)

    def get_job(self, job_id):
        return self.import_jobs.find_one({"_id": job_id})

    def update_job(self, job_id, changes):
        self.import_jobs.update_one({"_id": job_id}, {"$set": changes})

    def claim_codes_download(self, job_id):
        return insert_once(self.activation_uses, {"_id": f"download:{job_id}", "at": utcnow()})

    def claim_file(self, fingerprint, job_id):
        """The job that imports this file (this one if it is the first): one import per file."""
        if insert_once(self.import_files, {"_id": fingerprint, "job_id": job_id, "at": utcnow()}):
            return job_id
        return self.import_files.find_one({"_id": fingerprint})["job_id"]
