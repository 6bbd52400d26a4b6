"""Pure rules of notifications: the year-end calendar, rates, addresses, links."""
import datetime as dt

import pytest

from services.notifications import domain


@pytest.mark.parametrize("day, step", [
    (dt.date(2026, 11, 30), None), (dt.date(2026, 12, 1), "reminder_1"), (dt.date(2026, 12, 7), "reminder_1"),
    (dt.date(2026, 12, 8), "reminder_8"), (dt.date(2026, 12, 13), "reminder_8"),
    (dt.date(2026, 12, 14), "reminder_14"), (dt.date(2026, 12, 15), "reminder_14"),
    (dt.date(2026, 12, 16), "overdue"), (dt.date(2026, 12, 31), "overdue"), (dt.date(2027, 1, 2), None)])
def test_the_step_due_on_each_day(day, step):
    assert domain.year_end_step(day) == step


def test_days_left_counts_to_the_fifteenth():
    assert domain.days_left(dt.date(2026, 12, 1)) == 14
    assert domain.days_left(dt.date(2026, 12, 14)) == 1


def _tenant(tenant_id, status="active"):
    return {"tenant_id": tenant_id, "code": tenant_id.upper(), "name": f"Tỉnh {tenant_id}", "status": status,
            "focal_contact": {"full_name": "Đầu mối", "email": f"focal@{tenant_id}.gov.vn"}}


def test_the_plan_skips_submitted_and_suspended_tenants():
    tenants = [_tenant("a"), _tenant("b"), _tenant("c", status="suspended")]
    step, plan, missing = domain.year_end_plan(dt.date(2026, 12, 8), tenants, submitted={"b"})
    assert step == "reminder_8"
    assert [t["tenant_id"] for t, _ in plan] == ["a"]
    assert [t["tenant_id"] for t in missing] == ["a"]
    assert domain.year_end_plan(dt.date(2026, 11, 8), tenants, set()) == (None, [], [])


def test_recipients_are_the_focal_contact_by_address_and_admins_by_id():
    tenant = dict(_tenant("a"), admin_ids=["u2", "u1", "u2"])
    tenant["focal_contact"]["email"] = " FOCAL@a.gov.vn "
    recipients = domain.recipients_of(tenant)
    assert [(r["user_id"], r["email"]) for r in recipients] == [(None, "focal@a.gov.vn"), ("u1", None), ("u2", None)]
    assert domain.recipients_of(dict(_tenant("b"), focal_contact={})) == []


def test_mail_ids_and_message_ids_are_deterministic():
    first = domain.mail_id(domain.ENROLLED, "event-1", "user-1")
    assert first == domain.mail_id(domain.ENROLLED, "event-1", "user-1") != domain.mail_id(domain.ENROLLED, "event-1", "user-2")
    assert domain.message_id(first, "mooc.local") == domain.message_id(first, "mooc.local")
    assert domain.message_id(first, "mooc.local").endswith("@mooc.local>")


@pytest.mark.parametrize("address, ok", [
    ("hoc.vien@so-tttt.hanoi.gov.vn", True), ("a@b", False), ("no-at-sign", False), ("", False), (None, False),
    ("a@b.vn\r\nBcc: x@y.vn", False), ("a\x00@b.vn", False), ("x" * 250 + "@b.vn", False)])
def test_addresses_are_validated(address, ok):
    assert domain.valid_address(address) is ok


def test_backoff_doubles_and_is_capped():
    assert [domain.backoff(a, 2, 10) for a in (1, 2, 3, 4, 5)] == [2, 4, 8, 10, 10]


def test_links_go_to_the_web_app_pages():
    assert domain.activation_link("https://mooc.gov.vn/", "nguyen.van.a", "ABC DEF") == \
        "https://mooc.gov.vn/activate?username=nguyen.van.a&code=ABC+DEF"
    assert domain.verification_link("https://mooc.gov.vn", "K3Y/1") == "https://mooc.gov.vn/verify/K3Y%2F1"


def test_the_token_bucket_never_exceeds_its_rate():
    bucket, clock, sent = domain.TokenBucket(rate=10, burst=10, now=0.0), 0.0, 0
    while clock < 10.0:
        wait = bucket.wait_time(clock)
        if wait:
            clock += wait
        else:
            sent += 1
    assert sent <= 10 + 10 * 10 + 1  # the burst, then the rate


def test_the_recipient_window_defers_and_then_allows():
    window = domain.RecipientWindow(limit=2, window_s=60)
    assert window.next_allowed("k", 0) == 0
    window.record("k", 0)
    window.record("k", 1)
    assert window.next_allowed("k", 2) == 60  # the oldest one leaves the window at 60
    assert window.next_allowed("other", 2) == 0
    assert window.next_allowed("k", 60.5) == 0
