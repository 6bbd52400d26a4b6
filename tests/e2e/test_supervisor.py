"""The local supervisor (scripts/platformctl.py, what `make run` starts): a platform process
killed with SIGKILL is started again by itself, the restart is counted for `make status`,
and the platform answers ready again with no manual step."""
import os
import signal

import pytest

from isolated_env import isolated_env, started_platform
from tests.conftest import ROOT, TEST_SETTINGS
from tests.polling import eventually

pytestmark = pytest.mark.e2e


def test_a_killed_process_is_restarted_with_its_restart_counted(infra):
    with isolated_env(infra, "test-supervisor", **TEST_SETTINGS) as env, \
            started_platform(env, ROOT / "var" / "log" / "test-supervisor", services=("accounts",),
                             supervised=True) as plat:
        for name in ("accounts", "gateway"):
            victim = plat.status()[name]
            os.kill(victim, signal.SIGKILL)
            eventually(lambda: plat.status()[name] not in (None, victim), timeout=60)
            eventually(lambda: plat.restarts()[name]["restarts"] == 1, timeout=10)
            assert plat.restarts()[name]["last_exit"] == "signal 9"
            eventually(plat.ready, timeout=90)
