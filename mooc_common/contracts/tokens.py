"""The access-token contract between the accounts service (issuer) and the gateway (verifier).

Access tokens are JWTs signed with ``JWT_SECRET`` using an allow-listed algorithm; the
verifier never trusts the token's own ``alg`` header (RFC 8725).
"""
ISSUER = "mooc-platform/accounts"
AUDIENCE = "mooc-platform/api"
TOKEN_TYPE = "at+jwt"           # JOSE "typ" header of access tokens
ALGORITHMS = ["HS256"]          # allow-list used by the verifier
ACCESS_TOKEN_TTL_SECONDS = 900  # 15 minutes at most

# claims: sub = user id, tid = tenant id (null for the operator), role = one role name
REQUIRED_CLAIMS = ["exp", "iat", "iss", "aud", "sub", "role"]
