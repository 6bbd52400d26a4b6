"""Outage handling without a broker: where a failed message goes (FailurePolicy.decide, a pure
decision) and an RPC reply that meets a broker outage (rpc_replies)."""
import sys

import pymongo.errors
from nameko.exceptions import RemoteError

from mooc_common.infra.events import (ATTEMPTS_HEADER, EventInFlight, FailurePolicy, PermanentEventError,
                                      TransientEventError)
from mooc_common.infra.outages import is_outage

CONFIG = {"AMQP_URI": "amqp://guest:guest@127.0.0.1:1/", "EVENT_MAX_ATTEMPTS": "3",
          "EVENT_RETRY_DELAY_MS": "1000", "EVENT_RETRY_MAX_DELAY_MS": "8000",
          "EVENT_OUTAGE_RETRY_SECONDS": "600"}


def _exc_info(exc):
    try:
        raise exc
    except Exception:
        return sys.exc_info()


def _policy():
    return FailurePolicy(CONFIG, "probe", "probe.queue")


def _follow(policy, exc, start=1000.0, step=1.0, limit=10_000):
    """Fail the same message again and again, ``step`` seconds apart: the targets it went to."""
    headers, targets, now = {}, [], start
    for _ in range(limit):
        target, headers = policy.decide(headers, _exc_info(exc), now=now)
        targets.append(target.name)
        if target is policy.dead_letter_queue:
            return targets, headers, now
        now += step
    raise AssertionError("never dead-lettered")


def test_a_failure_of_the_message_itself_backs_off_then_dead_letters_after_max_attempts():
    policy = _policy()
    targets, headers, _ = _follow(policy, RuntimeError("bad data"))
    assert targets == ["probe.queue.retry.1000ms", "probe.queue.retry.2000ms", "dead-letter.probe"]
    assert headers[ATTEMPTS_HEADER] == 3 and headers["x-mooc-original-queue"] == "probe.queue"
    assert "bad data" in headers["x-mooc-error"]


def test_a_malformed_message_is_dead_lettered_at_once():
    targets, _, _ = _follow(_policy(), PermanentEventError("not an event"))
    assert targets == ["dead-letter.probe"]


def test_an_outage_is_retried_with_capped_backoff_for_the_whole_outage_window():
    policy = _policy()
    for outage in (pymongo.errors.ServerSelectionTimeoutError("store down"), ConnectionRefusedError(),
                   RemoteError("AutoReconnect", "store down in the other service")):
        targets, headers, dead_at = _follow(policy, outage, start=1000.0, step=7.0)
        assert dead_at - 1000.0 >= 600  # at least the window (10 minutes here), never fewer attempts
        delays = [int(name.rsplit(".", 1)[1][:-2]) for name in targets[:-1]]
        assert delays[:5] == [1000, 2000, 4000, 8000, 8000] and max(delays) == 8000
        assert headers[ATTEMPTS_HEADER] == len(targets)


def test_a_claim_in_flight_is_retried_at_the_base_delay_until_taken_over():
    policy = _policy()
    targets, _, dead_at = _follow(policy, EventInFlight("held by a crashed worker"), step=2.0)
    assert set(targets[:-1]) == {"probe.queue.retry.1000ms"} and dead_at - 1000.0 >= 600


def test_own_failures_count_apart_from_outages():
    """A message that failed during an outage still gets its full own-failure budget after."""
    policy = _policy()
    headers = {}
    for _ in range(5):
        _, headers = policy.decide(headers, _exc_info(TransientEventError("not yet")), now=1000.0)
    target, headers = policy.decide(headers, _exc_info(RuntimeError("bug")), now=1001.0)
    assert target is not policy.dead_letter_queue
    target, headers = policy.decide(headers, _exc_info(RuntimeError("bug")), now=1002.0)
    assert target is not policy.dead_letter_queue
    target, headers = policy.decide(headers, _exc_info(RuntimeError("bug")), now=1003.0)
    assert target is policy.dead_letter_queue


def test_only_infrastructure_errors_count_as_outages():
    assert is_outage(pymongo.errors.AutoReconnect("x")) and is_outage(TimeoutError())
    assert is_outage(RemoteError("ServerSelectionTimeoutError", "x"))
    assert not is_outage(RemoteError("NotFound", "x")) and not is_outage(ValueError("x"))
    assert not is_outage(FileNotFoundError("x"))


def test_an_rpc_reply_that_meets_a_broker_outage_is_dropped_not_fatal():
    from nameko import rpc
    from mooc_common.infra import service_base  # noqa: F401 (installs the publisher)
    from mooc_common.infra.rpc_replies import OutageTolerantReplyPublisher
    assert rpc.Responder.publisher_cls is OutageTolerantReplyPublisher
    unreachable = OutageTolerantReplyPublisher("amqp://guest:guest@127.0.0.1:1/")
    assert unreachable.publish({"result": 1, "error": None}, routing_key="reply", retry=False) is None
