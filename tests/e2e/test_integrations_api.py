"""Operator routes of the integrations area: roles, validation, not-found, and the catalog."""
import secrets
import unicodedata

import pytest

from api_client import ApiClient, ApiError
from tests.e2e.integrations_fixtures import SUBSCRIBERS, new_tenant, two_tenants, webhook  # noqa: F401

pytestmark = pytest.mark.e2e


def test_catalog_is_public_and_lists_public_events_only(anonymous):
    doc = anonymous.get("/api/v1/events/catalog")
    assert doc["asyncapi"].startswith("2.6")
    assert "{tenant}.progress.course.completed.v1" in doc["channels"]
    assert "courses.course.published.v1" not in doc["components"]["messages"]
    assert doc["x-internal-events"] == ["accounts.import.finished.v1", "accounts.password.changed.v1",
                                        "courses.course.published.v1"]


def test_only_the_operator_manages_subscribers(operator, platform, two_tenants):
    tenant = two_tenants[0]
    sub = webhook(operator, "http://127.0.0.1:9/hook", [tenant["tenant_id"]])
    users = f"/api/v1/tenants/{tenant['tenant_id']}/users"
    password = secrets.token_urlsafe(12)
    username = f"qt.int.{secrets.token_hex(3)}"
    operator.post(users, {"username": username, "full_name": "Quản trị", "email": "qt@example.vn",
                          "role": "tenant_admin", "password": password})
    admin = ApiClient(platform.base_url).signed_in(username, password)
    base = f"{SUBSCRIBERS}/{sub['subscriber_id']}"
    for method, path, body in (("GET", SUBSCRIBERS, None), ("POST", SUBSCRIBERS, {"name": "x"}),
                               ("GET", base, None), ("DELETE", base, None), ("POST", f"{base}/secret", {}),
                               ("GET", f"{base}/deliveries", None), ("POST", f"{base}/replays", {})):
        with pytest.raises(ApiError) as refused:
            admin.request(method, path, json=body)
        assert refused.value.status == 403 and refused.value.body["code"] == "permission_denied"
    with pytest.raises(ApiError) as anonymous:
        ApiClient(platform.base_url).get(SUBSCRIBERS)
    assert anonymous.value.status == 401
    listed = operator.get(SUBSCRIBERS)["items"]
    assert sub["subscriber_id"] in [s["subscriber_id"] for s in listed]
    assert "secret" not in str(listed)


def test_unknown_objects_are_404(operator, platform):
    for path in (f"{SUBSCRIBERS}/{'0' * 32}", f"{SUBSCRIBERS}/{'0' * 32}/deliveries"):
        with pytest.raises(ApiError) as missing:
            operator.get(path)
        assert missing.value.status == 404 and missing.value.body["code"] == "not_found"


@pytest.mark.parametrize("body, field", [
    ({"kind": "webhook", "url": "http://example.vn/hook"}, "url"),          # not https
    ({"kind": "webhook", "url": "https://10.1.2.3/hook"}, "url"),           # private address
    ({"kind": "webhook"}, "url"),                                          # missing
    ({"kind": "amqp", "event_types": ["courses.course.published.v1"]}, "event_types"),  # internal
    ({"kind": "amqp", "tenants": ["f" * 32]}, "tenants"),                  # unknown tenant
    ({"kind": "carrier-pigeon"}, "kind"),
])
def test_bad_registrations_are_422_with_the_field(operator, two_tenants, body, field):
    data = {"name": "Bộ Nội vụ", "tenants": [two_tenants[0]["tenant_id"]]} | body
    with pytest.raises(ApiError) as refused:
        operator.post(SUBSCRIBERS, data)
    assert refused.value.status == 422
    assert refused.value.body["code"] == "validation_failed" and field in refused.value.body["errors"]


def test_vietnamese_name_is_stored_nfc(operator):
    name = "Sở Nội vụ tỉnh Hà Giang"
    sub = operator.post(SUBSCRIBERS, {"name": unicodedata.normalize("NFD", name), "kind": "webhook",
                                      "url": "http://127.0.0.1:9/hook", "tenants": ["platform"]})
    assert sub["name"] == unicodedata.normalize("NFC", name)
    assert operator.get(f"{SUBSCRIBERS}/{sub['subscriber_id']}")["name"] == sub["name"]
