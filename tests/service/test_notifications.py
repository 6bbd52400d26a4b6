"""Notifications at the service layer (services/notifications/service.py over the real store;
accounts' RPC and the dispatcher's settings are fakes; sending is the dispatcher's, covered
with a real SMTP server in tests/e2e). The mail outbox: an event queues its mail once, a
redelivery or an activation chunk handed over again queues nothing new. The year-end
schedule (``run_year_end``, what the daily timer runs): reminders go to the tenants that have
not submitted (focal contact and admins), the operator gets the list of those missing, each
step once however often it runs (also two runs at once), accounts is not asked again once
a step is done, and nothing outside December. The failure log is read by the tenant's
admins and the operator only."""
import datetime as dt
from types import SimpleNamespace

import eventlet
import pytest

from mooc_common.contracts import mail_handover
from mooc_common.contracts.errors import NotFound, PermissionDenied
from mooc_common.contracts.events.accounts import TENANT_CREATED, USER_REGISTERED
from mooc_common.contracts.events.courses import COURSE_SUMMARY_PUBLISHED, ENROLLMENT_CREATED, INTAKE_OPENED
from mooc_common.contracts.events.reports import YEAR_END_REPORT_SUBMITTED
from services.notifications import domain
from services.notifications.enrollment_mails import FORMER_HANDLER, queue_enrollment_mails
from services.notifications.service import NotificationsService
from services.notifications.storage import NotificationsStore
from tests.service.conftest import delivered

pytestmark = pytest.mark.service

T0 = dt.datetime(2026, 11, 20, 8, tzinfo=dt.timezone.utc)
LAI_CHAU, HA_GIANG = "a" * 32, "b" * 32
ADMIN_ID, LEARNER_ID = "c" * 32, "d" * 32
OPERATOR_EMAIL = "van.hanh@mooc.gov.vn"


class FakeAccounts:
    def __init__(self):
        self.asked = 0

    def tenant_mail_contacts(self):
        self.asked += 1
        return [{"tenant_id": tenant_id, "name": f"Tỉnh {code}", "code": code, "status": "active",
                 "focal_contact": {"full_name": f"Đầu mối {code}", "email": f"dau.moi@{code.lower()}.gov.vn"}}
                for tenant_id, code in ((LAI_CHAU, "LCU"), (HA_GIANG, "HGI"))]


def _tenant_created(tenant_id, code):
    return delivered(TENANT_CREATED, {"tenant_id": tenant_id, "code": code, "name": f"Tỉnh {code}",
                                      "kind": "province", "learner_quota": 1000, "storage_quota_bytes": 10 ** 9,
                                      "status": "active"}, tenant_id, T0)


@pytest.fixture
def notifications(service_worker):
    accounts = FakeAccounts()
    settings = SimpleNamespace(public_base_url="https://hoc.example.gov.vn/", operator_email=OPERATOR_EMAIL)
    worker, _ = service_worker(NotificationsService, NotificationsStore, accounts=accounts,
                               dispatcher=SimpleNamespace(settings=settings, stats={"sent": 0}))
    worker.on_tenant_created(_tenant_created(LAI_CHAU, "LCU"))
    worker.on_tenant_created(_tenant_created(HA_GIANG, "HGI"))
    worker.on_user_registered(delivered(USER_REGISTERED, {"user_id": ADMIN_ID, "tenant_id": LAI_CHAU,
                                                          "role": "tenant_admin", "unit_id": None, "category": None,
                                                          "status": "active"}, LAI_CHAU, T0))
    return worker, accounts


def _queued(worker, kind):
    return sorted(worker.store.outbox.find({"kind": kind}), key=lambda m: m["_id"])


def test_an_event_queues_its_mail_once_and_a_chunk_handed_over_again_nothing_new(notifications):
    worker, _ = notifications
    worker.on_course_catalogued(delivered(COURSE_SUMMARY_PUBLISHED, {
        "course_id": "e" * 32, "code": "ATTT", "title": "An toàn thông tin", "owner_tenant_id": LAI_CHAU,
        "status": "published", "revision": 1}, LAI_CHAU, T0))
    enrolled = delivered(ENROLLMENT_CREATED, {
        "enrollment_id": "f" * 32, "course_id": "e" * 32, "course_owner_tenant_id": LAI_CHAU, "intake_id": None,
        "learner_id": LEARNER_ID, "unit_id": None, "category": "cadre", "enrolled_at": T0}, LAI_CHAU, T0)
    queue_enrollment_mails(worker.store, [ENROLLMENT_CREATED.parse(enrolled)])
    queue_enrollment_mails(worker.store, [ENROLLMENT_CREATED.parse(enrolled)] * 2)  # redelivered
    (mail,) = _queued(worker, domain.ENROLLED)
    assert mail["user_id"] == LEARNER_ID and mail["to"] is None  # the address is asked when sending
    assert mail["context"]["course_title"] == "An toàn thông tin" and mail["context"]["tenant_name"] == "Tỉnh LCU"

    chunk = mail_handover.activation_message(LAI_CHAU, "job1", 1, T0 + dt.timedelta(days=30), [
        {"user_id": f"{n}" * 32, "email": f"hv{n}@laichau.gov.vn", "full_name": f"Học viên {n}",
         "username": f"hv.{n}", "locale": "vi", "code": f"CODE{n}"} for n in range(1, 4)])
    worker.on_activation_mails(chunk)
    worker.on_activation_mails(chunk)  # handed over again (a redone import batch)
    activations = _queued(worker, domain.ACTIVATION)
    assert [(m["to"], m["context"]["code"]) for m in activations] == [
        (f"hv{n}@laichau.gov.vn", f"CODE{n}") for n in range(1, 4)]
    assert worker.outbox_status() == {"queued": 4, "sent": 0}


def test_a_batch_of_enrollments_queues_one_mail_each_with_its_course_intake_and_tenant(notifications):
    """An assignment's events come in batches (enrollment_mails.py): each distinct course,
    intake and tenant is read once, and a learner of an unknown tenant still gets the mail."""
    worker, _ = notifications
    worker.on_course_catalogued(delivered(COURSE_SUMMARY_PUBLISHED, {
        "course_id": "e" * 32, "code": "CDS", "title": "Chuyển đổi số", "owner_tenant_id": None,
        "status": "published", "revision": 1}, None, T0))
    worker.on_intake_opened(delivered(INTAKE_OPENED, {
        "intake_id": "i" * 32, "course_id": "e" * 32, "course_owner_tenant_id": None, "name": "Đợt 1",
        "enroll_from": T0, "enroll_until": T0 + dt.timedelta(days=9), "starts_on": dt.date(2026, 12, 1),
        "ends_on": dt.date(2026, 12, 31)}, None, T0))
    batch = [ENROLLMENT_CREATED.parse(delivered(ENROLLMENT_CREATED, {
        "enrollment_id": f"{n:032d}", "course_id": "e" * 32, "course_owner_tenant_id": None,
        "intake_id": "i" * 32 if n % 2 else None, "learner_id": f"{n:031d}L", "unit_id": None, "category": None,
        "enrolled_at": T0}, tenant, T0)) for n, tenant in enumerate([LAI_CHAU, HA_GIANG, "9" * 32] * 4)]
    queue_enrollment_mails(worker.store, batch)
    mails = {m["user_id"]: m["context"] for m in _queued(worker, domain.ENROLLED)}
    assert len(mails) == 12 and {c["course_title"] for c in mails.values()} == {"Chuyển đổi số"}
    assert mails[f"{1:031d}L"] == {"course_title": "Chuyển đổi số", "intake_name": "Đợt 1",
                                   "starts_on": "2026-12-01", "ends_on": "2026-12-31", "tenant_name": "Tỉnh HGI"}
    assert mails[f"{0:031d}L"]["intake_name"] is None and mails[f"{0:031d}L"]["tenant_name"] == "Tỉnh LCU"
    assert mails[f"{2:031d}L"]["tenant_name"] == ""  # a tenant not known yet


def test_the_former_enrollment_handler_queue_is_named_as_nameko_named_it():
    assert FORMER_HANDLER == (ENROLLMENT_CREATED,
                              "evt-courses-courses.enrollment.created.v1--notifications.on_enrollment_created")


def test_year_end_reminders_reach_the_tenants_that_have_not_submitted_once_per_step(notifications):
    worker, accounts = notifications
    worker.on_year_end_submitted(delivered(YEAR_END_REPORT_SUBMITTED, {
        "tenant_id": HA_GIANG, "year": 2026, "version": 1, "content_sha256": "0" * 64, "submitted_by": "x",
        "submitted_at": T0}, HA_GIANG, T0))
    assert worker.run_year_end("2026-11-30")["step"] is None and accounts.asked == 0  # not December yet

    runs = list(eventlet.GreenPool(2).imap(worker.run_year_end, ["2026-12-01", "2026-12-01"]))  # timer and RPC at once
    assert sum(r["queued"] for r in runs) == 3 and {r["step"] for r in runs} == {"reminder_1"}
    reminders = _queued(worker, domain.YEAR_END_REMINDER)
    assert {(m["tenant_id"], m["user_id"], m["to"]) for m in reminders} == {
        (LAI_CHAU, None, "dau.moi@lcu.gov.vn"), (LAI_CHAU, ADMIN_ID, None)}  # Hà Giang submitted
    assert reminders[0]["context"]["days_left"] == 14
    (summary,) = _queued(worker, domain.YEAR_END_SUMMARY)
    assert summary["to"] == OPERATOR_EMAIL and summary["context"]["missing"] == [{"name": "Tỉnh LCU", "code": "LCU"}]

    asked = accounts.asked
    assert worker.run_year_end("2026-12-05")["queued"] == 0  # the same step, already sent
    assert accounts.asked == asked  # decided from the ledger alone

    overdue = worker.run_year_end("2026-12-16")
    assert (overdue["step"], overdue["tenants"], overdue["missing"]) == ("overdue", 1, 1)
    assert len(_queued(worker, domain.YEAR_END_OVERDUE)) == 2


def test_the_failure_log_is_read_by_the_tenants_admins_and_the_operator_only(notifications):
    worker, _ = notifications
    query = {"offset": 0, "limit": 20}
    admin = {"user_id": ADMIN_ID, "role": "tenant_admin", "tenant_id": LAI_CHAU}
    assert worker.list_failures(admin, LAI_CHAU, query)["total"] == 0
    assert worker.list_failures({"user_id": "op", "role": "operator_admin", "tenant_id": None}, LAI_CHAU,
                                query)["total"] == 0
    with pytest.raises(NotFound):
        worker.list_failures({"user_id": "x", "role": "tenant_admin", "tenant_id": HA_GIANG}, LAI_CHAU, query)
    with pytest.raises(PermissionDenied):
        worker.list_failures({"user_id": LEARNER_ID, "role": "learner", "tenant_id": LAI_CHAU}, LAI_CHAU, query)
    with pytest.raises(NotFound):  # a tenant notifications has never heard of
        worker.list_failures({"user_id": "op", "role": "operator_admin", "tenant_id": None}, "9" * 32, query)
