"""Root pytest configuration.

nameko's pytest plugin no longer monkey-patches (since 2.13): patch eventlet here, before
anything imports socket-using modules, so in-process nameko containers work in tests.

The browser tests (tests/browser) drive Chromium with Playwright's sync API, which runs its
own asyncio loop on greenlets and deadlocks under eventlet's monkey patching. They run in a
pytest process of their own, unpatched and without nameko's plugin:
`MOOC_BROWSER_TESTS=1 pytest -p no:pytest_nameko tests/browser` (what `make test` and
`make test-web` do). They need nothing in-process from nameko.
"""
import os

if os.environ.get("MOOC_BROWSER_TESTS") == "1":
    collect_ignore_glob = ["services/*", "gateway/*", "mooc_common/*", "tests/e2e/*", "tests/integration/*",
                           "tests/contract/*", "tests/service/*"]
else:
    import eventlet

    eventlet.monkey_patch()
    collect_ignore = ["tests/browser"]
