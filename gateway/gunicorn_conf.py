"""gunicorn settings: threaded sync workers (no eventlet in the gateway), graceful drain,
JSON logs, and Prometheus metrics shared by the workers (multiprocess mode)."""
import os
import shutil
import tempfile

from gunicorn.glogging import Logger

os.environ.setdefault("SERVICE_NAME", "gateway")  # read when the JSON log formatter is imported

bind = f"{os.environ.get('GATEWAY_HOST', '0.0.0.0')}:{os.environ.get('GATEWAY_PORT', '8000')}"
worker_class = "gthread"
workers = int(os.environ.get("GATEWAY_WORKERS", "2"))
threads = int(os.environ.get("GATEWAY_THREADS", "8"))
graceful_timeout = 30
timeout = 60
# An idle keep-alive connection stays open this long (gunicorn's default is 2 s). A client or
# load balancer that reuses a connection just as the server closes it gets a connection reset
# instead of an answer: the server must keep idle connections longer than its clients do
# (nginx's ingress keeps upstream connections 60 s). gthread parks idle connections in its
# poller, not in a thread. The suite met the 2 s race: a request 2 s after the previous one.
keepalive = int(os.environ.get("GATEWAY_KEEPALIVE_SECONDS", "75"))
# The app logs one JSON line per request itself (gateway/observability.py, with the request id);
# gunicorn's own messages go through the same JSON formatter.
accesslog = None


class _Logger(Logger):
    """gunicorn's logger without its access line: with ``logconfig_dict`` set, gunicorn builds
    the line's fields (every header, a strftime) and a log record for each request, which no
    handler writes; about 0.1 ms of CPU per ingestion request (issue 15, docs/performance.md)."""

    def access(self, resp, req, environ, request_time):
        pass


logger_class = _Logger
logconfig_dict = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"context": {"()": "mooc_common.infra.logs.ContextFilter"}},
    "formatters": {"json": {"()": "mooc_common.infra.logs.JsonLogFormatter"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "json", "filters": ["context"],
                             "stream": "ext://sys.stderr"}},
    "root": {"level": os.environ.get("LOG_LEVEL", "INFO"), "handlers": ["console"]},
    "loggers": {"gunicorn.error": {"level": "INFO", "handlers": ["console"], "propagate": False}},
}

# Each worker writes its series to files in this directory; /metrics adds them up. It must be
# set before prometheus_client is imported by a worker, and start empty.
if not os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = tempfile.mkdtemp(prefix="mooc-gateway-metrics-")
_metrics_dir = os.environ["PROMETHEUS_MULTIPROC_DIR"]


def on_starting(server):
    os.makedirs(_metrics_dir, exist_ok=True)
    for name in os.listdir(_metrics_dir):  # a previous run's series (prometheus_client's *.db files only)
        if name.endswith(".db"):
            os.remove(os.path.join(_metrics_dir, name))


def child_exit(server, worker):
    from prometheus_client import multiprocess
    multiprocess.mark_process_dead(worker.pid)


def on_exit(server):
    if os.path.basename(_metrics_dir).startswith("mooc-gateway-metrics-"):  # the one made above
        shutil.rmtree(_metrics_dir, ignore_errors=True)
