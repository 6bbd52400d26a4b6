"""Now, in UTC: the one clock of the platform (standard library only, so that the contracts,
the lease and the store can all use it without importing one another)."""
import datetime as dt


def utcnow():
    """Now, timezone-aware in UTC: what every service stores (the client gives it back so)."""
    return dt.datetime.now(dt.timezone.utc)
