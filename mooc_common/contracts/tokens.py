"""The access-token contract between the accounts service (issuer) and the gateway (verifier).

Access tokens are JWTs signed with the access-token key (``access_token_key``: derived from
the platform's master secret ``JWT_SECRET`` for this purpose only) using an allow-listed
algorithm; the verifier never trusts the token's own ``alg`` header (RFC 8725).
"""
import hashlib
import hmac

ISSUER = "mooc-platform/accounts"
AUDIENCE = "mooc-platform/api"
TOKEN_TYPE = "at+jwt"           # JOSE "typ" header of access tokens
ALGORITHMS = ["HS256"]          # allow-list used by the verifier
ACCESS_TOKEN_TTL_SECONDS = 900  # 15 minutes at most

# claims: sub = user id, tid = tenant id (null for the operator), role = one role name,
# sid = the session (refresh-token family) the token belongs to
ACCESS_TOKEN_PURPOSE = b"mooc/access-tokens/v1"
LRS_CREDENTIALS_PURPOSE = b"mooc/lrs-credentials/v1"


def access_token_key(master_secret):
    """The key of access tokens, derived from the master secret (HMAC-SHA256, a purpose label).

    Keys are separated by purpose: the gateway is given only this key (ACCESS_TOKEN_KEY), not
    the master, so it cannot compute what accounts derives from the master for other
    purposes (activation codes, services/accounts/security.py)."""
    return _derived(master_secret, ACCESS_TOKEN_PURPOSE)


def lrs_credentials_key(master_secret):
    """The key the integrations service encrypts LRS passwords with (LRS_CREDENTIALS_KEY):
    integrations is given this key, never the master (docs/xapi.md)."""
    return _derived(master_secret, LRS_CREDENTIALS_PURPOSE)


def _derived(master_secret, purpose):
    if not master_secret or len(master_secret) < 32:
        raise RuntimeError("JWT_SECRET must be set to at least 32 characters")
    return hmac.new(master_secret.encode(), purpose, hashlib.sha256).hexdigest()


REQUIRED_CLAIMS = ["exp", "iat", "iss", "aud", "sub", "role"]
