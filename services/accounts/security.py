"""Password hashing, access tokens, refresh tokens and activation codes."""
import base64
import datetime as dt
import hashlib
import hmac
import os
import secrets
import uuid

from eventlet import tpool
from eventlet.semaphore import Semaphore
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from mooc_common.contracts import tokens
from mooc_common.infra.clock import utcnow
from mooc_common.infra.signing_keys import SigningKey

# OWASP Password Storage Cheat Sheet: Argon2id, m=19 MiB, t=2, p=1.
_hasher = PasswordHasher(time_cost=2, memory_cost=19 * 1024, parallelism=1)
# Hashing runs in eventlet's pool of OS threads (argon2-cffi releases the GIL), never on the
# hub: the service's other calls go on meanwhile. At most HASHING_SLOTS hashes run at once
# (19 MiB each, one core each); further sign-ins wait for a slot without blocking anything.
HASHING_SLOTS = Semaphore(int(os.environ.get("PASSWORD_HASHING_THREADS", "2")))
# Verified when the account does not exist or has no password, so that an unknown username
# costs the same time as a wrong password (no username enumeration by timing).
_DUMMY_HASH = _hasher.hash(secrets.token_urlsafe(16))


def _off_hub(function, *args):
    with HASHING_SLOTS:
        return tpool.execute(function, *args)


def hash_password(password):
    return _off_hub(_hasher.hash, password)


def _verify(password_hash, password):
    try:
        return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def verify_password(password_hash, password):
    """True if ``password`` matches; without a hash the dummy is verified, then False."""
    matches = _off_hub(_verify, password_hash or _DUMMY_HASH, password)
    return bool(password_hash) and matches


_signers = {}


def access_token_signer(config):
    """The access tokens' signing key (``ACCESS_TOKEN_SIGNING_KEY``, an Ed25519 private JWK that
    only this service holds; verifiers hold the public key set)."""
    value = config.get("ACCESS_TOKEN_SIGNING_KEY")
    if not value:
        raise RuntimeError("ACCESS_TOKEN_SIGNING_KEY must hold the access tokens' Ed25519 private JWK")
    if str(value) not in _signers:
        _signers[str(value)] = SigningKey(value)
    return _signers[str(value)]


def issue_access_token(signing_key, user_id, tenant_id, role, now=None, session_id=None):
    """``signing_key``: a ``signing_keys.SigningKey``. ``session_id``: the refresh-token family
    the token belongs to (claim ``sid``): signing out revokes the family, and the gateway then
    refuses its access tokens too."""
    now = now or utcnow()
    claims = {
        "iss": tokens.ISSUER, "aud": tokens.AUDIENCE, "sub": user_id, "tid": tenant_id,
        # iat with its fraction of a second (a NumericDate may be non-integer, RFC 7519 section 2):
        # the gateway refuses tokens issued up to a revocation, and whole seconds could not tell a
        # token signed just after a reactivation from one signed just before the deactivation.
        "role": role, "iat": now.timestamp(), "exp": now + dt.timedelta(seconds=tokens.ACCESS_TOKEN_TTL_SECONDS),
    }
    if session_id:
        claims["sid"] = session_id
    return signing_key.sign(claims, tokens.TOKEN_TYPE)


REFRESH_TOKEN_TTL = dt.timedelta(days=14)
ACTIVATION_CODE_TTL = dt.timedelta(days=30)


def token_hash(secret):
    """SHA-256 is enough for random 256-bit secrets (refresh tokens, activation codes): they
    cannot be guessed, so a slow password hash would only cost time."""
    return hashlib.sha256(secret.encode()).hexdigest()


def new_refresh_token(user_id, family_id=None, now=None):
    """(token for the client, document to store): ``<id>.<secret>``, only the hash is kept."""
    now = now or utcnow()
    token_id, secret = uuid.uuid4().hex, secrets.token_urlsafe(32)
    doc = {"_id": token_id, "family_id": family_id or uuid.uuid4().hex, "user_id": user_id,
           "hash": token_hash(secret), "created_at": now, "expires_at": now + REFRESH_TOKEN_TTL}
    return f"{token_id}.{secret}", doc


def split_refresh_token(token):
    token_id, _, secret = token.partition(".")
    return token_id, secret


def refresh_secret_matches(doc, secret):
    return hmac.compare_digest(doc["hash"], token_hash(secret))


def activation_code(secret, job_nonce, user_id):
    """The one-time code of an imported learner: 20 base32 characters (100 bits) of an HMAC
    keyed by the service secret over the import's random nonce and the user id.

    Why derived, not stored: only the code's hash is kept, yet the admin downloads the codes
    once after the background import; recomputing them at download avoids keeping plaintext
    codes anywhere (and makes the download fast for 40,000 learners)."""
    key = hmac.new(secret.encode(), b"activation-codes", hashlib.sha256).digest()
    digest = hmac.new(key, f"{job_nonce}:{user_id}".encode(), hashlib.sha256).digest()
    return base64.b32encode(digest)[:20].decode()
