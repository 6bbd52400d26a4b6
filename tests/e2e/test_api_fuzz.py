"""Bounded contract fuzzing in `make test`: schemathesis against a platform of its own (so the
operator's generated writes cannot disturb other tests), with real tokens of each role and
none. About 460 generated requests, fixed seed: no 500, every answer as documented (status
code, content type, body schema). `make fuzz` runs the long version (docs/api.md)."""
import pytest

import api_fuzz
from api_client import ApiClient
from isolated_env import isolated_env, started_platform
from tests.conftest import ROOT, TEST_SETTINGS

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(1200)]  # its own platform and ~460 requests: slow on a loaded machine


@pytest.fixture(scope="module")
def fuzz_platform(infra):
    with isolated_env(infra, "test-fuzz", **TEST_SETTINGS) as env, \
            started_platform(env, ROOT / "var" / "log" / "test-fuzz") as platform:
        yield platform


def test_bounded_fuzz_of_every_operation_and_role(fuzz_platform, tmp_path):
    base = fuzz_platform.base_url
    credentials = (fuzz_platform.env["OPERATOR_USERNAME"], fuzz_platform.env["OPERATOR_PASSWORD"])
    operator = ApiClient(base).signed_in(*credentials)
    results = api_fuzz.run_all(base, api_fuzz.role_sign_ins(base, operator, credentials), examples=1,
                               seed=api_fuzz.SEED, report_dir=tmp_path)
    paths = operator.get("/api/v1/openapi.json")["paths"]
    operations = sum(1 for item in paths.values() for method in item
                     if method in ("get", "post", "put", "patch", "delete"))
    print({r["role"]: (r["cases"], r["failures"], r["exit_code"]) for r in results})
    assert {r["role"] for r in results} == {*api_fuzz.ROLES, "operator_admin", "anonymous"}
    assert all(r["cases"] >= operations for r in results)  # each run reached every operation
    assert [r["output"] for r in results if r["exit_code"] or r["failures"]] == []
