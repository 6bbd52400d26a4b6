#!/usr/bin/env python3
"""Rebuild the reports read models of one or more tenants from the source services.

    python scripts/rebuild_reports.py --tenant <tenant_id> [--tenant ...]
    python scripts/rebuild_reports.py --all

Reads the current state through paginated, read-only RPC exports (accounts: export_tenants,
export_users; courses: export_courses, export_enrollments; progress: export_completions),
replaces the tenant's user, enrollment and completion facts with it (through the reports
service's own projection code, so live and rebuilt numbers are computed identically), then
marks every part of the tenant's report dirty: the running reports service recomputes them
within a tick or two. Units, plans, certificates and activity days (not exported by the
sources yet) and submitted year-end snapshots are kept as they are.

Environment: AMQP_URI, MONGO_URI, MONGO_DB_PREFIX (as for the services; defaults from var/).
Run it while the reports service is running.
"""
import argparse
import datetime as dt
import os
import sys
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from nameko.standalone.rpc import ClusterRpcProxy  # noqa: E402

from mooc_common.infra.store import service_database  # noqa: E402
from services.reports import projection  # noqa: E402
from services.reports.storage import ReportsStore  # noqa: E402

PAGE = 500


def _time(value):
    return dt.datetime.fromisoformat(value) if isinstance(value, str) else value


def rebuild_tenant(rpc, store, tenant_id, tenants, version):
    tenant = tenants.get(tenant_id)
    if tenant is None:
        raise SystemExit(f"unknown tenant {tenant_id}")
    parts = {"info"} | {p["part"].replace(":", "|", 1) for p in store.parts.find({"tenant_id": tenant_id})}
    store.drop_rebuilt_facts(tenant_id)
    projection.record_tenant(store, tenant, version)
    after = None
    while rows := rpc.accounts.export_users(tenant_id, after, PAGE):
        parts.update(projection.record_users(store, rows, version))
        after = rows[-1]["user_id"]
    after = None
    while rows := rpc.courses.export_enrollments(tenant_id, after, PAGE):
        for row in rows:
            row["enrolled_at"] = _time(row["enrolled_at"])
            parts.update(projection.record_enrollment(store, tenant_id, row, row.get("status") != "cancelled",
                                                      version))
        after = rows[-1]["enrollment_id"]
    after = None
    while True:
        page = rpc.progress.export_completions(tenant_id, after, PAGE)
        if page["next_after"] is None:
            break
        for row in page["completions"]:
            row["completed_at"] = _time(row["completed_at"])
            parts.update(projection.record_completion(store, tenant_id, row))
        after = page["next_after"]
    store.mark_dirty(tenant_id, f"rebuild-{uuid.uuid4().hex}", version, *sorted(parts))
    return len(parts)


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
        after = None
        while rows := rpc.courses.export_courses(after, PAGE):
            for course in rows:
                if course["status"] in ("published", "archived"):
                    projection.record_course(store, course, course["status"], version)
            after = rows[-1]["course_id"]
        for tenant_id in (sorted(tenants) if args.all else args.tenant):
            n = rebuild_tenant(rpc, store, tenant_id, tenants, version)
            print(f"tenant {tenant_id}: facts reloaded, {n} report parts queued for recomputation")


if __name__ == "__main__":
    main()
