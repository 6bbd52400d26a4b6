#!/usr/bin/env python3
"""Checks event schemas against the committed snapshot; --write records additive changes.

    python scripts/snapshot_events.py          # exit 1 and list breaking changes, if any
    python scripts/snapshot_events.py --write  # refuse breaking changes, else update the snapshot
"""
import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from mooc_common.contracts.schema_snapshot import SNAPSHOT, compare_with_snapshot, describe_all  # noqa: E402


def main():
    current = describe_all()
    problems = compare_with_snapshot(current) if SNAPSHOT.exists() else []
    if problems:
        print("breaking changes to event schemas (publish a new .vN type instead):")
        print("\n".join(f"  - {p}" for p in problems))
        sys.exit(1)
    if "--write" in sys.argv:
        SNAPSHOT.write_text(json.dumps(current, indent=2, sort_keys=True, ensure_ascii=False) + "\n")
        print(f"wrote {SNAPSHOT} ({len(current)} event types)")
    else:
        print(f"event schemas compatible with the snapshot ({len(current)} event types)")


if __name__ == "__main__":
    main()
