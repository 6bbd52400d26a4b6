"""The platform's Prometheus series (prometheus_client), declared once for every process.

The gateway serves them at ``/metrics`` (gunicorn workers aggregated through
prometheus_client's multiprocess mode, see gateway/gunicorn_conf.py); each nameko service at
``/metrics`` on its health port (``service_base``). The list, with what each is for, is in
docs/observability.md; deploy/grafana/ has a dashboard over them.
"""
import os

from prometheus_client import (CONTENT_TYPE_LATEST, REGISTRY, CollectorRegistry, Counter, Gauge, Histogram,
                               disable_created_metrics, generate_latest, multiprocess)

disable_created_metrics()  # the *_created series double the output and no panel uses them

LATENCY = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30)
LAG = (0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 60, 300, 900, 3600)
JOB = (0.5, 1, 5, 10, 30, 60, 120, 300, 600, 1800, 3600)

HTTP_REQUESTS = Counter("mooc_http_requests_total", "HTTP requests answered by the gateway",
                        ["method", "route", "status"])
HTTP_DURATION = Histogram("mooc_http_request_duration_seconds", "Time to answer an HTTP request",
                          ["method", "route"], buckets=LATENCY)
RPC_CALLS = Counter("mooc_rpc_calls_total", "RPC calls handled by a service, by outcome (ok, refused: a "
                    "contract error such as not_found, failed: an unexpected error)", ["service", "method", "outcome"])
RPC_DURATION = Histogram("mooc_rpc_duration_seconds", "Time a service took to handle an RPC call",
                         ["service", "method"], buckets=LATENCY)
EVENTS_CONSUMED = Counter("mooc_events_consumed_total", "Messages a service took from a queue (events, activity)",
                          ["service", "queue"])
EVENTS_FAILED = Counter("mooc_events_failed_total", "Messages whose handling raised", ["service", "queue"])
EVENTS_RETRIED = Counter("mooc_events_retried_total", "Failed messages sent to their retry queue",
                         ["service", "queue"])
EVENTS_DEAD_LETTERED = Counter("mooc_events_dead_lettered_total", "Messages sent to the dead-letter queue",
                               ["service", "queue"])
EVENT_DURATION = Histogram("mooc_event_handling_duration_seconds", "Time to handle one message (or one batch)",
                           ["service", "queue"], buckets=LATENCY)
QUEUE_MESSAGES = Gauge("mooc_queue_messages", "Messages ready in a queue, read from the broker at scrape time",
                       ["queue"])
EVENT_TO_REPORT_LAG = Histogram("mooc_event_to_report_lag_seconds",
                                "From an event's occurred_at to the moment the reports projected it", buckets=LAG)
JOB_DURATION = Histogram("mooc_job_duration_seconds", "Background job durations (import, assignment)",
                         ["job", "state"], buckets=JOB)


def exposition():
    """(content type, body) of every series of this process (all gunicorn workers' in multiprocess mode)."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)
    else:
        registry = REGISTRY
    return CONTENT_TYPE_LATEST, generate_latest(registry)
