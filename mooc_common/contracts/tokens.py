"""The access-token contract between the accounts service (issuer) and its verifiers (the
gateway, and every service receiving an RPC on a user's behalf: mooc_common/infra/actor_trust.py).

Access tokens are JWTs signed by accounts with an Ed25519 private key (EdDSA), which only
accounts holds (``ACCESS_TOKEN_SIGNING_KEY``); verifiers hold the set of accepted public keys
(``ACCESS_TOKEN_PUBLIC_KEYS``, a JWK Set: rotation by ``kid``) and can verify, never mint.
The verifier never trusts the token's own ``alg`` header (RFC 8725).
"""
import hashlib
import hmac

from mooc_common.infra.signing_keys import PublicKeys

ISSUER = "mooc-platform/accounts"
AUDIENCE = "mooc-platform/api"
TOKEN_TYPE = "at+jwt"           # JOSE "typ" header of access tokens
ACCESS_TOKEN_TTL_SECONDS = 900  # 15 minutes at most
ACCESS_KEY_ID_PREFIX = "access"

# claims: sub = user id, tid = tenant id (null for the operator), role = one role name,
# sid = the session (refresh-token family) the token belongs to
REQUIRED_CLAIMS = ["exp", "iat", "iss", "aud", "sub", "role"]

LRS_CREDENTIALS_PURPOSE = b"mooc/lrs-credentials/v1"


def verify_access_token(token, public_keys, leeway=0):
    """The claims of a valid access token (``jwt.InvalidTokenError`` otherwise);
    ``public_keys``: a ``signing_keys.PublicKeys``."""
    return public_keys.decode(token, TOKEN_TYPE, audience=AUDIENCE, issuer=ISSUER, leeway=leeway,
                              options={"require": REQUIRED_CLAIMS})


def actor_of(claims):
    """The actor an access token stands for."""
    return {"user_id": claims["sub"], "tenant_id": claims.get("tid"), "role": claims["role"]}


def public_keys_from(value):
    """``ACCESS_TOKEN_PUBLIC_KEYS`` (JWK Set JSON) loaded; a clear error when it is missing."""
    keys = PublicKeys(value or None)
    if not keys:
        raise RuntimeError("ACCESS_TOKEN_PUBLIC_KEYS must hold the access tokens' public key set")
    return keys


def lrs_credentials_key(master_secret):
    """The key the integrations service encrypts LRS passwords with (LRS_CREDENTIALS_KEY):
    integrations is given this key, never the master (docs/xapi.md)."""
    if not master_secret or len(master_secret) < 32:
        raise RuntimeError("JWT_SECRET must be set to at least 32 characters")
    return hmac.new(master_secret.encode(), LRS_CREDENTIALS_PURPOSE, hashlib.sha256).hexdigest()

