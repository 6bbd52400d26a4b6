"""What every nameko worker reports: its log context and its metrics.

``WorkerObservability`` (on ``PlatformService``) binds, for each worker, the correlation id that
came in the message headers (the gateway's request id, carried by nameko's context data through
RPC calls, event dispatches and the activity messages), and counts and times RPC calls and
consumed messages per method / queue. ``scrape()`` adds the depth of the service's queues, read
from the broker, to the series (``/metrics`` on the health port).
"""
import logging
import time

from opentelemetry import trace
from nameko.constants import AMQP_URI_CONFIG_KEY
from nameko.extensions import DependencyProvider
from nameko.rpc import Rpc

from mooc_common.contracts.errors import ServiceError

from . import logs, metrics, tracing
from .queue_depths import message_counts
from .events import DEFAULT_RETRY_DELAY_MS, dead_letter_queue_name

log = logging.getLogger(__name__)


class WorkerObservability(DependencyProvider):
    def setup(self):
        logs.set_service(self.container.service_name)
        tracing.configure(self.container.service_name)
        self.started, self.spans = {}, {}

    def worker_setup(self, worker_ctx):
        logs.clear()
        data = worker_ctx.data
        logs.bind(correlation_id=data.get("correlation_id") or worker_ctx.call_id,
                  request_id=data.get("request_id"), tenant_id=data.get("tenant_id"))
        self.started[worker_ctx] = time.perf_counter()
        entrypoint = worker_ctx.entrypoint
        self.spans[worker_ctx] = tracing.start(
            f"{self.container.service_name}.{entrypoint.method_name}", data,
            kind=trace.SpanKind.SERVER if isinstance(entrypoint, Rpc) else trace.SpanKind.CONSUMER,
            attributes={"mooc.correlation_id": logs.current().get("correlation_id", "")})
        data.update(tracing.carrier())  # what this worker calls or publishes is a child of its span

    def worker_result(self, worker_ctx, result=None, exc_info=None):
        elapsed = time.perf_counter() - self.started.pop(worker_ctx, time.perf_counter())
        span = self.spans.pop(worker_ctx, None)
        if span is not None:
            tracing.finish(*span, error=exc_info[1] if exc_info and not isinstance(exc_info[1], ServiceError) else None)
        entrypoint, service = worker_ctx.entrypoint, self.container.service_name
        if isinstance(entrypoint, Rpc):
            outcome = "ok" if exc_info is None else "refused" if isinstance(exc_info[1], ServiceError) else "failed"
            metrics.RPC_CALLS.labels(service, entrypoint.method_name, outcome).inc()
            metrics.RPC_DURATION.labels(service, entrypoint.method_name).observe(elapsed)
            log.info("rpc %s %s", entrypoint.method_name, outcome,
                     extra={"rpc": entrypoint.method_name, "outcome": outcome, "duration_ms": round(elapsed * 1000, 2)})
        elif getattr(entrypoint, "queue", None) is not None:
            queue = entrypoint.queue.name
            metrics.EVENTS_CONSUMED.labels(service, queue).inc()
            metrics.EVENT_DURATION.labels(service, queue).observe(elapsed)
            if exc_info is not None:
                metrics.EVENTS_FAILED.labels(service, queue).inc()
            log.info("message from %s %s", queue, "handled" if exc_info is None else "failed",
                     extra={"queue": queue, "duration_ms": round(elapsed * 1000, 2)})

    def worker_teardown(self, worker_ctx):
        self.started.pop(worker_ctx, None)
        span = self.spans.pop(worker_ctx, None)
        if span is not None:  # no result reported (the worker was killed)
            tracing.finish(*span)
        logs.clear()

    def queue_names(self):
        queues = {q.name for q in (getattr(e, "queue", None) for e in self.container.entrypoints)
                  if q is not None and not getattr(q, "exclusive", False)}
        queues |= set(getattr(self.container.service_cls, "observed_queues", ()))
        # The first retry queue of each (events.FailurePolicy); longer delays are declared on use.
        delay = int(self.container.config.get("EVENT_RETRY_DELAY_MS") or DEFAULT_RETRY_DELAY_MS)
        return sorted({dead_letter_queue_name(self.container.service_name)}
                      | queues | {f"{name}.retry.{delay}ms" for name in queues})

    def _read_queue_depths(self):
        try:
            depths = message_counts(self.container.config[AMQP_URI_CONFIG_KEY], self.queue_names())
        except Exception:
            log.warning("could not read queue depths from the broker", exc_info=True)
            return
        for name, depth in depths.items():
            metrics.QUEUE_MESSAGES.labels(name).set(depth)

    def get_dependency(self, worker_ctx):
        return self

    def scrape(self):
        """(content type, body) of /metrics, with fresh queue depths."""
        self._read_queue_depths()
        return metrics.exposition()
