"""Accounts storage: tenants and users in the accounts database."""
import datetime as dt
import uuid

import pymongo
from pymongo.errors import DuplicateKeyError

from mooc_common.contracts.errors import Conflict


def now():
    return dt.datetime.now(dt.timezone.utc)


class AccountsStore:
    COLLECTIONS = ('tenants', 'users')

    def __init__(self, db):
        self.tenants = db["tenants"]
        self.users = db["users"]

    @staticmethod
    def ensure_indexes(db):
        db["tenants"].create_index("code", unique=True)
        db["users"].create_index("username", unique=True)
        db["users"].create_index("tenant_id")

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

    def list_tenants(self, offset, limit):
        return list(self.tenants.find({}).sort("code", pymongo.ASCENDING).skip(offset).limit(limit))

    def reserve_seats(self, tenant_id, count, quota):
        """Atomically take ``count`` learner seats if they fit in the quota; None if not."""
        return self.tenants.find_one_and_update(
            {"_id": tenant_id, "seats_used": {"$lte": quota - count}},
            {"$inc": {"seats_used": count}}, return_document=pymongo.ReturnDocument.AFTER)

    def release_seats(self, tenant_id, count):
        self.tenants.update_one({"_id": tenant_id}, {"$inc": {"seats_used": -count}})

    # users
    def insert_user(self, doc):
        doc = dict(doc, _id=doc.get("_id") or uuid.uuid4().hex, status="active", created_at=now())
        try:
            self.users.insert_one(doc)
        except DuplicateKeyError:
            raise Conflict(f"The username {doc['username']} is taken.", {"username": ["already taken"]})
        return doc

    def upsert_operator(self, username, password_hash):
        self.users.update_one(
            {"username": username},
            {"$set": {"password_hash": password_hash, "role": "operator_admin", "status": "active"},
             "$setOnInsert": {"_id": uuid.uuid4().hex, "tenant_id": None, "full_name": "Operator",
                              "unit_id": None, "category": None, "created_at": now()}},
            upsert=True)

    def get_user(self, user_id):
        return self.users.find_one({"_id": user_id})

    def find_user_by_username(self, username):
        return self.users.find_one({"username": username})
