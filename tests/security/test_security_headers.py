"""Security headers on every response (nosniff, a CSP fit for the Vite-built web app served
from the same origin, no framing), no-store on the API and sign-in, and downloads served as
attachments with a safely encoded file name."""
import base64

import pytest
import requests

from gateway.tests.test_app import FakeRpc, auth, client

COURSE = "c" * 32


def assert_secure(headers):
    assert headers["x-content-type-options"] == "nosniff"
    csp = headers["content-security-policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp and "unsafe-eval" not in csp
    assert "frame-ancestors 'none'" in csp and "object-src 'none'" in csp
    assert headers["x-frame-options"] == "DENY" and headers["referrer-policy"] == "no-referrer"


@pytest.mark.parametrize("method, path, kwargs, status", [
    ("GET", "/health", {}, 200), ("GET", "/api/v1/nope", {}, 404), ("GET", "/api/v1/tenants/" + "a" * 32, {}, 401),
    ("POST", "/api/v1/auth/token", {"json": {"username": "a", "password": "b"}}, 200),
    ("POST", "/api/v1/activities", {"body": "x" * 2_000_000, "headers": {"Content-Type": "application/json"}}, 413),
])
def test_every_response_carries_the_headers(method, path, kwargs, status):
    rpc = FakeRpc({("accounts", "sign_in"): {"access_token": "t"}})
    result = client(rpc).simulate_request(method, path, **kwargs)
    assert result.status_code == status
    assert_secure(result.headers)
    if path.startswith("/api/"):
        assert result.headers["cache-control"] == "no-store"


def test_hsts_behind_an_https_proxy_only():
    assert "strict-transport-security" not in client().simulate_get("/health").headers
    result = client().simulate_get("/health", headers={"X-Forwarded-Proto": "https"})
    assert result.headers["strict-transport-security"].startswith("max-age=")


def test_a_download_is_an_attachment_with_an_encoded_name():
    evil = 'chứng chỉ"; x=1\r\nSet-Cookie: a=b.pdf'
    rpc = FakeRpc({("progress", "get_my_certificate_pdf"): {
        "filename": evil, "data": base64.b64encode(b"%PDF-1.7 ...").decode()}})
    result = client(rpc).simulate_get(f"/api/v1/me/courses/{COURSE}/certificate.pdf", headers=auth())
    disposition = result.headers["content-disposition"]
    assert disposition.startswith("attachment;") and "\r" not in disposition and "\n" not in disposition
    assert "set-cookie" not in result.headers
    assert result.headers["content-type"] == "application/pdf"
    assert_secure(result.headers)


@pytest.mark.e2e
def test_the_running_gateway_sends_them(platform, operator):
    response = operator.session.get(f"{platform.base_url}/api/v1/import-template")
    assert response.status_code == 200 and response.headers["Content-Disposition"].startswith("attachment")
    assert_secure({k.lower(): v for k, v in response.headers.items()})
    token = requests.post(f"{platform.base_url}/api/v1/auth/token",
                          json={"username": platform.env["OPERATOR_USERNAME"],
                                "password": platform.env["OPERATOR_PASSWORD"]}, timeout=30)
    assert token.status_code == 200 and token.headers["Cache-Control"] == "no-store"
