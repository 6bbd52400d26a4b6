"""What every nameko service of the platform exposes besides its domain entrypoints.

- ``ping`` RPC: the gateway's /ready calls it on every service.
- ``GET /health`` on ``WEB_SERVER_ADDRESS``: the event loop answers (Kubernetes liveness).
- ``GET /ready``: the service's store answers a ping (Kubernetes readiness). The broker is
  not checked here: the consumers reconnect by themselves within 2 s of its return
  (``reconnect``), and an RPC reply that cannot be sent meanwhile no longer stops the service
  (``rpc_replies``).
- ``GET /metrics``: the Prometheus series of the service (``observability``, ``metrics``).
- every worker's log context and metrics (``WorkerObservability``).
- a verifiable actor on every RPC (``actor_trust``): a subclass whose RPCs use nameko's own
  ``rpc`` (which trusts any actor dict) is refused at import.
"""
import json

from .actor_trust import TrustedRpc, rpc
from nameko.rpc import Rpc
from nameko.web.handlers import http

from . import reconnect, rpc_replies
from .observability import WorkerObservability
from .store import ProcessedEvents, Store

rpc_replies.install()
reconnect.install()


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

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        for name, member in vars(cls).items():
            for entrypoint in getattr(member, "nameko_entrypoints", ()):
                if isinstance(entrypoint, Rpc) and not isinstance(entrypoint, TrustedRpc):
                    raise TypeError(f"{cls.__name__}.{name}: use mooc_common.infra.actor_trust.rpc")

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
