"""The fault-injection suite runs only when asked (`make test-faults`, FAULTS=1): it starts a
broker, a store and a platform of its own and kills their parts in turn (several minutes)."""
import os

import pytest


def pytest_collection_modifyitems(config, items):
    if os.environ.get("FAULTS") == "1":
        return
    skip = pytest.mark.skip(reason="the fault-injection suite runs with `make test-faults` (FAULTS=1)")
    for item in items:
        if "tests/faults/" in str(item.fspath):
            item.add_marker(skip)
