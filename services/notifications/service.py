"""Notifications service: e-mail to learners, tenant admins, focal contacts and the operator.
Thin entrypoints only.

Event handlers (and the consumer of accounts' private activation hand-over) only queue mails
(deterministic ids: a redelivered message queues nothing new) or keep small non-personal replicas (tenant names, course titles, intakes, year-end
submissions). The ``dispatch_mails`` timer sends the outbox (dispatcher.py); the
``year_end_reminders`` timer runs the 15 December deadline schedule (year_end.py).
"""
from nameko.timer import timer

from mooc_common.contracts import mail_handover, roles
from mooc_common.contracts.errors import NotFound
from mooc_common.contracts.events.accounts import (
    IMPORT_FINISHED, PASSWORD_CHANGED, TENANT_CREATED, TENANT_REACTIVATED, TENANT_SUSPENDED,
    TENANT_UPDATED, USER_REGISTERED, USER_UPDATED)
from mooc_common.contracts.events.courses import COURSE_SUMMARY_PUBLISHED, INTAKE_OPENED
from mooc_common.contracts.events.progress import CERTIFICATE_ISSUED
from mooc_common.contracts.events.reports import YEAR_END_REPORT_SUBMITTED
from mooc_common.infra.actor_trust import RpcProxy, rpc
from mooc_common.infra.boundary import load
from mooc_common.infra.events import on_event, reliable_consume
from mooc_common.infra.service_base import PlatformService
from mooc_common.infra.store import Store, utcnow
from mooc_common.infra.vietnam_time import VIETNAM, vietnam_day

from . import domain, schemas, year_end
from .dispatcher import MailDispatcher
from .enrollment_mails import EnrollmentMails
from .storage import NotificationsStore


class NotificationsService(PlatformService):
    name = "notifications"

    store = Store(NotificationsStore)
    dispatcher = MailDispatcher()
    enrollment_mails = EnrollmentMails()  # enrollment.created, in batches (enrollment_mails.py)
    accounts = RpcProxy("accounts")
    progress = RpcProxy("progress")

    # -- replicas (non-personal) ---------------------------------------------------------
    def _put_tenant(self, event):
        p = event["payload"]
        self.store.put_tenant({"_id": p["tenant_id"], "name": p["name"], "code": p["code"], "status": p["status"]})

    @on_event(TENANT_CREATED, idempotent=True)
    def on_tenant_created(self, event):
        self._put_tenant(event)

    @on_event(TENANT_UPDATED, idempotent=True)
    def on_tenant_updated(self, event):
        self._put_tenant(event)

    @on_event(TENANT_SUSPENDED, idempotent=True)
    def on_tenant_suspended(self, event):
        self._put_tenant(event)

    @on_event(TENANT_REACTIVATED, idempotent=True)
    def on_tenant_reactivated(self, event):
        self._put_tenant(event)

    def _put_admin(self, event):
        p = event["payload"]
        if p["role"] == roles.TENANT_ADMIN and p["tenant_id"]:
            self.store.put_tenant_admin(p["user_id"], p["tenant_id"], p["status"] == "active")

    @on_event(USER_REGISTERED, idempotent=True)
    def on_user_registered(self, event):
        self._put_admin(event)

    @on_event(USER_UPDATED, idempotent=True)
    def on_user_updated(self, event):
        self._put_admin(event)

    @on_event(COURSE_SUMMARY_PUBLISHED, idempotent=True)
    def on_course_catalogued(self, event):
        p = event["payload"]
        self.store.put_course({"_id": p["course_id"], "title": p["title"], "code": p["code"]})

    @on_event(INTAKE_OPENED, idempotent=True)
    def on_intake_opened(self, event):
        p = event["payload"]
        self.store.put_intake({"_id": p["intake_id"], "name": p["name"], "starts_on": p["starts_on"].isoformat(),
                               "ends_on": p["ends_on"].isoformat()})

    @on_event(YEAR_END_REPORT_SUBMITTED, idempotent=True)
    def on_year_end_submitted(self, event):
        p = event["payload"]
        self.store.add_submission(p["tenant_id"], p["year"], p["submitted_at"])

    # -- mails (each queued under an id derived from the event) ---------------------------
    def _queue(self, kind, event, user_ids, context, ref=None):
        tenant_id = event["tenant_id"]
        context = dict(context, tenant_name=self.store.tenant_name(tenant_id))
        return self.store.enqueue([NotificationsStore.outbox_doc(
            domain.mail_id(kind, event["event_id"], user_id), kind, tenant_id, context, user_id=user_id, ref=ref)
            for user_id in user_ids])

    @reliable_consume(mail_handover.ACTIVATION_QUEUE)
    def on_activation_mails(self, message):
        """One activation mail per imported learner with an e-mail, from accounts' private
        hand-over of an import chunk (learners without one have their code in the admin's CSV
        only). The row carries the address and the code until the mail leaves the outbox."""
        batch = load(mail_handover.ActivationMailsSchema(), message)
        context = {"tenant_name": self.store.tenant_name(batch["tenant_id"]),
                   "expires_on": batch["expires_at"].isoformat()}
        self.store.enqueue([NotificationsStore.outbox_doc(
            domain.mail_id(domain.ACTIVATION, batch["import_id"], r["user_id"]), domain.ACTIVATION,
            batch["tenant_id"], dict(context, username=r["username"], code=r["code"]), user_id=r["user_id"],
            to=r["email"], name=r["full_name"], locale=r["locale"]) for r in batch["recipients"]])

    @on_event(CERTIFICATE_ISSUED, idempotent=True)
    def on_certificate_issued(self, event):
        p = event["payload"]
        self._queue(domain.CERTIFICATE, event, [p["learner_id"]], {}, ref=p["enrollment_id"])

    @on_event(PASSWORD_CHANGED, idempotent=True)
    def on_password_changed(self, event):
        p = event["payload"]
        changed_at = p["changed_at"].astimezone(VIETNAM).strftime("%H:%M %d/%m/%Y (UTC+7)")
        self._queue(domain.PASSWORD_CHANGED, event, [p["user_id"]], {"changed_at": changed_at})

    @on_event(IMPORT_FINISHED, idempotent=True)
    def on_import_finished(self, event):
        p = event["payload"]
        web = self.dispatcher.settings.public_base_url.rstrip("/")
        self._queue(domain.IMPORT_FINISHED, event, [p["started_by"]], {
            "import_id": p["import_id"], "state": p["state"], "dry_run": p["dry_run"], "created": p["created"],
            "error_count": p["error_count"], "link": f"{web}/api/v1/imports/{p['import_id']}"})

    # -- timers ----------------------------------------------------------------------------
    @timer(interval=1)
    def dispatch_mails(self):
        self.dispatcher.run(self.accounts, self.progress)

    @timer(interval=60, eager=True)
    def year_end_reminders(self):
        year_end.run(self.store, self.accounts, self.dispatcher.settings, vietnam_day(utcnow()))

    @rpc
    def run_year_end(self, on_date):
        """Run the year-end schedule as if today were ``on_date`` (operators and tests: time
        injected). Safe to call any number of times: the ledger sends each step once."""
        day = load(schemas.YearEndRunSchema(), {"on_date": on_date})["on_date"]
        return year_end.run(self.store, self.accounts, self.dispatcher.settings, day)

    @rpc
    def outbox_status(self):
        return {"queued": self.store.outbox_size(), **self.dispatcher.stats}

    # -- the tenant admin's failure log, preferences ------------------------------------
    @rpc
    def list_failures(self, actor, tenant_id, query):
        domain.require_failure_reader(actor, tenant_id)
        if not self.store.get_tenant(tenant_id):
            raise NotFound("Tenant not found.")
        q = load(schemas.FailureQuerySchema(), query)
        items, total = self.store.failures_of(tenant_id, q["offset"], q["limit"])
        return schemas.FailurePageSchema().dump({"items": items, "total": total, **q})

    def _preferences(self, user_id):
        return schemas.PreferencesSchema().dump(dict(
            self.store.get_preferences(user_id), essential_always_sent=sorted(domain.ESSENTIAL)))

    @rpc
    def get_preferences(self, actor):
        return self._preferences(actor["user_id"])

    @rpc
    def set_preferences(self, actor, data):
        prefs = load(schemas.PreferencesInSchema(), data)
        self.store.set_opt_out(actor["user_id"], prefs["opt_out"])
        return self._preferences(actor["user_id"])
