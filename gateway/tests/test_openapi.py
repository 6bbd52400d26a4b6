"""The OpenAPI document covers every route the app serves, is valid OpenAPI 3.1, and the
documented error codes are complete."""
import json
import re
from pathlib import Path

import pytest

from gateway.errors import ERROR_CODES, FALCON_CODES, STATUS_BY_CODE
from gateway.openapi import document
from gateway.routes import Route
from gateway.tests.test_app import client

ROOT = Path(__file__).resolve().parents[2]
NOT_IN_THE_API = {"/docs", "/docs/start.js", "/metrics"}  # the documentation page itself; Prometheus text


def served_routes(app):
    """(template, method) of every route in Falcon's router, found independently of the route table."""
    found, stack = set(), list(app._router._roots)
    while stack:
        node = stack.pop()
        stack.extend(node.children)
        if node.resource is not None and node.uri_template not in NOT_IN_THE_API:
            for method, responder in node.method_map.items():
                if getattr(responder, "__name__", "").startswith("on_"):
                    found.add((document.openapi_path(node.uri_template), method.lower()))
    return found


@pytest.fixture(scope="module")
def http():
    return client()


@pytest.fixture(scope="module")
def spec(http):
    result = http.simulate_get("/api/v1/openapi.json")
    assert result.status_code == 200
    return result.json


def test_every_served_route_and_method_is_in_the_document(http, spec):
    served = served_routes(http.app)
    documented = {(path, method) for path, item in spec["paths"].items() for method in item
                  if method in document.METHODS}
    assert len(served) > 60
    assert served - documented == set(), "routes missing from the OpenAPI document"
    assert documented - served == set(), "documented routes that are not served"


def test_a_responder_without_operation_fails_the_build():
    class Undocumented:
        def on_get(self, req, resp):
            pass

    with pytest.raises(document.UndocumentedRoute, match="GET /api/v1/things"):
        document.build([Route("/api/v1/things", Undocumented())])


def test_the_document_is_valid_openapi_3_1(spec):
    from jsonschema_rs import validator_for  # noqa: F401  (installed with schemathesis)
    from schemathesis.openapi import from_dict

    assert spec["openapi"] == "3.1.0"
    schema = from_dict(spec)
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) == sum(1 for item in spec["paths"].values() for m in item if m in document.METHODS)


def test_operations_state_roles_schemas_and_errors(spec):
    create_tenant = spec["paths"]["/api/v1/tenants"]["post"]
    assert create_tenant["x-roles"] == ["operator_admin"]
    assert create_tenant["requestBody"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/TenantCreate"}
    assert create_tenant["requestBody"]["content"]["application/json"]["example"]["kind"] == "province"
    assert create_tenant["responses"]["201"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/Tenant"}
    assert {"400", "401", "403", "409", "413", "415", "422", "503"} <= set(create_tenant["responses"])
    sign_in = spec["paths"]["/api/v1/auth/token"]["post"]
    assert sign_in["security"] == [] and "429" in sign_in["responses"]
    user = spec["paths"]["/api/v1/users/{user_id}"]
    assert user["parameters"][0]["name"] == "user_id" and "404" in user["get"]["responses"]
    list_users = spec["paths"]["/api/v1/tenants/{tenant_id}/users"]["get"]
    assert {p["name"] for p in list_users["parameters"]} >= {"offset", "limit"}
    assert set(list_users["responses"]["200"]["headers"]) == {"X-Request-Id", "Link", "X-Total-Count"}
    assert all("X-Request-Id" in answer["headers"] for item in spec["paths"].values() for m, op in item.items()
               if m in document.METHODS for answer in op["responses"].values())
    plan = spec["paths"]["/api/v1/tenants/{tenant_id}/training-plans/{year}"]
    assert {"in": "path", "name": "year", "required": True, "schema": {"type": "integer"}} in plan["parameters"]


def test_operation_ids_are_unique_and_schema_names_readable(spec):
    ids = [op["operationId"] for item in spec["paths"].values() for m, op in item.items() if m in document.METHODS]
    assert len(ids) == len(set(ids))
    assert "getTenantsByTenantIdUsers" in ids
    names = set(spec["components"]["schemas"])
    assert {"Error", "Tenant", "User", "CourseSummary", "Enrollment", "TokenPair"} <= names
    assert all(re.fullmatch(r"[A-Z][A-Za-z0-9]+", name) for name in names), names


def test_error_code_table_covers_every_code_the_gateway_answers():
    answered = set(FALCON_CODES.values()) | set(STATUS_BY_CODE) | {"internal_error", "service_unavailable"}
    assert answered <= set(ERROR_CODES)
    for code, status in STATUS_BY_CODE.items():
        assert ERROR_CODES[code][0] == int(status.split()[0])


def test_docs_list_every_error_code():
    text = (ROOT / "docs" / "api.md").read_text(encoding="utf-8")
    missing = [code for code in ERROR_CODES if f"`{code}`" not in text]
    assert missing == []


def test_docs_page_and_its_assets_are_served_without_a_cdn(http):
    page = http.simulate_get("/docs")
    assert page.status_code == 200 and "text/html" in page.headers["content-type"]
    assert "http" not in re.sub(r"<!DOCTYPE[^>]*>", "", page.text)  # no external URL, no CDN
    assert "<script>" not in page.text  # no inline script (CSP)
    for src in re.findall(r'(?:src|href)="([^"]+)"', page.text):
        asset = http.simulate_get(src)
        assert asset.status_code == 200 and len(asset.content) > 100, src
    start = http.simulate_get("/docs/start.js")
    assert json.dumps("/api/v1/openapi.json") in start.text
