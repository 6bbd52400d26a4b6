"""Ed25519 signing keys as JWKs (RFC 8037), and sets of accepted public keys for rotation.

A key is given to a process as one JSON value in an environment variable (from a Kubernetes
Secret, or var/secrets.env locally): the private JWK ``{"kty": "OKP", "crv": "Ed25519", "x",
"d", "kid"}`` to the one process that signs, the JWK Set ``{"keys": [...]}`` of the public
halves to every verifier. Rotation: publish the new public key in the set, then switch the
signer to the new private key, then drop the old public key once its tokens expired; the
``kid`` header picks the key, so a verifier never tries keys one after another.
"""
import json
import secrets

import jwt
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from jwt.algorithms import OKPAlgorithm

ALGORITHM = "EdDSA"  # the only algorithm signed and accepted (RFC 8725: an allow-list)


def new_private_jwk(kid_prefix):
    """A fresh private key as a JWK dict whose ``kid`` is ``<kid_prefix>:<random>``."""
    jwk = json.loads(OKPAlgorithm.to_jwk(Ed25519PrivateKey.generate()))
    return {**jwk, "kid": f"{kid_prefix}:{secrets.token_hex(4)}", "alg": ALGORITHM}


def public_jwk(private_jwk):
    return {key: value for key, value in private_jwk.items() if key != "d"}


def jwk_set(private_jwks):
    """The JWK Set (JSON text) of the public halves of ``private_jwks``."""
    return json.dumps({"keys": [public_jwk(jwk) for jwk in private_jwks]})


class SigningKey:
    """One private key: signs with its ``kid`` in the header."""

    def __init__(self, jwk_json):
        jwk = json.loads(jwk_json) if isinstance(jwk_json, str) else jwk_json
        if not isinstance(jwk, dict) or jwk.get("crv") != "Ed25519" or "d" not in jwk or not jwk.get("kid"):
            raise RuntimeError("a signing key must be an Ed25519 private JWK with a kid")
        self.kid = jwk["kid"]
        self.key = jwt.PyJWK(jwk, algorithm=ALGORITHM).key

    def sign(self, claims, typ):
        return jwt.encode(claims, self.key, algorithm=ALGORITHM, headers={"kid": self.kid, "typ": typ})


class PublicKeys:
    """The accepted public keys, by ``kid``."""

    def __init__(self, jwks_json):
        keys = (json.loads(jwks_json) if isinstance(jwks_json, str) else jwks_json or {}).get("keys", [])
        self.by_kid = {}
        for jwk in keys:
            if jwk.get("crv") != "Ed25519" or "d" in jwk or not jwk.get("kid"):
                raise RuntimeError("a public key set holds Ed25519 public JWKs with a kid only")
            self.by_kid[jwk["kid"]] = jwt.PyJWK(jwk, algorithm=ALGORITHM).key

    def __bool__(self):
        return bool(self.by_kid)

    def decode(self, token, typ, **options):
        """The claims of ``token`` if its ``typ`` is ``typ`` and its ``kid`` names an accepted key
        that verifies it; ``jwt.InvalidTokenError`` otherwise. ``options``: for ``jwt.decode``."""
        header = jwt.get_unverified_header(token)
        if header.get("typ") != typ:
            raise jwt.InvalidTokenError(f"not a {typ} token")
        key = self.by_kid.get(header.get("kid"))
        if key is None:
            raise jwt.InvalidTokenError("unknown key id")
        return jwt.decode(token, key, algorithms=[ALGORITHM], **options)
