"""TTL on the auth collections: every sign-in failure, known client, revocation, refresh token,
rotation, revoked family and activation code carries ``expires_at``; a TTL index deletes it
on MongoDB, and the accounts service's sweep does on FerretDB (no TTL indexes there)."""
import datetime as dt

import pytest
from pymongo.errors import OperationFailure

from mooc_common.infra.store import expiring_index, service_database, utcnow as now
from services.accounts import security
from services.accounts.storage import AccountsStore

pytestmark = pytest.mark.integration


class FakeCollection:
    def __init__(self, ttl_supported):
        self.ttl_supported, self.indexes = ttl_supported, []

    def create_index(self, field, **options):
        if "expireAfterSeconds" in options and not self.ttl_supported:
            raise OperationFailure('Index option "expireAfterSeconds" is not implemented yet', 238)
        self.indexes.append((field, options))


def test_a_ttl_index_where_the_store_has_them_and_a_plain_index_otherwise():
    mongo, ferret = FakeCollection(True), FakeCollection(False)
    assert expiring_index(mongo) is True and mongo.indexes == [("expires_at", {"expireAfterSeconds": 0})]
    assert expiring_index(ferret) is False and ferret.indexes == [("expires_at", {})]


@pytest.fixture
def store(probe_env):
    db = service_database(probe_env, "accounts-ttl")
    for name in AccountsStore.COLLECTIONS:
        db[name].drop()
    AccountsStore.ensure_indexes(db)
    return AccountsStore(db)


def test_every_auth_document_expires_and_the_sweep_deletes_the_expired(store):
    long_ago = now() - dt.timedelta(days=60)
    store.record_failed_sign_in("an.nguyen", "203.0.113.9", long_ago)
    store.record_failed_sign_in("an.nguyen", "203.0.113.9", now())
    store.remember_client("an.nguyen", "10.0.0.1", long_ago)
    store.revoke_access("users", "u1", long_ago)
    _, token = security.new_refresh_token("u1", now=long_ago)
    store.insert_refresh_token(token)
    store.mark_rotated(token["_id"])
    store.revoke_family(token["family_id"], "sign_out")
    store.insert_activation_codes([{"_id": "h1", "user_id": "u1", "expires_at": long_ago}])
    store.use_activation_code("h2")
    for name in AccountsStore.EXPIRING:
        docs = list(getattr(store, name).find())
        assert docs and all("expires_at" in d for d in docs), name
    assert "expires_at_1" in store.sign_in_failures.index_information()

    deleted = store.sweep(now())
    assert deleted["sign_in_failures"] == 1 and deleted["known_clients"] == 1
    assert deleted["access_revocations"] == 1 and deleted["refresh_tokens"] == 1
    assert deleted["activation_codes"] == 1
    assert store.sign_in_failures.count_documents({}) == 1  # the recent one stays
    assert store.revoked_families.count_documents({}) == 1  # revoked for 14 days
    assert store.sweep(now() + dt.timedelta(days=31)) == {
        "sign_in_failures": 1, "known_clients": 0, "access_revocations": 1, "refresh_tokens": 0,
        "refresh_rotations": 1, "revoked_families": 1, "activation_codes": 0, "activation_uses": 1}
