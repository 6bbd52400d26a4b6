"""Item 6: username enumeration. An unknown username (or an account without a password)
costs the same Argon2 verification as a wrong password; the dry run of an import says a
username is taken without saying by whom or where."""
import secrets

import pytest

from api_client import ApiClient, ApiError
from services.accounts import security
from tests.e2e.accounts_fixtures import API, make_user, new_tenant
from tests.e2e.test_accounts_import import csv_bytes, finished, upload


def test_an_unknown_user_costs_one_verification_of_the_dummy_hash(monkeypatch):
    calls = []
    real = security._verify
    monkeypatch.setattr(security, "_verify", lambda h, p: calls.append(h) or real(h, p))
    assert security.verify_password(None, "Mật khẩu rất dài 2026") is False
    assert calls == [security._DUMMY_HASH] and security._DUMMY_HASH.startswith("$argon2id$")
    assert not security.verify_password(security._DUMMY_HASH, "anything")  # its password is random


@pytest.mark.e2e
def test_unknown_and_known_usernames_answer_alike(platform, operator):
    tenant = new_tenant(operator)
    _, body = make_user(operator, tenant["tenant_id"], "instructor")
    answers = []
    for username in (body["username"], "no.such." + secrets.token_hex(4)):
        with pytest.raises(ApiError) as err:
            ApiClient(platform.base_url).post(f"{API}/auth/token", {"username": username, "password": "Wrong password 42"})
        answers.append((err.value.status, err.value.body))
    assert answers[0] == answers[1]


@pytest.mark.e2e
def test_a_taken_username_is_reported_without_its_tenant(operator):
    other = new_tenant(operator)
    _, taken = make_user(operator, other["tenant_id"], "instructor")
    mine = new_tenant(operator)
    operator.post(f"{API}/tenants/{mine['tenant_id']}/units", {"code": "SO-GD", "name": "Sở Giáo dục"})
    rows = [[taken["username"], "Lê Văn Tám", "t@example.vn", "", "SO-GD", "worker", ""]]
    job = finished(operator, upload(operator, mine["tenant_id"], csv_bytes(rows), dry_run=True)["job_id"])
    assert job["state"] == "failed"
    messages = " ".join(e["message"] for e in job["errors"])
    assert "taken" in messages and other["tenant_id"] not in messages and other["code"] not in messages
