"""Which tenants are suspended, as the gateway sees it: a small cache refreshed by RPC.

The gateway verifies access JWTs locally, so a suspended tenant's still-valid tokens must
be refused here. Asking accounts on every call would cost an RPC per request; instead one
thread refreshes the set of suspended tenant ids (``accounts.suspended_tenants``) when it is
older than ``ttl`` seconds. A suspension therefore takes effect within ``ttl`` seconds. If
accounts cannot be reached the last known set is kept (and the error logged).
"""
import logging
import threading
import time

log = logging.getLogger(__name__)


class SuspendedTenants:
    def __init__(self, rpc, ttl=5.0, clock=time.monotonic):
        self.rpc, self.ttl, self.clock = rpc, ttl, clock
        self._ids, self._fetched_at = frozenset(), None
        self._lock = threading.Lock()

    def __contains__(self, tenant_id):
        if self._fetched_at is None or self.clock() - self._fetched_at > self.ttl:
            self._refresh()
        return tenant_id in self._ids

    def _refresh(self):
        if not self._lock.acquire(blocking=self._fetched_at is None):
            return  # another thread is refreshing; use the current set meanwhile
        try:
            self._ids = frozenset(self.rpc.call("accounts", "suspended_tenants"))
        except Exception:
            log.exception("could not refresh the suspended tenants; keeping the last known set")
        finally:
            self._fetched_at = self.clock()
            self._lock.release()
