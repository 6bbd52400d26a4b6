"""What every nameko service of the platform exposes besides its domain entrypoints.

- ``ping`` RPC: the gateway's /ready calls it on every service.
- ``GET /health`` on ``WEB_SERVER_ADDRESS``: the event loop answers (Kubernetes liveness).
- ``GET /ready``: the service's store answers a ping (Kubernetes readiness). The broker is
  not checked here: the consumers reconnect by themselves when it returns, and an RPC reply
  that cannot be sent meanwhile no longer stops the service (``rpc_replies``).
- ``GET /metrics``: the Prometheus series of the service (``observability``, ``metrics``).
- every worker's log context and metrics (``WorkerObservability``).
"""
import json

from nameko.rpc import rpc
from nameko.web.handlers import http

from . import rpc_replies
from .observability import WorkerObservability
from .store import ProcessedEvents, Store

rpc_replies.install()


class Probe:
    def __init__(self, db):
        self.db = db

    def store_ok(self):
        try:
            self.db.command("ping")
            return True
        except Exception:
            return False


class PlatformService:
    processed_events = Store(ProcessedEvents)
    probe = Store(Probe)
    observability = WorkerObservability()

    @rpc
    def ping(self):
        return {"service": self.name, "store": self.probe.store_ok()}

    @http("GET", "/health")
    def http_health(self, request):
        return 200, json.dumps({"status": "ok", "service": self.name})

    @http("GET", "/metrics")
    def http_metrics(self, request):
        content_type, body = self.observability.scrape()
        return 200, {"Content-Type": content_type}, body.decode("utf-8")

    @http("GET", "/ready")
    def http_ready(self, request):
        ok = self.probe.store_ok()
        return (200 if ok else 503), json.dumps({"service": self.name, "store": ok})
