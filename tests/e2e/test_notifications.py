"""Notifications end to end: the real broker, store and local SMTP server (mail read back
from the platform's mail directory)."""
import collections
import datetime as dt
import secrets
import urllib.parse
import uuid

import pymongo
import pytest
from nameko.standalone.events import event_dispatcher

from api_client import ApiClient, ApiError
from mooc_common.contracts.events.reports import YEAR_END_REPORT_SUBMITTED
from tests.e2e.courses_fixtures import finished_job, published_course
from tests.e2e.notifications_fixtures import API, Mailbox, csv_upload, link_in, rpc
from tests.polling import eventually

pytestmark = pytest.mark.e2e


class Tenant:
    """A tenant with a unit, an admin and an instructor, all with their own addresses."""

    def __init__(self, platform, operator, learner_quota=None):
        self.platform, self.operator = platform, operator
        self.code = "N" + secrets.token_hex(4).upper()
        self.focal_email = f"focal.{self.code.lower()}@example.vn"
        quota = {"learner_quota": learner_quota} if learner_quota else {}  # else the default (20,000)
        self.tenant = operator.post(f"{API}/tenants", {
            "code": self.code, "name": f"Sở Thông tin và Truyền thông {self.code}", "kind": "province",
            "focal_contact": {"full_name": "Lê Thị Thu", "mobile": "0912345678", "email": self.focal_email}, **quota})
        self.id = self.tenant["tenant_id"]
        self.unit = operator.post(f"{API}/tenants/{self.id}/units", {"code": "SO-TT", "name": "Sở TT&TT"})
        self.admin_email = f"admin.{self.code.lower()}@example.vn"
        self.admin = self.user("tenant_admin", email=self.admin_email)[1]
        self.instructor = self.user("instructor")[1]

    def user(self, role="learner", **fields):
        username, password = f"{role[:5]}.{secrets.token_hex(4)}", "Mk" + secrets.token_urlsafe(12) + "7"
        body = {"username": username, "full_name": "Phạm Minh Châu", "email": f"{username}@example.vn",
                "role": role, "password": password, "unit_id": self.unit["unit_id"]}
        if role == "learner":
            body["category"] = "civil_servant"
        body.update(fields)
        user = self.operator.post(f"{API}/tenants/{self.id}/users", body)
        return user, ApiClient(self.platform.base_url).signed_in(username, password)

    def import_learners(self, prefix, count, email=lambda i, u: f"{u}@example.vn"):
        rows = [[f"{prefix}.{i}", f"Nguyễn Thị Hồng {i}", email(i, f"{prefix}.{i}") or "",
                 "" if email(i, f"{prefix}.{i}") else "0912345678", "SO-TT", "public_employee", ""]
                for i in range(count)]
        job = csv_upload(self.admin, self.id, rows)
        done = eventually(lambda: (lambda j: j if j["state"] in ("done", "failed") else None)(
            self.admin.get(f"{API}/imports/{job['job_id']}")), timeout=120)
        assert done["state"] == "done", done
        return done, rows


@pytest.fixture(scope="module")
def mailbox(platform):
    return Mailbox(platform.mail_dir)


@pytest.fixture(scope="module")
def notifications_db(platform):
    client = pymongo.MongoClient(platform.env["MONGO_URI"])
    return client[f"{platform.env['MONGO_DB_PREFIX']}notifications"]


def test_an_import_sends_one_activation_mail_per_learner_with_an_email_and_a_working_code(
        platform, operator, mailbox):
    t = Tenant(platform, operator)
    prefix = "act" + secrets.token_hex(3)
    job, rows = t.import_learners(prefix, 3, email=lambda i, u: None if i == 2 else f"{u}@example.vn")
    addresses = {rows[0][2], rows[1][2]}
    mails = eventually(lambda: (lambda m: m if len(m) == 2 else None)(
        mailbox.mails("activation", to=addresses)), timeout=60)
    assert {m.to for m in mails} == addresses
    first = next(m for m in mails if m.to == rows[0][2])
    assert "Kích hoạt tài khoản" in first.subject and t.tenant["name"] in first.subject  # Vietnamese by default
    link = urllib.parse.urlsplit(link_in(first.text, "/activate?"))
    query = dict(urllib.parse.parse_qsl(link.query))
    assert link.path == "/activate" and query["username"] == rows[0][0]
    assert query["code"] in first.html
    # the outbox row carried the code until the mail was sent; it goes right after (history
    # first), and the history never holds it
    eventually(lambda: query["code"] not in str(notifications_outbox(platform)), timeout=30)

    anonymous = ApiClient(platform.base_url)
    password = "Mật khẩu thật dài 2026"
    assert anonymous.post(f"{API}/auth/activate", {"code": query["code"], "password": password})["activated"]
    assert anonymous.signed_in(rows[0][0], password)
    # the password change is announced to the learner, and the import's end to its admin
    eventually(lambda: mailbox.mails("password_changed", to={rows[0][2]}), timeout=60)
    finished = eventually(lambda: mailbox.mails("import_finished", to={t.admin_email}), timeout=60)
    assert "3" in finished[0].text and job["job_id"] in finished[0].text
    # the learner without an address gets no mail (the admin's CSV still has the code)
    assert not [m for m in mailbox.mails("activation") if rows[2][0] in m.text]


def notifications_outbox(platform):
    client = pymongo.MongoClient(platform.env["MONGO_URI"])
    db = client[f"{platform.env['MONGO_DB_PREFIX']}notifications"]
    return list(db["outbox"].find({})) + list(db["mails"].find({}))


@pytest.mark.timeout(900)  # 1,200 mails behind the session's earlier mail, on a shared 2-core machine
def test_an_assignment_of_600_learners_sends_600_mails_within_the_rate_and_none_twice_after_a_crash(
        platform, operator, mailbox):
    """600 learners cross the dispatcher's boundaries (reads of 200 due mails, accounts
    lookups of 500, one 5 s run = 500 mails at the tests' 100/s) and leave seconds of mail
    after the crash; the mails of a 40,000-learner assignment are timed by
    bench/notifications_send.py (``make bench``'s scale scenarios), not here."""
    t = Tenant(platform, operator)
    prefix = "asg" + secrets.token_hex(3)
    count = 600
    _, rows = t.import_learners(prefix, count)
    addresses = {r[2] for r in rows}
    course = published_course(t.admin)
    job = t.admin.post(f"{API}/courses/{course['course_id']}/assignments", {"unit_id": t.unit["unit_id"]},
                       expect=(202,))
    eventually(lambda: finished_job(t.admin, job["job_id"]), timeout=600, interval=1)
    # crash the notifications service once some of the mails went out, then start it again
    eventually(lambda: len(mailbox.mails("enrolled", to=addresses)) >= 100, timeout=600, interval=0.5)
    platform.kill("notifications")
    crashed_at = len(mailbox.mails("enrolled", to=addresses))
    platform.start()
    mails = eventually(lambda: (lambda m: m if len(m) >= count else None)(mailbox.mails("enrolled", to=addresses)),
                       timeout=600, interval=1)
    assert crashed_at < count
    per_learner = collections.Counter(m.to for m in mails)
    assert set(per_learner) == addresses and set(per_learner.values()) == {1}
    assert all(course["title"] in m.text for m in mails)
    # every delivery of the same message carries the same Message-ID; only the mails in flight
    # at the crash (at most 16: 4 connections x 4 mails in hand each) may have been delivered twice
    deliveries = collections.Counter(mid for _, mid in mailbox.deliveries("enrolled"))
    ours = {m.message_id for m in mails}
    assert sum(deliveries[mid] for mid in ours) - count <= 16
    # the global rate (100/s in the tests, bursts of 100): never more than 200 in any second
    per_second = collections.Counter(stamp[:19] for stamp, _ in mailbox.deliveries())
    assert max(per_second.values()) <= 200


def _summary_for(mailbox, step):
    return [m for m in mailbox.mails("year_end_summary") if f"({step})" in m.subject]


def test_year_end_reminders_fire_on_their_dates_once_each_and_only_for_tenants_that_have_not_submitted(
        platform, operator, mailbox, notifications_db):
    late, punctual = Tenant(platform, operator), Tenant(platform, operator)
    dispatch = event_dispatcher({"AMQP_URI": platform.env["AMQP_URI"]})
    dispatch("reports", YEAR_END_REPORT_SUBMITTED.type, YEAR_END_REPORT_SUBMITTED.build({
        "tenant_id": punctual.id, "year": 2026, "version": 1, "content_sha256": "0" * 64,
        "submitted_by": "someone", "submitted_at": dt.datetime(2026, 11, 20, tzinfo=dt.timezone.utc)}, punctual.id))
    # the service knows both tenants and the submission (replicas fed by events)
    eventually(lambda: notifications_db["submissions"].find_one({"_id": f"{punctual.id}:2026"}) and
               notifications_db["tenants"].find_one({"_id": late.id}) and
               notifications_db["tenant_admins"].find_one({"tenant_id": late.id}))
    assert rpc(platform, "notifications", "run_year_end", "2026-11-30")["step"] is None
    late_people = {late.focal_email, late.admin_email}
    punctual_people = {punctual.focal_email, punctual.admin_email}

    def reminders(step_subject):
        return [m for m in mailbox.mails(to=late_people | punctual_people) if step_subject(m)]

    expected = {}
    for day, step, kind in [("2026-12-01", "reminder_1", "year_end_reminder"), ("2026-12-08", "reminder_8", "year_end_reminder"),
                            ("2026-12-14", "reminder_14", "year_end_reminder"), ("2026-12-16", "overdue", "year_end_overdue")]:
        for _ in range(2):  # a second run on the same day (a restart) sends nothing more
            rpc(platform, "notifications", "run_year_end", day)
        rpc(platform, "notifications", "run_year_end", (dt.date.fromisoformat(day) + dt.timedelta(days=1)).isoformat())
        expected[step] = eventually(lambda: (lambda m: m if len(m) == 2 * len(expected) + 2 else None)(
            mailbox.mails(to=late_people)), timeout=60)
        assert not mailbox.mails(to=punctual_people - {punctual.admin_email}), "a tenant that submitted was reminded"
    mails = mailbox.mails(to=late_people)
    kinds = collections.Counter((m.to, m.kind) for m in mails)
    assert kinds == {(late.focal_email, "year_end_reminder"): 3, (late.admin_email, "year_end_reminder"): 3,
                     (late.focal_email, "year_end_overdue"): 1, (late.admin_email, "year_end_overdue"): 1}
    days_left = sorted(m.subject for m in mails if m.to == late.focal_email and m.kind == "year_end_reminder")
    assert any("còn 14 ngày" in s for s in days_left) and any("còn 1 ngày" in s for s in days_left)
    # the operator's summary (once per step) lists the late tenant and not the punctual one
    summary = eventually(lambda: _summary_for(mailbox, "reminder_8"), timeout=60)
    assert len(summary) == 1 and late.code in summary[0].text and punctual.code not in summary[0].text
    # and each mail was delivered once (a repeated delivery keeps its file: count the log)
    deliveries = collections.Counter(mid for _, mid in mailbox.deliveries())
    assert {deliveries[m.message_id] for m in mails + summary} == {1}


def test_an_smtp_outage_delays_mail_but_loses_none(platform, operator, mailbox):
    t = Tenant(platform, operator)
    platform.kill("mailsink")
    try:
        _, rows = t.import_learners("out" + secrets.token_hex(3), 5)
        eventually(lambda: rpc(platform, "notifications", "outbox_status")["queued"] >= 5, timeout=60)
        assert not mailbox.mails("activation", to={r[2] for r in rows})
    finally:
        platform.start()  # the SMTP server comes back
    mails = eventually(lambda: (lambda m: m if len(m) == 5 else None)(
        mailbox.mails("activation", to={r[2] for r in rows})), timeout=120)
    assert len({m.to for m in mails}) == 5
    assert t.admin.get(f"{API}/tenants/{t.id}/notifications")["items"] == []


def test_bounces_are_logged_for_the_tenant_admin_only_and_opt_out_and_english_are_respected(
        platform, operator, mailbox, notifications_db):
    a, b = Tenant(platform, operator), Tenant(platform, operator)
    bouncing = a.user(email=f"nobody.{secrets.token_hex(3)}@bounce.test")[0]
    quiet, quiet_client = a.user()
    english = a.user(locale="en")[0]
    assert quiet_client.request("PUT", f"{API}/me/notification-preferences", json={"opt_out": True})["opt_out"] is True
    with pytest.raises(ApiError) as err:
        quiet_client.request("PUT", f"{API}/me/notification-preferences", json={"opt_out": "sometimes"})
    assert err.value.status == 422
    course = published_course(a.admin)
    for learner in (bouncing, quiet, english):
        a.admin.post(f"{API}/courses/{course['course_id']}/enrollments", {"learner_id": learner["user_id"]})

    english_mail = eventually(lambda: mailbox.mails("enrolled", to={english["email"]}), timeout=60)[0]
    assert english_mail.subject.startswith(f"[{a.tenant['name']}] You are enrolled")
    failures = eventually(lambda: a.admin.get(f"{API}/tenants/{a.id}/notifications")["items"], timeout=60)
    assert [(f["kind"], f["user_id"]) for f in failures] == [("enrolled", bouncing["user_id"])]
    assert failures[0]["error"].startswith("bounced") and failures[0]["address"] == bouncing["email"]
    skipped = eventually(lambda: notifications_db["mails"].find_one({"user_id": quiet["user_id"], "kind": "enrolled"}))
    assert skipped["state"] == "skipped" and skipped["reason"] == "opted_out"
    assert not mailbox.mails("enrolled", to={quiet["email"]})

    # tenant isolation: another tenant's admin sees 404, a learner 403, the operator sees it
    assert b.admin.get(f"{API}/tenants/{a.id}/notifications", expect=(404,))["code"] == "not_found"
    assert b.admin.get(f"{API}/tenants/{b.id}/notifications")["items"] == []
    assert quiet_client.get(f"{API}/tenants/{a.id}/notifications", expect=(403,))["code"] == "permission_denied"
    assert operator.get(f"{API}/tenants/{a.id}/notifications")["items"][0]["user_id"] == bouncing["user_id"]
    assert operator.get(f"{API}/tenants/unknown-tenant/notifications", expect=(404,))["code"] == "not_found"
    assert a.admin.get(f"{API}/tenants/{a.id}/notifications", params={"limit": 500}, expect=(422,))["code"] == \
        "validation_failed"


def test_a_completed_course_mails_the_certificate_with_a_verification_link_that_works(
        platform, operator, mailbox, anonymous):
    t = Tenant(platform, operator)
    learner, client = t.user()
    course = t.admin.post(f"{API}/courses", {
        "code": "CDS-" + secrets.token_hex(2), "title": "Chuyển đổi số cơ bản",
        "lessons": [{"title": "Bài 1", "kind": "video"}, {"title": "Bài 2", "kind": "rich_text"}]})
    t.admin.post(f"{API}/courses/{course['course_id']}/publish")
    t.admin.post(f"{API}/courses/{course['course_id']}/enrollments", {"learner_id": learner["user_id"]})
    for lesson in course["lessons"]:
        client.post(f"{API}/activities", {
            "activity_id": str(uuid.uuid4()), "kind": "lesson_completed", "course_id": course["course_id"],
            "lesson_id": lesson["lesson_id"], "occurred_at": dt.datetime.now(dt.timezone.utc).isoformat()},
            expect=(202,))
    mail = eventually(lambda: mailbox.mails("certificate", to={learner["email"]}), timeout=90)[0]
    assert "Chuyển đổi số cơ bản" in mail.subject
    link = urllib.parse.urlsplit(link_in(mail.text, "/verify/"))
    code = urllib.parse.unquote(link.path.rsplit("/", 1)[1])
    shown = anonymous.get(f"{API}/certificates/verify/{code}")
    assert (shown["learner_name"], shown["course_title"]) == ("Phạm Minh Châu", "Chuyển đổi số cơ bản")
