"""Per request: the request id, the log context, one JSON access line and the HTTP metrics.

``X-Request-Id`` from the client is kept when it is a plain token (letters, digits, ``._:-``,
at most 128), else a new one is made; it is echoed on every answer, is the correlation id of
everything the request causes (RPC headers, the activity message, event envelopes) and is in
every log line about it.
"""
import logging
import re
import time
import uuid

from opentelemetry import trace

from mooc_common.infra import logs, tracing
from mooc_common.infra.metrics import HTTP_DURATION, HTTP_REQUESTS

from .openapi.document import openapi_path

log = logging.getLogger("gateway.access")
REQUEST_ID = re.compile(r"[A-Za-z0-9._:-]{1,128}")


class RequestObservability:
    """First middleware: sets the ids before anything can fail; measures and logs at the end."""

    def process_request(self, req, resp):
        given = req.get_header("X-Request-Id")
        request_id = given if given and REQUEST_ID.fullmatch(given) else uuid.uuid4().hex
        req.context.request_id = request_id
        req.context.started = time.perf_counter()
        logs.clear()
        logs.bind(request_id=request_id, correlation_id=request_id)
        resp.set_header("X-Request-Id", request_id)
        req.context.span = tracing.start(
            f"HTTP {req.method}", {key: req.get_header(key) for key in tracing.TRACE_KEYS},
            kind=trace.SpanKind.SERVER, attributes={"http.request.method": req.method, "mooc.request_id": request_id})

    def process_response(self, req, resp, resource, req_succeeded):
        elapsed = time.perf_counter() - getattr(req.context, "started", time.perf_counter())
        # The route template, never the raw path: ids in paths would make unbounded label values.
        route = (openapi_path(req.uri_template) if req.uri_template
                 else "/docs/assets" if req.path.startswith("/docs/assets/") else "unmatched")
        status = resp.status_code
        HTTP_REQUESTS.labels(req.method, route, str(status)).inc()
        HTTP_DURATION.labels(req.method, route).observe(elapsed)
        log.info("%s %s %s", req.method, route, status,
                 extra={"method": req.method, "route": route, "status": status,
                        "duration_ms": round(elapsed * 1000, 2)})
        span, token = getattr(req.context, "span", (None, None))
        if span is not None:
            span.update_name(f"{req.method} {route}")
            span.set_attribute("http.route", route)
            span.set_attribute("http.response.status_code", status)
            tracing.finish(span, token, RuntimeError(f"HTTP {status}") if status >= 500 else None)
        logs.clear()


class ActorLogContext:
    """After authentication: the caller's tenant in every log line of the request."""

    def process_resource(self, req, resp, resource, params):
        actor = getattr(req.context, "actor", None)
        if actor:
            logs.bind(tenant_id=actor.get("tenant_id"))


def rpc_context():
    """What travels to the services in the RPC headers (nameko ``context_data``): the ids of the
    logs and the trace context."""
    ids = {key: value for key, value in logs.current().items() if key in ("correlation_id", "request_id", "tenant_id")}
    return {**ids, **tracing.carrier()}
