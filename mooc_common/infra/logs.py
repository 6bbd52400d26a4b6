"""Structured logs: one JSON object per line from every process (python-json-logger).

Each line has ``timestamp``, ``level``, ``service``, ``logger``, ``message``, and, where known,
``request_id`` / ``correlation_id`` (one id follows a learner's activity from the gateway through
RPC headers and event envelopes to every handler), ``tenant_id`` and ``event_id``. The ids live
in a context variable: per request thread in the gateway, per worker greenthread in a service
(greenlets carry their own context), bound by ``bind()`` and cleared by ``clear()``.

Secrets never reach the output: the formatter masks JWTs, bearer tokens and the values of
password, token, secret and code fields in the final line (``redact``), whatever logged them.
"""
import contextvars
import logging
import os
import re
import sys

from pythonjsonlogger.json import JsonFormatter

CONTEXT_FIELDS = ("request_id", "correlation_id", "tenant_id", "event_id", "event_type")
_context = contextvars.ContextVar("mooc_log_context", default=None)
_process = {"service": os.environ.get("SERVICE_NAME", "")}

_JWT = re.compile(r"eyJ[\w-]{5,}\.[\w-]{5,}\.[\w-]*")
_BEARER = re.compile(r"(?i)(bearer\s+)[^\s\"'\\,]+")
_SECRET_FIELD = re.compile(
    r"(?i)((?:password|passwd|access_token|refresh_token|token|secret|activation_code|authorization)"
    r"[\\'\"]*\s*[:=]\s*[\\'\"]*)[^\s\"'\\,}]+")
MASK = "[redacted]"


def redact(text):
    # A pattern can match only where its literal is: lines without them (most, e.g. every access
    # line) skip the regular expressions, which cost a third of a gateway access line (issue 15).
    if "eyJ" in text:
        text = _JWT.sub(MASK, text)
    lowered = text.casefold()  # as loose as the patterns' IGNORECASE (e.g. "ſ" is "s")
    if "bearer" in lowered:
        text = _BEARER.sub(lambda m: m.group(1) + MASK, text)
    if ("pass" in lowered or "token" in lowered or "secret" in lowered or "activation_code" in lowered
            or "authorization" in lowered):  # _SECRET_FIELD's words ("pass": password, passwd)
        text = _SECRET_FIELD.sub(lambda m: m.group(1) + MASK, text)
    return text


def bind(**fields):
    """Add ids to the current context (None values are ignored)."""
    current = _context.get() or {}
    _context.set({**current, **{k: str(v) for k, v in fields.items() if v is not None}})


def clear():
    _context.set(None)


def current():
    return dict(_context.get() or {})


def set_service(name):
    _process["service"] = name


class ContextFilter(logging.Filter):
    def filter(self, record):
        record.service = _process["service"]
        for key, value in (_context.get() or {}).items():
            setattr(record, key, value)
        return True


class JsonLogFormatter(JsonFormatter):
    def __init__(self, *args, **kwargs):
        kwargs.setdefault("rename_fields", {"levelname": "level", "name": "logger"})
        kwargs.setdefault("timestamp", True)
        kwargs.setdefault("json_ensure_ascii", False)
        super().__init__("{levelname}{service}{name}{message}", *args, style="{", **kwargs)

    def format(self, record):
        return redact(super().format(record))


def handler(stream=None):
    result = logging.StreamHandler(stream or sys.stderr)
    result.setFormatter(JsonLogFormatter())
    result.addFilter(ContextFilter())
    return result


def configure(service, level=None):
    """JSON lines on stderr for this process (the gateway; nameko services use config/nameko.yaml)."""
    set_service(service)
    root = logging.getLogger()
    root.handlers[:] = [handler()]
    logging.captureWarnings(True)  # later warnings become JSON lines too
    root.setLevel(level or os.environ.get("LOG_LEVEL", "INFO"))
