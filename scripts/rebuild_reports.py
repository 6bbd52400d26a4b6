#!/usr/bin/env python3
"""Rebuild the reports read models of one or more tenants from the source services.

    python scripts/rebuild_reports.py --tenant <tenant_id> [--tenant ...]
    python scripts/rebuild_reports.py --all

Asks the running reports service to rebuild (its ``rebuild`` RPC, services/reports/rebuild.py):
it reads the current state through the source services' read-only exports and hands it to
its projector, so that live and rebuilt numbers go through exactly the same code; the call
returns once the projector has applied everything (docs/reports.md, "Rebuild").

Environment: AMQP_URI (as for the services; default: the local broker).
"""
import argparse
import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from nameko.exceptions import RemoteError  # noqa: E402
from nameko.standalone.rpc import ClusterRpcProxy  # noqa: E402

TIMEOUT_SECONDS = 3600  # a rebuild of --all waits for the projector tenant after tenant


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    group = parser.add_mutually_exclusive_group(required=True)
    group.add_argument("--tenant", action="append", help="tenant id (repeatable)")
    group.add_argument("--all", action="store_true", help="every tenant known to accounts")
    parser.add_argument("--timeout", type=float, default=TIMEOUT_SECONDS, help="seconds to wait for the rebuild")
    args = parser.parse_args(argv)
    config = {"AMQP_URI": os.environ.get("AMQP_URI", "amqp://guest:guest@127.0.0.1:5672/")}
    with ClusterRpcProxy(config, timeout=args.timeout) as rpc:
        try:
            rebuilt = rpc.reports.rebuild(None if args.all else args.tenant)
        except RemoteError as exc:
            raise SystemExit(f"the rebuild failed: {exc.exc_type}: {exc.value}") from None
    for tenant_id, n in rebuilt.items():
        print(f"tenant {tenant_id}: {n} facts re-exported and applied")


if __name__ == "__main__":
    main()
