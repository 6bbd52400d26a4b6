"""The service-layer tier: a service's ``service.py`` run by nameko's ``worker_factory``.

Each test gets a worker of the real service class whose ``store`` is the real storage wrapper
over a database of its own (FerretDB locally, as in production code paths) and whose
``events`` is the real outbox writer over that database; only the last step, handing the
envelope to the broker, is a recorder (``Published``): the broker path itself is covered by
tests/integration/test_outbox.py. Another service's RPCs are fakes written for the test.
Entrypoints are called as methods; concurrency is real (greenthreads on one worker).
"""
import datetime as dt
import functools
import json
import uuid

import pytest
from nameko.testing.services import worker_factory

from mooc_common.infra.outbox import OutboxEntries, OutboxWriter, Sweeper
from mooc_common.infra.store import ProcessedEvents, prepare_database, service_database


def delivered(event_type, payload, tenant_id, occurred_at):
    """The body of ``event_type`` as a handler receives it from the broker (JSON types)."""
    return json.loads(json.dumps(event_type.build(payload, tenant_id, occurred_at=occurred_at), default=str))


class Published(list):
    """The envelopes a worker handed to the broker, in order."""

    def __call__(self, envelope):
        self.append(envelope)

    def of_type(self, event_type):
        return [e for e in self if e["type"] == event_type.type]


def database(probe_env, service_name):
    """A fresh database under the run's prefix (the session's clean-up drops them)."""
    config = {k: probe_env[k] for k in ("MONGO_URI", "MONGO_DB_PREFIX")}
    return service_database(config, f"{service_name}_svc_{uuid.uuid4().hex[:8]}")


def build_worker(probe_env, service_cls, store_cls, stores=(), **dependencies):
    """A worker of ``service_cls`` over a database of its own -> (worker, published).

    ``stores``: the service's other ``Store`` dependencies over the same database
    ({name: StoreClass}: integrations' ``cmi5``, say); ``dependencies``: fakes of the others."""
    db = database(probe_env, service_cls.name)
    for name, other_store_cls in dict(stores).items():
        dependencies[name] = prepare_database(db, other_store_cls)
    entries = OutboxEntries(db)
    entries.create()
    published = Published()
    sweeper = Sweeper(entries, published, stale_after=dt.timedelta(seconds=5),
                      abandon_after=dt.timedelta(seconds=300))
    if hasattr(service_cls, "events"):  # the services that announce through the outbox
        dependencies["events"] = OutboxWriter(service_cls.name, entries, sweeper, publish=None,
                                              publish_raw=published, correlation_id="service-tier")
    if hasattr(service_cls, "processed_events"):  # event handlers claim event ids there
        dependencies.setdefault("processed_events", prepare_database(db, ProcessedEvents))
    worker = worker_factory(service_cls, store=prepare_database(db, store_cls), **dependencies)
    return worker, published


@pytest.fixture
def service_worker(probe_env):
    """``service_worker(ServiceClass, StoreClass, stores={...}, **other_dependencies)`` ->
    (worker, published), per test (a module that shares one worker calls ``build_worker``)."""
    return functools.partial(build_worker, probe_env)
