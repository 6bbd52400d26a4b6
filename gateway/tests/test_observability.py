"""Request ids, the access line and the HTTP series, with fake collaborators."""
import logging

from gateway.tests.test_app import FakeRpc, client, token
from mooc_common.infra import logs


def test_request_id_is_echoed_passed_to_rpc_and_logged(caplog):
    rpc = FakeRpc({("accounts", "get_user"): {"user_id": "u1"}})
    seen = []
    rpc_call = rpc.call
    rpc.call = lambda *args: (seen.append(logs.current()), rpc_call(*args))[1]
    http = client(rpc)
    with caplog.at_level(logging.INFO, logger="gateway.access"):
        answer = http.simulate_get(f"/api/v1/users/{'a1' * 16}", headers={"Authorization": f"Bearer {token()}",
                                                                "X-Request-Id": "lms-7"})
    assert answer.status_code == 200 and answer.headers["X-Request-Id"] == "lms-7"
    assert seen[-1]["correlation_id"] == "lms-7" and seen[-1]["tenant_id"] == "t1"
    access = [r for r in caplog.records if r.name == "gateway.access"][-1]
    assert (access.route, access.status) == ("/api/v1/users/{user_id}", 200)
    assert logs.current() == {}  # nothing leaks into the next request on this thread


def test_a_missing_or_unsafe_request_id_is_replaced():
    http = client()
    made = http.simulate_get("/health").headers["X-Request-Id"]
    unsafe = http.simulate_get("/health", headers={"X-Request-Id": "a\"b"}).headers["X-Request-Id"]
    assert len(made) == len(unsafe) == 32 and made != unsafe


def test_metrics_count_requests_by_route_template_and_status():
    http = client()
    http.simulate_get(f"/api/v1/users/{'b2' * 16}")  # 401: no token
    text = http.simulate_get("/metrics").text
    line = next(l for l in text.splitlines()
                if l.startswith("mooc_http_requests_total") and 'route="/api/v1/users/{user_id}"' in l
                and 'status="401"' in l)
    assert float(line.rsplit(" ", 1)[1]) >= 1
    assert "u-123" not in text  # ids never become label values
