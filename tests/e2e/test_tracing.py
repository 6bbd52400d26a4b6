"""Tracing end to end: a platform of its own exports OTLP/HTTP to a receiver on loopback; one
activity's spans (gateway, progress, reports) share the trace the client started, carried
through RPC and AMQP headers. Without an endpoint nothing is exported (the other platforms)."""
import gzip
import http.server
import secrets
import threading
import uuid
import zlib

import pytest
import requests
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceRequest

from api_client import ApiClient
from isolated_env import free_port, isolated_env, started_platform
from tests.conftest import ROOT, TEST_SETTINGS
from tests.e2e.courses_fixtures import TenantKit, published_course
from tests.polling import eventually

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(900)]  # starts a platform of its own


class Receiver(http.server.ThreadingHTTPServer):
    """The part of an OpenTelemetry collector the test needs: POST /v1/traces (protobuf)."""

    def __init__(self):
        self.spans, self.lock = [], threading.Lock()
        super().__init__(("127.0.0.1", free_port()), self.Handler)

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_POST(self):
            body = self.rfile.read(int(self.headers["Content-Length"]))
            if self.headers.get("Content-Encoding") == "gzip":
                body = gzip.decompress(body)
            elif self.headers.get("Content-Encoding") == "deflate":
                body = zlib.decompress(body)
            request = ExportTraceServiceRequest.FromString(body)
            with self.server.lock:
                for resource_spans in request.resource_spans:
                    service = next(a.value.string_value for a in resource_spans.resource.attributes
                                   if a.key == "service.name")
                    for scope in resource_spans.scope_spans:
                        for span in scope.spans:
                            self.server.spans.append({
                                "service": service, "name": span.name, "trace_id": span.trace_id.hex(),
                                "links": [link.trace_id.hex() for link in span.links]})
            self.send_response(200)
            self.send_header("Content-Type", "application/x-protobuf")
            self.end_headers()

        def log_message(self, *args):
            pass


@pytest.fixture(scope="module")
def receiver():
    server = Receiver()
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()


@pytest.fixture(scope="module")
def traced_platform(infra, receiver):
    settings = dict(TEST_SETTINGS, OTEL_EXPORTER_OTLP_ENDPOINT=f"http://127.0.0.1:{receiver.server_port}",
                    OTEL_BSP_SCHEDULE_DELAY="200")
    with isolated_env(infra, "test-trace", **settings) as env, \
            started_platform(env, ROOT / "var" / "log" / "test-trace") as platform:
        yield platform


def test_one_trace_from_the_client_through_gateway_progress_and_reports(traced_platform, receiver):
    operator = ApiClient(traced_platform.base_url).signed_in(traced_platform.env["OPERATOR_USERNAME"],
                                                             traced_platform.env["OPERATOR_PASSWORD"])
    kit = TenantKit(operator, traced_platform)
    course = published_course(kit.instructor)
    _, learner = kit.user("learner")
    learner.post(f"/api/v1/courses/{course['course_id']}/enrollments", {})
    trace_id = secrets.token_hex(16)

    def send():
        return requests.post(f"{traced_platform.base_url}/api/v1/activities", timeout=10, json={
            "activity_id": str(uuid.uuid4()), "kind": "lesson_completed", "course_id": course["course_id"],
            "lesson_id": course["sections"][0]["lessons"][1]["lesson_id"], "occurred_at": "2026-11-23T09:00:00+07:00"},
            headers={"Authorization": learner.session.headers["Authorization"],
                     "traceparent": f"00-{trace_id}-{secrets.token_hex(8)}-01"}).status_code == 202

    eventually(send, timeout=120)  # returns as soon as it passes; a loaded machine is slow

    def traced():
        with receiver.lock:
            mine = [s for s in receiver.spans if s["trace_id"] == trace_id or trace_id in s["links"]]
        services = {s["service"] for s in mine}
        return mine if {"gateway", "progress", "reports"} <= services else None

    spans = eventually(traced, timeout=120)
    assert any(s["service"] == "gateway" and s["name"] == "POST /api/v1/activities" for s in spans)
    assert any(s["service"] == "progress" and s["name"] == "progress.progress.activities batch"
               and s["trace_id"] == trace_id for s in spans)
    assert any(s["service"] == "reports" and s["name"].startswith("reports.reports.projector") for s in spans)
