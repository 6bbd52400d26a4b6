"""gunicorn settings: threaded sync workers (no eventlet in the gateway), graceful drain."""
import os

bind = f"{os.environ.get('GATEWAY_HOST', '0.0.0.0')}:{os.environ.get('GATEWAY_PORT', '8000')}"
worker_class = "gthread"
workers = int(os.environ.get("GATEWAY_WORKERS", "2"))
threads = int(os.environ.get("GATEWAY_THREADS", "8"))
graceful_timeout = 30
timeout = 60
accesslog = "-"
errorlog = "-"
