"""The cache of verified access tokens (auth.VerifiedTokens): a token verified once is served
from it until it expires or the cache's window passes; a refused token is never cached."""
import datetime as dt

import pytest

from gateway.auth import AuthMiddleware, VerifiedTokens
from gateway.errors import ApiError

from .test_app import ACCESS_KEYS, OTHER_JWK, token


def test_a_cached_token_serves_until_it_expires_or_the_window_passes(monkeypatch):
    clock = [1_000.0]
    monkeypatch.setattr("gateway.auth.time.time", lambda: clock[0])
    cache = VerifiedTokens(seconds=60)
    cache.put("a", {"exp": 1_030})  # expires before the window ends
    cache.put("b", {"exp": 5_000})
    clock[0] = 1_029.0
    assert cache.get("a") == {"exp": 1_030} and cache.get("b") == {"exp": 5_000}
    clock[0] = 1_030.0
    assert cache.get("a") is None  # expired: verified again (and refused) from now on
    clock[0] = 1_060.0
    assert cache.get("b") is None  # the window passed: a withdrawn key stops working by now


def test_the_cache_is_bounded():
    cache = VerifiedTokens(size=3)
    for name in "abcd":
        cache.put(name, {"exp": 2 ** 40})
    assert len(cache.entries) <= 3 and cache.get("d") is not None


def test_the_middleware_caches_verified_tokens_only():
    auth = AuthMiddleware(ACCESS_KEYS)
    good = token()
    actor, _ = auth.verify(good)
    assert auth.verified.get(good) is not None and auth.verify(good)[0] == actor
    forged = token(key={**OTHER_JWK})
    with pytest.raises(ApiError):
        auth.verify(forged)
    assert auth.verified.get(forged) is None
    expired = token(exp=dt.datetime.now(dt.timezone.utc) - dt.timedelta(seconds=1))
    with pytest.raises(ApiError):
        auth.verify(expired)
    assert auth.verified.get(expired) is None
