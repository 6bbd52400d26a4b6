#!/usr/bin/env python3
"""Render the event catalog (docs/events.md) from the event contracts.

    python scripts/gen_event_catalog.py          # write docs/events.md
    python scripts/gen_event_catalog.py --check  # exit 1 if docs/events.md is stale
"""
import argparse
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from services.integrations.catalog_markdown import render_markdown  # noqa: E402

TARGET = ROOT / "docs" / "events.md"


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="only check that the file is current")
    args = parser.parse_args()
    text = render_markdown()
    if args.check:
        if not TARGET.exists() or TARGET.read_text() != text:
            sys.exit("docs/events.md is stale: run python scripts/gen_event_catalog.py")
        return
    TARGET.write_text(text)
    print(f"wrote {TARGET.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
