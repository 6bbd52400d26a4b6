"""What the gateway must know about tokens it verifies locally: a small cache refreshed by RPC.

The gateway verifies access JWTs locally, so a still-valid token of a suspended tenant, of a
deactivated user or of a signed-out session must be refused here. Asking accounts on every
call would cost an RPC per request; instead one thread refreshes a snapshot when it is older
than ``ttl`` seconds, so a change takes effect within ``ttl`` seconds. If accounts cannot be
reached the last known snapshot is kept (and the error logged).
"""
import datetime as dt
import logging
import threading
import time

log = logging.getLogger(__name__)


class CachedSnapshot:
    """``value()``: what ``fetch()`` last returned, refreshed when older than ``ttl``."""

    def __init__(self, fetch, empty, ttl=5.0, clock=time.monotonic):
        self.fetch, self.ttl, self.clock = fetch, ttl, clock
        self._value, self._fetched_at = empty, None
        self._lock = threading.Lock()

    def value(self):
        if self._fetched_at is None or self.clock() - self._fetched_at > self.ttl:
            self._refresh()
        return self._value

    def _refresh(self):
        if not self._lock.acquire(blocking=self._fetched_at is None):
            return  # another thread is refreshing; use the current snapshot meanwhile
        try:
            self._value = self.fetch()
        except Exception:
            log.exception("could not refresh %s; keeping the last known snapshot", self.fetch)
        finally:
            self._fetched_at = self.clock()
            self._lock.release()


class SuspendedTenants:
    """``tenant_id in suspended``: the tenant's tokens are refused (``accounts.suspended_tenants``)."""

    def __init__(self, rpc, ttl=5.0, clock=time.monotonic):
        self._snapshot = CachedSnapshot(lambda: frozenset(rpc.call("accounts", "suspended_tenants")),
                                        frozenset(), ttl, clock)

    def __contains__(self, tenant_id):
        return tenant_id in self._snapshot.value()


class RevokedAccess:
    """Access tokens issued before their user was deactivated or their session signed out
    (``accounts.revoked_access``: {"users": {id: when}, "sessions": {id: when}}, the last
    15 minutes only, as older tokens have expired anyway)."""

    def __init__(self, rpc, ttl=2.0, clock=time.monotonic):
        self._snapshot = CachedSnapshot(lambda: rpc.call("accounts", "revoked_access"),
                                        {"users": {}, "sessions": {}}, ttl, clock)

    def revoked(self, user_id, session_id, issued_at):
        """True if the token (``issued_at``: its iat, epoch seconds) predates a revocation."""
        snapshot = self._snapshot.value()
        for when in (snapshot["users"].get(user_id), snapshot["sessions"].get(session_id)):
            if when is not None and issued_at <= dt.datetime.fromisoformat(when).timestamp():
                return True
        return False
