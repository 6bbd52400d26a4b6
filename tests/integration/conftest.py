"""Fixtures of the in-process integration tests, over the real broker and store."""
import uuid

import pytest

from mooc_common.infra.store import service_database


@pytest.fixture
def fresh_database(probe_env):
    """``fresh_database(name)``: a database of the real store (FerretDB locally, MongoDB in
    production code paths) of this test's own, under the run's prefix, dropped after the test
    (also when it fails)."""
    config = {k: probe_env[k] for k in ("MONGO_URI", "MONGO_DB_PREFIX")}
    made = []

    def make(name):
        db = service_database(config, f"{name}_{uuid.uuid4().hex[:8]}")
        made.append(db)
        return db
    yield make
    for db in made:
        db.client.drop_database(db.name)
