"""Item 10 (the part done): keys separated by purpose. Access tokens are signed with a key
derived from the master secret for that purpose only; the gateway process is given that key
and neither the master secret nor the operator's password, so it cannot compute activation
codes; only the accounts service holds the master."""
import hashlib
import hmac
from pathlib import Path

import jwt
import pytest

import platformctl
from mooc_common.contracts import tokens
from services.accounts import security

MASTER = "m" * 48


def test_the_access_token_key_is_derived_for_its_purpose():
    key = tokens.access_token_key(MASTER)
    assert key != MASTER and len(key) == 64 and key == tokens.access_token_key(MASTER)
    activation_key = hmac.new(MASTER.encode(), b"activation-codes", hashlib.sha256).hexdigest()
    assert key != activation_key
    with pytest.raises(RuntimeError):
        tokens.access_token_key("short")


def test_each_process_gets_only_its_secrets():
    env = {"JWT_SECRET": MASTER, "OPERATOR_USERNAME": "operator", "OPERATOR_PASSWORD": "p" * 20, "AMQP_URI": "amqp://x"}
    gateway = platformctl.process_env("gateway", env)
    assert "JWT_SECRET" not in gateway and "OPERATOR_PASSWORD" not in gateway
    assert gateway["ACCESS_TOKEN_KEY"] == tokens.access_token_key(MASTER) and gateway["AMQP_URI"] == "amqp://x"
    assert platformctl.process_env("accounts", env) == env
    for service in ("courses", "progress", "reports", "integrations"):
        assert not {"JWT_SECRET", "OPERATOR_PASSWORD", "ACCESS_TOKEN_KEY"} & set(platformctl.process_env(service, env))


@pytest.mark.e2e
def test_the_running_platform_keeps_them_apart(platform, operator):
    token = operator.session.headers["Authorization"].split()[1]
    key = tokens.access_token_key(platform.env["JWT_SECRET"])
    assert jwt.decode(token, key, algorithms=tokens.ALGORITHMS, audience=tokens.AUDIENCE)["role"] == "operator_admin"
    with pytest.raises(jwt.InvalidSignatureError):
        jwt.decode(token, platform.env["JWT_SECRET"], algorithms=tokens.ALGORITHMS, audience=tokens.AUDIENCE)
    gateway_env = Path(f"/proc/{platform._pid('gateway')}/environ").read_bytes().split(b"\0")
    names = {entry.split(b"=", 1)[0] for entry in gateway_env}
    assert b"ACCESS_TOKEN_KEY" in names and b"JWT_SECRET" not in names and b"OPERATOR_PASSWORD" not in names
    assert security.activation_code(platform.env["JWT_SECRET"], "n", "u") != security.activation_code(key, "n", "u")
