"""Accounts storage: tenants, units, users, credentials and import jobs.

Store semantics (docs/architecture.md): exactly-once facts are inserts with a natural unique
id (a refresh token's rotation, an activation code's use, an import of one file); the seat
counter of a tenant is only changed under the service's per-tenant lock (see service.py).
"""
import datetime as dt
import uuid

import pymongo
from pymongo.errors import BulkWriteError, DuplicateKeyError

from mooc_common.contracts.errors import Conflict


def now():
    return dt.datetime.now(dt.timezone.utc)


def _inserted_once(collection, doc):
    """Insert ``doc``; False if its _id exists already (the fact was recorded before)."""
    try:
        collection.insert_one(doc)
        return True
    except DuplicateKeyError:
        return False


def _insert_new(collection, docs):
    """Bulk insert; documents already there (a redelivered import batch) are skipped."""
    try:
        collection.insert_many(docs, ordered=False)
    except BulkWriteError as exc:
        if any(e.get("code") != 11000 for e in exc.details.get("writeErrors", [])):
            raise


class AccountsStore:
    COLLECTIONS = ('tenants', 'users', 'units', 'training_plans', 'refresh_tokens',
                   'refresh_rotations', 'revoked_families', 'sign_in_failures', 'import_jobs',
                   'import_files', 'activation_codes', 'activation_uses')

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
        db["refresh_tokens"].create_index("family_id")

    # tenants
    def insert_tenant(self, data):
        doc = dict(data, _id=uuid.uuid4().hex, status="active", seats_used=0, created_at=now())
        try:
            self.tenants.insert_one(doc)
        except DuplicateKeyError:
            raise Conflict(f"A tenant with code {data['code']} already exists.",
                           {"code": ["already exists"]})
        return doc

    def get_tenant(self, tenant_id):
        return self.tenants.find_one({"_id": tenant_id})

    def update_tenant(self, tenant_id, changes):
        return self.tenants.find_one_and_update({"_id": tenant_id}, {"$set": changes},
                                                return_document=pymongo.ReturnDocument.AFTER)

    def list_tenants(self, offset, limit):
        return list(self.tenants.find({}).sort("code", pymongo.ASCENDING).skip(offset).limit(limit))

    def suspended_tenant_ids(self):
        return [t["_id"] for t in self.tenants.find({"status": "suspended"}, {"_id": 1})]

    def reserve_seats(self, tenant_id, count, quota):
        """Take ``count`` learner seats if they fit in the quota; None if not.

        The conditional update is atomic on MongoDB; on FerretDB the caller holds the
        tenant's lock (one accounts instance locally).
        """
        return self.tenants.find_one_and_update(
            {"_id": tenant_id, "seats_used": {"$lte": quota - count}},
            {"$inc": {"seats_used": count}}, return_document=pymongo.ReturnDocument.AFTER)

    def release_seats(self, tenant_id, count):
        self.tenants.update_one({"_id": tenant_id}, {"$inc": {"seats_used": -count}})

    # training plans: one document per tenant and year, replaced on resubmission
    def save_training_plan(self, plan):
        self.training_plans.replace_one({"_id": plan["_id"]}, plan, upsert=True)
        return plan

    def get_training_plan(self, tenant_id, year):
        return self.training_plans.find_one({"_id": f"{tenant_id}:{year}"})

    # units
    def insert_unit(self, doc):
        try:
            self.units.insert_one(doc)
        except DuplicateKeyError:
            raise Conflict(f"A unit with code {doc['code']} already exists in this tenant.",
                           {"code": ["already exists"]})
        return doc

    def get_unit(self, unit_id):
        return self.units.find_one({"_id": unit_id})

    def tenant_units(self, tenant_id):
        return list(self.units.find({"tenant_id": tenant_id}))

    def update_unit(self, unit_id, changes):
        return self.units.find_one_and_update({"_id": unit_id}, {"$set": changes},
                                              return_document=pymongo.ReturnDocument.AFTER)

    # users
    def insert_user(self, doc):
        doc = dict(doc, _id=doc.get("_id") or uuid.uuid4().hex, status=doc.get("status", "active"),
                   created_at=now())
        try:
            self.users.insert_one(doc)
        except DuplicateKeyError:
            raise Conflict(f"The username {doc['username']} is taken.", {"username": ["already taken"]})
        return doc

    def insert_users(self, docs):
        _insert_new(self.users, docs)

    def upsert_operator(self, username, password_hash):
        self.users.update_one(
            {"username": username},
            {"$set": {"password_hash": password_hash, "role": "operator_admin", "status": "active"},
             "$setOnInsert": {"_id": uuid.uuid4().hex, "tenant_id": None, "full_name": "Operator",
                              "unit_id": None, "category": None, "created_at": now()}},
            upsert=True)

    def get_user(self, user_id):
        return self.users.find_one({"_id": user_id})

    def update_user(self, user_id, changes):
        return self.users.find_one_and_update({"_id": user_id}, {"$set": changes},
                                              return_document=pymongo.ReturnDocument.AFTER)

    def find_user_by_username(self, username):
        return self.users.find_one({"username": username})

    def list_users(self, tenant_id, offset, limit):
        return list(self.users.find({"tenant_id": tenant_id}).sort("_id", 1).skip(offset).limit(limit))

    def existing_usernames(self, usernames, chunk=1000):
        """{username: import_id} of those already taken, looked up in chunks."""
        taken = {}
        for i in range(0, len(usernames), chunk):
            for user in self.users.find({"username": {"$in": usernames[i:i + chunk]}},
                                        {"username": 1, "import_id": 1}):
                taken[user["username"]] = user.get("import_id")
        return taken

    def import_users(self, import_id):
        return list(self.users.find({"import_id": import_id}, {"username": 1, "full_name": 1}))

    # failed sign-ins: one insert per failure (no shared counter document to race on)
    def record_failed_sign_in(self, username, at):
        self.sign_in_failures.insert_one({"_id": uuid.uuid4().hex, "username": username, "at": at})

    def failed_sign_ins(self, username, since):
        old, recent = [], []
        for doc in self.sign_in_failures.find({"username": username}):
            (recent if doc["at"] > since else old).append(doc)
        if old:
            self.sign_in_failures.delete_many({"_id": {"$in": [d["_id"] for d in old]}})
        return [d["at"] for d in recent]

    # refresh tokens
    def insert_refresh_token(self, doc):
        self.refresh_tokens.insert_one(doc)

    def get_refresh_token(self, token_id):
        return self.refresh_tokens.find_one({"_id": token_id})

    def mark_rotated(self, token_id):
        """True the first time only: a second use of the same refresh token is a reuse."""
        return _inserted_once(self.refresh_rotations, {"_id": token_id, "at": now()})

    def revoke_family(self, family_id, reason):
        _inserted_once(self.revoked_families, {"_id": family_id, "reason": reason, "at": now()})

    def family_revoked(self, family_id):
        return self.revoked_families.find_one({"_id": family_id}) is not None

    # activation codes (only their hashes are stored)
    def insert_activation_codes(self, docs):
        _insert_new(self.activation_codes, docs)

    def get_activation_code(self, code_hash):
        return self.activation_codes.find_one({"_id": code_hash})

    def use_activation_code(self, code_hash):
        return _inserted_once(self.activation_uses, {"_id": code_hash, "at": now()})

    # import jobs
    def insert_job(self, doc):
        return _inserted_once(self.import_jobs, doc)

    def get_job(self, job_id):
        return self.import_jobs.find_one({"_id": job_id})

    def update_job(self, job_id, changes):
        self.import_jobs.update_one({"_id": job_id}, {"$set": changes})

    def claim_codes_download(self, job_id):
        return _inserted_once(self.activation_uses, {"_id": f"download:{job_id}", "at": now()})

    def claim_file(self, fingerprint, job_id):
        """The job that imports this file (this one if it is the first): one import per file."""
        if _inserted_once(self.import_files, {"_id": fingerprint, "job_id": job_id, "at": now()}):
            return job_id
        return self.import_files.find_one({"_id": fingerprint})["job_id"]
