"""Pure rules of the integrations edge: endpoints, grants, backoff, signatures."""
import datetime as dt
import re

import pytest

from mooc_common.contracts.errors import ValidationFailed
from services.integrations import domain, routing

A, B = "a" * 32, "b" * 32
TYPE = "progress.course.completed.v1"


@pytest.mark.parametrize("url", ["https://hr.example.gov.vn/hooks", "https://8.8.8.8/x"])
def test_public_https_endpoints_are_accepted(url):
    assert domain.check_endpoint(url) == url


@pytest.mark.parametrize("url", ["http://hr.example.gov.vn/x", "https://10.0.0.5/x", "https://127.0.0.1/x",
                                 "https://169.254.169.254/latest", "https://localhost/x",
                                 "https://user:pw@hr.example.gov.vn/x", "ftp://x", "http://127.0.0.1:8080/x"])
def test_plain_http_private_and_credentialed_endpoints_are_refused(url):
    with pytest.raises(ValidationFailed):
        domain.check_endpoint(url)


@pytest.mark.parametrize("url, reason", [
    ("https://hr.example.gov.vn@/x", "must be an https:// URL without credentials"),
    ("https://intranet/x", "must be a public host"), ("https://hr.svc.cluster.local/x", "must be a public host"),
    ("https://0x7f.0.0.1/x", "must be a public address"), ("https://[::ffff:10.0.0.1]/x", "must be a public address")])
def test_a_refused_endpoint_says_why(url, reason):
    with pytest.raises(ValidationFailed) as refused:
        domain.check_endpoint(url)
    assert refused.value.errors == {"url": [reason]}


def test_loopback_http_only_with_the_flag():
    assert domain.check_endpoint("http://127.0.0.1:8080/x", allow_loopback_http=True)
    with pytest.raises(ValidationFailed):
        domain.check_endpoint("http://10.0.0.1:8080/x", allow_loopback_http=True)


def test_topic_read_pattern_admits_exact_granted_keys_only():
    pattern = re.compile(routing.topic_read_pattern([A, routing.PLATFORM_KEY], [TYPE]))
    assert pattern.match(f"{A}.{TYPE}") and pattern.match(f"platform.{TYPE}")
    for key in (f"{B}.{TYPE}", "#", f"*.{TYPE}", f"{A}.#", f"{A}.progress.course.completed.v1x",
                f"{A}x.{TYPE}", f"{A}.progress.lesson.completed.v1"):
        assert not pattern.match(key), key


def test_backoff_doubles_with_jitter_and_is_capped():
    delays = [domain.backoff(n, 1000, 60_000, rand=lambda: 0.5).total_seconds() for n in range(1, 9)]
    assert delays == [1, 2, 4, 8, 16, 32, 60, 60]
    assert domain.backoff(1, 1000, 60_000, rand=lambda: 0.0).total_seconds() == 0.8


def test_signature_verifies_and_rejects_tampering_and_old_timestamps():
    body = '{"name":"Tỉnh Hà Giang"}'
    header = domain.signature_header(["s1", "s0"], "1700000000", body)
    assert domain.verify("s1", "1700000000", body, header, now=1700000010)
    assert domain.verify("s0", "1700000000", body, header, now=1700000010)
    assert not domain.verify("s2", "1700000000", body, header, now=1700000010)
    assert not domain.verify("s1", "1700000000", body + " ", header, now=1700000010)
    assert not domain.verify("s1", "1700000000", body, header, now=1700009999)


def test_previous_secret_signs_only_during_its_grace_period():
    now = dt.datetime(2026, 11, 23, tzinfo=dt.timezone.utc)
    sub = {"secret": "new", "previous_secret": "old", "previous_secret_until": now + dt.timedelta(seconds=5)}
    assert domain.secrets_in_force(sub, now) == ["new", "old"]
    assert domain.secrets_in_force(sub, now + dt.timedelta(seconds=6)) == ["new"]


def test_replay_walks_every_hour_of_the_window():
    since = dt.datetime(2026, 11, 23, 8, 30, tzinfo=dt.timezone.utc)
    assert list(domain.hours_between(since, since + dt.timedelta(hours=2))) == [
        "2026112308", "2026112309", "2026112310"]
