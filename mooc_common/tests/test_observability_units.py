"""Logs (JSON lines, context ids, secrets masked) and the metric names the dashboard uses."""
import io
import json
import logging
import re
from pathlib import Path

import pytest

from mooc_common.infra import logs, metrics

ROOT = Path(__file__).resolve().parents[2]
JWT = "eyJhbGciOiJIUzI1NiIsInR5cCI6ImF0K2p3dCJ9.eyJzdWIiOiJ1MSIsInRpZCI6InQxIn0.c2lnbmF0dXJlLXZhbHVl"


@pytest.fixture
def captured():
    stream = io.StringIO()
    logger = logging.getLogger("test.observability")
    handler = logs.handler(stream)
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    logger.propagate = False
    # Start from an empty context: tests that run handlers in this thread (tests/service, through
    # worker_factory) leave their ids bound, where a real worker's greenthread would end with them.
    logs.clear()
    yield logger, stream
    logger.removeHandler(handler)
    logs.clear()


def lines(stream):
    return [json.loads(line) for line in stream.getvalue().splitlines()]


def test_one_json_object_per_line_with_the_context_ids(captured):
    logger, stream = captured
    logs.set_service("progress")
    logs.bind(correlation_id="req-1", tenant_id="t1", event_id=None)
    logger.info("Học viên %s đã hoàn thành", "Nguyễn Văn Ân")
    logs.clear()
    logger.warning("no context")
    first, second = lines(stream)
    assert first["message"] == "Học viên Nguyễn Văn Ân đã hoàn thành"
    assert (first["level"], first["service"]) == ("INFO", "progress")
    assert (first["correlation_id"], first["tenant_id"]) == ("req-1", "t1")
    assert "event_id" not in first and "timestamp" in first
    assert "correlation_id" not in second


@pytest.mark.parametrize("text", [
    f"Authorization: Bearer {JWT}",
    f"token {JWT} in a message",
    "{'username': 'an', 'password': 'Mật-khẩu-7'}",
    '{"refresh_token": "abc123.def456"}',
    "activation_code=ZX81-AB12 password = hunter2",
    # Spelled as loosely as the patterns match (the quick check before them must not skip these).
    "PASSWORD=hunter2 AUTHORIZATION: BEARER abc123.def456", "paſſword: hunter2", "Token=ZX81-AB12",
])
def test_secrets_are_masked_whoever_logs_them(captured, text):
    logger, stream = captured
    logger.info(text)
    try:
        raise ValueError(text)
    except ValueError:
        logger.exception("failed")
    output = stream.getvalue()
    for secret in (JWT, "Mật-khẩu-7", "abc123.def456", "ZX81-AB12", "hunter2"):
        assert secret not in output
    assert "[redacted]" in output


def test_words_that_only_look_like_secret_fields_are_kept(captured):
    logger, stream = captured
    logger.info("token_type Bearer; 3 tokens issued; secret rotation done")
    assert lines(stream)[0]["message"].startswith("token_type")


def test_the_dashboard_uses_only_series_the_platform_exports():
    dashboard = json.loads((ROOT / "deploy" / "grafana" / "mooc-platform.json").read_text(encoding="utf-8"))
    exported = {name for collector in (metrics.HTTP_REQUESTS, metrics.HTTP_DURATION, metrics.RPC_CALLS,
                                       metrics.RPC_DURATION, metrics.EVENTS_CONSUMED, metrics.EVENTS_FAILED,
                                       metrics.EVENTS_RETRIED, metrics.EVENTS_DEAD_LETTERED, metrics.EVENT_DURATION,
                                       metrics.QUEUE_MESSAGES, metrics.EVENT_TO_REPORT_LAG, metrics.JOB_DURATION)
                for family in collector.describe() for name in
                (family.name, family.name + "_total", family.name + "_bucket", family.name + "_count")}
    used = {name for panel in dashboard["panels"] for target in panel["targets"]
            for name in re.findall(r"\b(mooc_[a-z_]+)", target["expr"])}
    assert used and used <= exported, used - exported
    assert all(name.startswith("mooc_") for name in used)


def test_tracing_is_off_without_an_otlp_endpoint():
    from mooc_common.infra import tracing

    assert not tracing.enabled_by_env({})
    assert tracing.configure("nothing-configured", env={}) is None
    assert tracing.enabled_by_env({"OTEL_EXPORTER_OTLP_ENDPOINT": "http://collector:4318"})
    assert tracing.from_amqp_headers({"nameko.traceparent": "00-ab-cd-01"})["traceparent"] == "00-ab-cd-01"
