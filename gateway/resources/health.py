"""Liveness and readiness."""
import concurrent.futures
import threading
import time

import falcon

from mooc_common.contracts.roles import is_operator

from ..openapi import wire
from ..openapi.operation import PUBLIC, operation

SERVICES = ("accounts", "courses", "progress", "reports", "integrations", "notifications")


class Health:
    auth_required = False

    @operation("The gateway process is alive", PUBLIC, response=wire.HealthSchema, tags=("platform",))
    def on_get(self, req, resp):
        resp.media = {"status": "ok"}


class Ready:
    """Broker reachable and every service answers an RPC ping (its store too) within the timeout.

    The answer is computed at most once per ``cache_seconds`` (load balancers and Kubernetes
    poll it often; each computation costs one RPC per service) and reflects an outage, or the
    recovery from one, within that delay. Anyone sees ``ready`` and the names of the failed
    parts; only an operator (bearer token of ``operator_admin``) also sees why each failed and
    the warnings: messages waiting in each service's dead-letter queue, which do not make the
    platform unready but need an operator.
    """
    auth_required = False

    def __init__(self, rpc, publisher, timeout, dead_letters, verify_token, cache_seconds=1.0):
        self.rpc, self.publisher, self.timeout = rpc, publisher, timeout
        self.dead_letters, self.verify_token = dead_letters, verify_token
        self.cache_seconds = cache_seconds
        self.pool = concurrent.futures.ThreadPoolExecutor(max_workers=len(SERVICES))
        self._lock = threading.Lock()
        self._cached, self._computed_at = None, float("-inf")

    def _ping(self, service):
        try:
            answer = self.rpc.call(service, "ping")
            return "ok" if answer.get("store") else "store unavailable"
        except Exception as exc:  # any failure is a "not ready" answer, not an error
            return getattr(exc, "body", {}).get("message") or repr(exc)

    def _compute(self):
        checks = {"broker": "ok" if self.publisher.ping() else "unreachable"}
        futures = {s: self.pool.submit(self._ping, s) for s in SERVICES}
        for service, future in futures.items():
            try:
                checks[service] = future.result(timeout=self.timeout)
            except concurrent.futures.TimeoutError:
                checks[service] = f"no answer within {self.timeout}s"
        failed = sorted(name for name, state in checks.items() if state != "ok")
        warnings = {}
        if checks["broker"] == "ok":
            counts = self.dead_letters.counts(SERVICES)
            warnings = {"dead_letters": {queue: n for queue, n in counts.items() if n}} if any(counts.values()) else {}
        return {"ready": not failed, "failed": failed, "checks": checks, "warnings": warnings}

    def _state(self):
        with self._lock:  # one computation at a time; the others take its answer
            if time.monotonic() - self._computed_at >= self.cache_seconds:
                self._cached = self._compute()
                self._computed_at = time.monotonic()
            return self._cached

    def _is_operator(self, req):
        scheme, _, token = (req.get_header("Authorization") or "").partition(" ")
        if scheme.lower() != "bearer" or not token:
            return False
        try:
            actor, _claims = self.verify_token(token)
            return is_operator(actor)
        except falcon.HTTPError:
            return False

    @operation("Ready: the broker is reachable and every service answers", PUBLIC, response=wire.ReadySchema,
               tags=("platform",), answers=((503, wire.ReadySchema, "not ready: `failed` lists what failed"),))
    def on_get(self, req, resp):
        state = self._state()
        resp.status = falcon.HTTP_200 if state["ready"] else falcon.HTTP_503
        if self._is_operator(req):
            resp.media = state
        else:
            resp.media = {"ready": state["ready"], "failed": state["failed"]}
