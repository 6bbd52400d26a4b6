"""Password hashing and access-token issuing."""
import datetime as dt

import jwt
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from mooc_common.contracts import tokens

# OWASP Password Storage Cheat Sheet: Argon2id, m=19 MiB, t=2, p=1.
_hasher = PasswordHasher(time_cost=2, memory_cost=19 * 1024, parallelism=1)


def hash_password(password):
    return _hasher.hash(password)


def verify_password(password_hash, password):
    if not password_hash:
        return False
    try:
        return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def issue_access_token(secret, user_id, tenant_id, role, now=None):
    if not secret or len(secret) < 32:
        raise RuntimeError("JWT_SECRET must be set to at least 32 characters")
    now = now or dt.datetime.now(dt.timezone.utc)
    claims = {
        "iss": tokens.ISSUER, "aud": tokens.AUDIENCE, "sub": user_id, "tid": tenant_id,
        "role": role, "iat": now, "exp": now + dt.timedelta(seconds=tokens.ACCESS_TOKEN_TTL_SECONDS),
    }
    return jwt.encode(claims, secret, algorithm=tokens.ALGORITHMS[0],
                      headers={"typ": tokens.TOKEN_TYPE})
