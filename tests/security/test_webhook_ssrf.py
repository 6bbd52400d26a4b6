"""Item 8: webhook SSRF. Every spelling of a non-public address is refused at registration;
at delivery the name is resolved once, every address must be public, the POST goes to that
address (no second resolution), redirects are not followed, and the agency-visible log says
nothing about why a connection failed."""
import http.server
import socket
import threading

import pytest

from mooc_common.contracts.errors import ValidationFailed
from services.integrations import domain, webhooks
from api_client import ApiError
from tests.e2e.integrations_fixtures import new_tenant, webhook

REFUSED = ["https://localhost.:15672/api/queues", "https://LOCALHOST./x", "https://127.1/x", "https://2130706433/x",
           "https://0x7f.0.0.1/x", "https://017700000001/x", "https://[::1]/x", "https://[::ffff:127.0.0.1]/x",
           "https://169.254.169.254/latest/meta-data", "https://10.1.2.3/x", "https://rabbitmq/x",
           "https://ferretdb:27017/x", "https://db.internal/x", "https://printer.local/x", "https://0.0.0.0/x",
           "http://127.0.0.1:15672/x"]


@pytest.mark.parametrize("url", REFUSED)
def test_non_public_endpoints_are_refused_at_registration(url):
    with pytest.raises(ValidationFailed):
        domain.check_endpoint(url)


def test_public_endpoints_are_accepted():
    assert domain.check_endpoint("https://hooks.example.gov.vn/mooc")
    assert domain.check_endpoint("https://93.184.216.34/x")


def fake_resolver(*addresses):
    calls = []

    def resolve(host, port, type=0):
        calls.append(host)
        return [(socket.AF_INET6 if ":" in a else socket.AF_INET, socket.SOCK_STREAM, 6, "", (a, port))
                for a in addresses]
    return resolve, calls


@pytest.mark.parametrize("addresses", [("10.0.0.5",), ("93.184.216.34", "127.0.0.1"), ("::1",),
                                       ("169.254.169.254",), ()])
def test_a_name_resolving_to_any_non_public_address_is_refused_at_delivery(addresses):
    resolve, _ = fake_resolver(*addresses)
    with pytest.raises(webhooks.EndpointRefused):
        webhooks.pinned_target("https://hooks.example.gov.vn/x", resolve=resolve)


def test_the_connection_goes_to_the_address_resolved_once():
    resolve, calls = fake_resolver("93.184.216.34")
    target = webhooks.pinned_target("https://hooks.example.gov.vn:8443/in?x=1", resolve=resolve)
    assert target == ("https", "hooks.example.gov.vn:8443", 8443, "93.184.216.34", "hooks.example.gov.vn", "/in?x=1")
    assert calls == ["hooks.example.gov.vn"]


class Receiver:
    """A loopback HTTP server recording what it got; answers 302 to an internal URL."""

    def __init__(self):
        received = self.received = []

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self):
                received.append((self.path, self.headers["Host"]))
                self.rfile.read(int(self.headers["Content-Length"]))
                self.send_response(302)
                self.send_header("Location", "http://127.0.0.1:15672/api/users")
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = http.server.HTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.server.server_address[1]
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()


def test_redirects_are_not_followed_and_the_host_header_is_the_name():
    receiver = Receiver()
    resolve, calls = fake_resolver("127.0.0.1")
    try:
        outcome = webhooks.post(f"http://hooks.example.test:{receiver.port}/in", "{}", {}, 5,
                                allow_loopback_http=True, resolve=resolve)
    finally:
        receiver.close()
    assert outcome["status_code"] == 302 and receiver.received == [("/in", f"hooks.example.test:{receiver.port}")]
    assert calls == ["hooks.example.test"]


def test_failures_tell_the_agency_nothing_about_the_network():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        closed_port = probe.getsockname()[1]
    refused = webhooks.post(f"http://127.0.0.1:{closed_port}/x", "{}", {}, 2, allow_loopback_http=True)
    internal = webhooks.post("https://localhost.:15672/api", "{}", {}, 2)
    assert refused["error"] == webhooks.NO_ANSWER and internal["error"] == webhooks.NOT_PUBLIC
    assert str(closed_port) not in refused["error"] and "Errno" not in refused["error"]


@pytest.mark.e2e
@pytest.mark.parametrize("url", ["https://localhost.:15672/api/queues", "https://127.1/x", "https://2130706433/x"])
def test_the_api_refuses_them(operator, url):
    tenant = new_tenant(operator)
    with pytest.raises(ApiError) as err:
        webhook(operator, url, [tenant["tenant_id"]])
    assert err.value.status == 422 and "url" in err.value.body["errors"]
