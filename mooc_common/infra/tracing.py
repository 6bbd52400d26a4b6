"""OpenTelemetry tracing: spans for HTTP requests, RPC calls and message handling.

Off unless an OTLP endpoint is configured (``OTEL_EXPORTER_OTLP_ENDPOINT`` or
``OTEL_EXPORTER_OTLP_TRACES_ENDPOINT``, OTLP over HTTP): then ``configure(service)`` installs an
SDK tracer provider that batches spans to it. Otherwise the API's no-op tracer makes every span
below free.

The W3C trace context travels in the AMQP headers: as nameko context data (``traceparent``,
``tracestate`` become ``nameko.traceparent`` headers on RPC requests, event dispatches and the
gateway's activity messages), read back by each worker (``WorkerObservability``) and the reports
projector.
"""
import os

from opentelemetry import context, propagate, trace

TRACE_KEYS = ("traceparent", "tracestate")
tracer = trace.get_tracer("mooc")
_configured = {}


def enabled_by_env(env=os.environ):
    return bool(env.get("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT") or env.get("OTEL_EXPORTER_OTLP_ENDPOINT"))


def configure(service, env=os.environ, exporter=None):
    """Install the SDK provider for ``service`` when an endpoint (or a test ``exporter``) is given;
    returns the provider, or None when tracing stays off."""
    if service in _configured:
        return _configured[service]
    if exporter is None and not enabled_by_env(env):
        return None
    from opentelemetry.sdk.resources import Resource
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.sdk.trace.export import BatchSpanProcessor, SimpleSpanProcessor

    provider = TracerProvider(resource=Resource.create({"service.name": service}))
    if exporter is None:
        from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
        provider.add_span_processor(BatchSpanProcessor(OTLPSpanExporter()))
    else:
        provider.add_span_processor(SimpleSpanProcessor(exporter))
    trace.set_tracer_provider(provider)
    _configured[service] = provider
    return provider


def carrier():
    """The current trace context as a dict to send along (empty when no span is recording)."""
    headers = {}
    propagate.inject(headers)
    return {key: headers[key] for key in TRACE_KEYS if key in headers}


def from_amqp_headers(headers):
    """The trace context nameko put in a message's headers (``nameko.traceparent``...)."""
    return {key: (headers or {}).get(f"nameko.{key}") for key in TRACE_KEYS}


def links(incomings):
    """Links to the spans that sent these messages (a batch has many parents)."""
    result = []
    for incoming in incomings:
        span_context = trace.get_current_span(propagate.extract(
            {k: v for k, v in incoming.items() if v})).get_span_context()
        if span_context.is_valid:
            result.append(trace.Link(span_context))
    return result


def start(name, incoming=None, kind=trace.SpanKind.INTERNAL, attributes=None, links=()):
    """Start a span whose parent is the context in ``incoming`` (headers / context data), make it
    current; returns (span, token) for ``finish``."""
    parent = propagate.extract({k: incoming[k] for k in TRACE_KEYS if incoming and incoming.get(k)})
    span = tracer.start_span(name, context=parent, kind=kind, attributes=attributes or {}, links=list(links))
    token = context.attach(trace.set_span_in_context(span, parent))
    return span, token


def finish(span, token, error=None):
    if error is not None:
        span.record_exception(error)
        span.set_status(trace.Status(trace.StatusCode.ERROR, type(error).__name__))
    span.end()
    try:
        context.detach(token)
    except Exception:  # detached in another context (a greenthread that ended): nothing to restore
        pass
