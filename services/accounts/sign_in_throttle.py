"""How long a sign-in attempt must wait, from the failures recorded in the store
(docs/security.md, item 4; the rules are domain.sign_in_retry_after / global_retry_after).

Counters are documents inserted once per failure (no shared counter to update, so nothing
is lost to concurrent updates), read back by account, by client address and in all.
"""
import datetime as dt

from . import domain


class SignInThrottle:
    """``attempt`` records the attempt as a failure first, then counts: attempts made at the
    same moment see each other (none slips through between a check and a write). A
    successful or refused attempt is then taken back (``succeeded`` / ``refused``)."""

    def __init__(self, store, client_free=None, global_max=None):
        self.store = store
        self.client_free = client_free or domain.CLIENT_FREE_FAILURES
        self.global_max = global_max or domain.GLOBAL_MAX_FAILURES

    def attempt(self, username, client, now):
        """(attempt id, seconds to wait: 0 lets the attempt go ahead)."""
        attempt_id = self.store.record_failed_sign_in(username, client, now)
        return attempt_id, self._retry_after(attempt_id, username, client, now)

    def _retry_after(self, attempt_id, username, client, now):
        since = now - dt.timedelta(seconds=domain.SIGN_IN_WINDOW_SECONDS)
        known_since = self.store.known_client(
            username, client, now - dt.timedelta(days=domain.KNOWN_CLIENT_DAYS))
        account = [(c, at) for i, c, at in self.store.failed_sign_ins(username, since) if i != attempt_id]
        if known_since is not None:  # only its own failures since its last success count
            account = [(c, at) for c, at in account if c == client and at > known_since]
        by_client = [at for i, at in self.store.client_failures(client, since) if i != attempt_id]
        waits = [domain.sign_in_retry_after([at for _, at in account], now),
                 domain.sign_in_retry_after(by_client, now, free=self.client_free)]
        if known_since is None:
            count, oldest = self.store.global_failures(since, self.global_max + 1)
            waits.append(domain.global_retry_after(count - 1, oldest, self.global_max, now))
        return max(waits)

    def refused(self, attempt_id):
        self.store.forget_sign_in_attempt(attempt_id)

    def succeeded(self, attempt_id, username, client, now):
        self.store.forget_sign_in_attempt(attempt_id)
        self.store.remember_client(username, client, now)
