#!/usr/bin/env python3
"""Rebuild the reports read models of one or more tenants from the source services.

    python scripts/rebuild_reports.py --tenant <tenant_id> [--tenant ...]
    python scripts/rebuild_reports.py --all

Reads the current state through paginated, read-only RPC exports (accounts: export_tenants,
export_users; courses: export_courses, export_enrollments; progress: export_completions)
and hands it to the running reports service's projector through its inbox, so that live
and rebuilt numbers go through exactly the same code:
1. a *reset* record: the projector drops the tenant's user, enrollment, completion and
   trained-learner facts and recounts the tenant's parts from scratch from the facts it
   keeps (certificates and activity days, which the sources do not export yet);
2. once that is done, the exported state as changes written at the rebuild's version (so an
   older event still in flight cannot undo it);
3. it waits until the projector has applied them.
Units, plans and submitted year-end snapshots are kept as they are.

Environment: AMQP_URI, MONGO_URI, MONGO_DB_PREFIX (as for the services; defaults from var/).
Run it while the reports service is running.
"""
import argparse
import datetime as dt
import os
import sys
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from nameko.standalone.rpc import ClusterRpcProxy  # noqa: E402

from mooc_common.infra.store import service_database  # noqa: E402
from services.reports import projection  # noqa: E402
from services.reports.storage import REBUILT_FACTS, ReportsStore, inbox_record  # noqa: E402

PAGE = 500
WAIT_SECONDS = 600


def _time(value):
    return dt.datetime.fromisoformat(value) if isinstance(value, str) else value


def wait_applied(store, record_ids, what):
    deadline = time.monotonic() + WAIT_SECONDS
    while any(store.has_record(r) for r in record_ids):
        if time.monotonic() > deadline:
            raise SystemExit(f"the reports projector did not apply the {what} within {WAIT_SECONDS}s: "
                             "is the reports service running?")
        time.sleep(0.2)


def exported_changes(rpc, tenant_id, version):
    """Pages of changes holding the tenant's current users, enrollments and completions."""
    after = None
    while rows := rpc.accounts.export_users(tenant_id, after, PAGE):
        yield projection.user_changes(rows, version)
        after = rows[-1]["user_id"]
    after = None
    while rows := rpc.courses.export_enrollments(tenant_id, after, PAGE):
        changes = []
        for row in rows:
            row["enrolled_at"] = _time(row["enrolled_at"])
            changes += projection.enrollment_changes(tenant_id, row, row.get("status") != "cancelled", version)
        yield changes
        after = rows[-1]["enrollment_id"]
    after = None
    while True:
        page = rpc.progress.export_completions(tenant_id, after, PAGE)
        if page["next_after"] is None:
            break
        changes = []
        for row in page["completions"]:
            row["completed_at"] = _time(row["completed_at"])
            changes += projection.completion_changes(tenant_id, row)
        yield changes
        after = page["next_after"]


def rebuild_tenant(rpc, store, tenant, version):
    tenant_id, run = tenant["tenant_id"], uuid.uuid4().hex
    reset = inbox_record(f"rebuild-{run}-reset", tenant_id, version, kind="reset", collections=list(REBUILT_FACTS))
    store.enqueue_many([reset])
    wait_applied(store, [reset["_id"]], "reset")
    records = [inbox_record(f"rebuild-{run}-tenant", tenant_id, version, projection.tenant_changes(tenant, version))]
    for n, changes in enumerate(exported_changes(rpc, tenant_id, version)):
        records.append(inbox_record(f"rebuild-{run}-{n}", tenant_id, version, changes))
    store.enqueue_many(records)
    wait_applied(store, [r["_id"] for r in records], "re-exported facts")
    return sum(len(r["changes"]) for r in records)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    group = parser.add_mutually_exclusive_group(required=True)
    group.add_argument("--tenant", action="append", help="tenant id (repeatable)")
    group.add_argument("--all", action="store_true", help="every tenant known to accounts")
    args = parser.parse_args(argv)
    config = {"AMQP_URI": os.environ.get("AMQP_URI", "amqp://guest:guest@127.0.0.1:5672/"),
              "MONGO_URI": os.environ.get("MONGO_URI", "mongodb://127.0.0.1:27017/"),
              "MONGO_DB_PREFIX": os.environ.get("MONGO_DB_PREFIX", "")}
    store = ReportsStore(service_database(config, "reports"))
    version = dt.datetime.now(dt.timezone.utc)
    with ClusterRpcProxy(config, timeout=60) as rpc:
        tenants, after = {}, None
        while rows := rpc.accounts.export_tenants(after, PAGE):
            tenants.update({t["tenant_id"]: t for t in rows})
            after = rows[-1]["tenant_id"]
        after, courses = None, []
        while rows := rpc.courses.export_courses(after, PAGE):
            courses += [inbox_record(f"rebuild-course-{c['course_id']}-{version.isoformat()}",
                                     "*" if not c["owner_tenant_id"] else c["owner_tenant_id"], version,
                                     projection.course_changes(c, c["status"], version))
                        for c in rows if c["status"] in ("published", "archived")]
            after = rows[-1]["course_id"]
        store.enqueue_many(courses)
        for tenant_id in (sorted(tenants) if args.all else args.tenant):
            if tenant_id not in tenants:
                raise SystemExit(f"unknown tenant {tenant_id}")
            n = rebuild_tenant(rpc, store, tenants[tenant_id], version)
            print(f"tenant {tenant_id}: {n} facts re-exported and applied")


if __name__ == "__main__":
    main()
