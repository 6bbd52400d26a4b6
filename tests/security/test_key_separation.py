"""Item 10: keys separated by purpose, asymmetric access tokens. accounts alone holds the
access tokens' Ed25519 private key and the master secret (activation codes); the gateway and
the other services hold the public keys only, each its own service-identity key and its own
broker user; the broker's management credentials reach integrations only."""
import json
from pathlib import Path

import jwt
import pytest

import platformctl
from mooc_common.contracts import tokens
from mooc_common.infra.principals import PRINCIPALS
from mooc_common.infra.signing_keys import PublicKeys, SigningKey, jwk_set, new_private_jwk

MASTER = "m" * 48
SECRET_NAMES = {"JWT_SECRET", "OPERATOR_PASSWORD", "ACCESS_TOKEN_SIGNING_KEY", "RABBITMQ_MANAGEMENT_URI"}


def full_env():
    return {"JWT_SECRET": MASTER, "OPERATOR_USERNAME": "operator", "OPERATOR_PASSWORD": "p" * 20,
            "AMQP_URI": "amqp://admin@x/", "RABBITMQ_MANAGEMENT_URI": "http://admin@x:15672",
            **{platformctl.broker_uri_variable(n): f"amqp://{n}@x/" for n in PRINCIPALS},
            **platformctl.platform_keys()}


def test_each_process_gets_only_its_own_credentials():
    env = full_env()
    for name in PRINCIPALS:
        given = platformctl.process_env(name, env)
        assert given["AMQP_URI"] == f"amqp://{name}@x/"
        assert given["SERVICE_SIGNING_KEY"] == env[platformctl.signing_key_variable(name)]
        assert not [k for k in given if k.startswith(("SERVICE_SIGNING_KEY_", "AMQP_URI_", "BROKER_PASSWORD_"))]
        assert {"ACCESS_TOKEN_PUBLIC_KEYS", "SERVICE_PUBLIC_KEYS"} <= set(given)
        held = SECRET_NAMES & set(given)
        assert held == ({"JWT_SECRET", "OPERATOR_PASSWORD", "ACCESS_TOKEN_SIGNING_KEY"} if name == "accounts"
                        else {"RABBITMQ_MANAGEMENT_URI"} if name == "integrations" else set())
    assert "LRS_CREDENTIALS_KEY" in platformctl.process_env("integrations", env)


def test_public_key_sets_hold_no_private_half_and_keys_rotate_by_kid():
    env = full_env()
    for name in ("ACCESS_TOKEN_PUBLIC_KEYS", "SERVICE_PUBLIC_KEYS"):
        assert all("d" not in jwk for jwk in json.loads(env[name])["keys"])
    old, new = new_private_jwk("access"), new_private_jwk("access")
    accepted = PublicKeys(jwk_set([old, new]))  # during a rotation both are accepted
    claims = {"sub": "u", "aud": "a"}
    for jwk in (old, new):
        assert accepted.decode(SigningKey(jwk).sign(claims, "x"), "x", audience="a")["sub"] == "u"
    with pytest.raises(jwt.InvalidTokenError):
        PublicKeys(jwk_set([new])).decode(SigningKey(old).sign(claims, "x"), "x", audience="a")
    with pytest.raises(RuntimeError):
        PublicKeys(json.dumps({"keys": [old]}))  # a private key in a public set is refused


def test_local_secrets_are_created_once_0600_and_completed(tmp_path):
    path = tmp_path / "secrets.env"
    path.write_text("JWT_SECRET=" + MASTER + "\n")  # a checkout from before the key split
    first = platformctl.local_secrets(path)
    assert first["JWT_SECRET"] == MASTER and "ACCESS_TOKEN_SIGNING_KEY" in first
    assert oct(path.stat().st_mode & 0o777) == "0o600"
    assert platformctl.local_secrets(path) == first


@pytest.mark.e2e
def test_the_running_platform_keeps_them_apart(platform, operator):
    token = operator.session.headers["Authorization"].split()[1]
    header = jwt.get_unverified_header(token)
    assert header["alg"] == "EdDSA" and header["kid"].startswith("access:")
    public = PublicKeys(platform.env["ACCESS_TOKEN_PUBLIC_KEYS"])
    assert tokens.verify_access_token(token, public)["role"] == "operator_admin"
    for name in PRINCIPALS:
        pid = platform._pid(name)
        if pid is None:
            continue
        environ = dict(entry.split(b"=", 1) for entry in
                       Path(f"/proc/{pid}/environ").read_bytes().split(b"\0") if b"=" in entry)
        held = {k.decode() for k in environ} & SECRET_NAMES
        assert held == ({"JWT_SECRET", "OPERATOR_PASSWORD", "ACCESS_TOKEN_SIGNING_KEY"} if name == "accounts"
                        else {"RABBITMQ_MANAGEMENT_URI"} if name == "integrations" else set())
        assert environ[b"AMQP_URI"].decode() == platform.env[platformctl.broker_uri_variable(name)]
