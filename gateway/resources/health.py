"""Liveness and readiness."""
import concurrent.futures

import falcon

SERVICES = ("accounts", "courses", "progress", "reports", "integrations", "notifications")


class Health:
    auth_required = False

    def on_get(self, req, resp):
        resp.media = {"status": "ok"}


class Ready:
    """Broker reachable and every service answers an RPC ping within the timeout."""
    auth_required = False

    def __init__(self, rpc, publisher, timeout):
        self.rpc, self.publisher, self.timeout = rpc, publisher, timeout
        self.pool = concurrent.futures.ThreadPoolExecutor(max_workers=len(SERVICES))

    def _ping(self, service):
        try:
            answer = self.rpc.call(service, "ping")
            return "ok" if answer.get("store") else "store unavailable"
        except Exception as exc:  # any failure is a "not ready" answer, not an error
            return getattr(exc, "body", {}).get("message") or repr(exc)

    def on_get(self, req, resp):
        checks = {"broker": "ok" if self.publisher.ping() else "unreachable"}
        futures = {s: self.pool.submit(self._ping, s) for s in SERVICES}
        for service, future in futures.items():
            try:
                checks[service] = future.result(timeout=self.timeout)
            except concurrent.futures.TimeoutError:
                checks[service] = f"no answer within {self.timeout}s"
        failed = sorted(name for name, state in checks.items() if state != "ok")
        resp.status = falcon.HTTP_200 if not failed else falcon.HTTP_503
        resp.media = {"ready": not failed, "checks": checks, "failed": failed}
