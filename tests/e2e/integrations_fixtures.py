"""Helpers for the integrations tests: tenants, a loopback webhook receiver, event injection."""
import datetime
import http.server
import json
import secrets
import threading
import time
import uuid

import pytest
from nameko.standalone.events import event_dispatcher

from mooc_common.contracts.events.progress import LEARNER_ACTIVE

SUBSCRIBERS = "/api/v1/integrations/subscribers"


def new_tenant(operator, name="Sở Nội vụ tỉnh Cao Bằng"):
    code = "I" + secrets.token_hex(3).upper()
    return operator.post("/api/v1/tenants", {
        "code": code, "name": name, "kind": "province",
        "focal_contact": {"full_name": "Trần Thị Bình", "mobile": "0912345678", "email": "binh@example.vn"}})


@pytest.fixture
def two_tenants(operator):
    return new_tenant(operator), new_tenant(operator, "Bộ Tư pháp")


def learner_active(tenant_id, day=datetime.date(2026, 11, 23)):
    """A public event built from its contract, as progress would publish it."""
    return LEARNER_ACTIVE.build({"learner_id": uuid.uuid4().hex, "unit_id": None,
                                 "category": "civil_servant", "day": day}, tenant_id)


def publish(platform, envelope):
    event_dispatcher({"AMQP_URI": platform.env["AMQP_URI"]})(
        envelope["producer"], envelope["type"], envelope)


class Receiver:
    """A real HTTP endpoint on loopback; ``status`` decides the answer, ``up`` whether it listens."""

    def __init__(self):
        self.requests = []  # (headers, body bytes)
        self.status = 200
        self.delay = 0.0  # seconds before answering (a slow endpoint)
        self.lock = threading.Lock()
        self.server = None
        self.port = None
        self.start()

    @property
    def url(self):
        return f"http://127.0.0.1:{self.port}/hook"

    def start(self):
        receiver = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers["Content-Length"]))
                time.sleep(receiver.delay)
                with receiver.lock:
                    receiver.requests.append((dict(self.headers), body))
                    status = receiver.status
                self.send_response(status)
                self.send_header("Content-Type", "text/plain")
                self.end_headers()
                self.wfile.write(b"ok" if status < 300 else b"receiver says no")

            def log_message(self, *args):
                pass

        address = ("127.0.0.1", self.port or 0)
        self.server = http.server.ThreadingHTTPServer(address, Handler)
        self.server.allow_reuse_address = True
        self.port = self.server.server_address[1]
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def stop(self):
        self.server.shutdown()
        self.server.server_close()

    def event_ids(self):
        with self.lock:
            return [h.get("X-Mooc-Event-Id") for h, _ in self.requests]

    def bodies(self):
        with self.lock:
            return [json.loads(b) for _, b in self.requests]


@pytest.fixture
def receivers():
    made = []

    def make():
        made.append(Receiver())
        return made[-1]
    yield make
    for r in made:
        r.stop()


def webhook(operator, url, tenants, event_types=(LEARNER_ACTIVE.type,)):
    return operator.post(SUBSCRIBERS, {"name": "Sở Nội vụ — cổng dữ liệu", "kind": "webhook", "url": url,
                                       "tenants": list(tenants), "event_types": list(event_types)})
