"""Progress service entrypoints: activity ingestion, progress, completion, certificates."""
import base64
import datetime as dt
import secrets
import unicodedata
import uuid

from nameko.dependency_providers import Config

from mooc_common.contracts.envelope import deterministic_event_id
from mooc_common.contracts.errors import NotFound
from mooc_common.contracts.events.accounts import UNIT_CREATED, UNIT_UPDATED
from mooc_common.contracts.events.courses import (COURSE_PUBLISHED, ENROLLMENT_CANCELLED,
                                                  ENROLLMENT_CREATED)
from mooc_common.contracts.events.progress import CERTIFICATE_ISSUED, COURSE_COMPLETED
from mooc_common.infra.actor_trust import RpcProxy, rpc
from mooc_common.infra.principals import system_actor
from mooc_common.infra.boundary import load
from mooc_common.infra.events import on_event
from mooc_common.infra.outbox import Outbox
from mooc_common.infra.service_base import PlatformService
from mooc_common.infra.store import Store, concurrently, export_page, utcnow

from . import certificate_pdf, domain, exports, schemas
from .enrollments import EnrollmentReplica, save_enrollments
from .ingestion import ActivityConsumer, NotYetKnown
from .storage import ProgressStore

SYSTEM_ACTOR = system_actor("progress")  # on its system_calls only (principals.py)
DEFAULT_NATIONAL_ISSUER = "Nền tảng đào tạo trực tuyến quốc gia"
MAX_EXPORT_ROWS = 50_000


class ProgressService(PlatformService):
    name = "progress"

    store = Store(ProgressStore)
    events = Outbox()
    activities = ActivityConsumer()  # progress.activities, in batches (ingestion.py)
    enrollments = EnrollmentReplica()  # enrollment.created, in batches (enrollments.py)
    accounts = RpcProxy("accounts")
    courses = RpcProxy("courses")
    config = Config()

    # --- replicas fed by events -------------------------------------------------------------
    @on_event(COURSE_PUBLISHED)
    def on_course_published(self, event):
        self.store.save_course(dict(event["payload"]))  # a revision keeps lesson ids

    @on_event(ENROLLMENT_CANCELLED)
    def on_enrollment_cancelled(self, event):
        payload = event["payload"]
        enrollment = self.store.find_enrollment(payload["learner_id"], payload["course_id"])
        if enrollment is None:
            raise NotYetKnown(f"enrollment {payload['enrollment_id']} not known yet")
        self.store.cancel_enrollment(enrollment["_id"], payload["cancelled_at"])

    @on_event(UNIT_CREATED)
    def on_unit_created(self, event):
        self._save_unit(event["payload"])

    @on_event(UNIT_UPDATED)
    def on_unit_updated(self, event):
        self._save_unit(event["payload"])

    def _save_unit(self, unit):
        """Store the unit and re-path its enrollments (a move publishes one event per unit)."""
        self.store.save_unit(dict(unit))
        for enrollment_id in self.store.enrollment_ids_in_unit(unit["unit_id"]):
            self.store.set_unit_path(enrollment_id, list(unit["path"]))

    # --- certificates ---------------------------------------------------------------------
    # No claims (idempotent=True): every effect is keyed by the enrollment, which the event's
    # id is derived from, so duplicates handled side by side issue one certificate (unique
    # _id, unique serial per enrollment) and announce it under one event id.
    @on_event(COURSE_COMPLETED, idempotent=True)
    def on_course_completed(self, event):
        """Issue the certificate of a completed enrollment (once: keyed by the enrollment)."""
        payload = event["payload"]
        # Issued once, keyed by the enrollment; announced (again) on every delivery of the
        # completion: a crash before the publish is retried by the redelivered event.
        certificate = self.store.get_certificate(payload["enrollment_id"]) or self._issue(payload)
        self.events(CERTIFICATE_ISSUED, dict(domain.enrollment_context(payload),
                                             certificate_id=certificate["certificate_id"],
                                             serial=certificate["serial"],
                                             issued_at=certificate["issued_at"]),
                    event["tenant_id"],
                    event_id=deterministic_event_id("certificate.issued", payload["enrollment_id"]))

    def _issue(self, completed):
        course = self.store.get_course(completed["course_id"])
        # The learner's name is personal data, never in events: asked once, at issuance.
        learner = self.accounts.get_user(SYSTEM_ACTOR, completed["learner_id"])
        owner = course.get("owner_tenant_id")
        issuer = (self.accounts.get_tenant(SYSTEM_ACTOR, owner)["name"] if owner
                  else self.config.get("NATIONAL_ISSUER_NAME") or DEFAULT_NATIONAL_ISSUER)
        year = domain.vietnam_day(completed["completed_at"]).year
        return self.store.insert_certificate({
            "_id": completed["enrollment_id"], "certificate_id": uuid.uuid4().hex,
            "serial": self.store.allocate_serial(completed["enrollment_id"], year),
            # 80 random bits: cannot be guessed or enumerated through the public endpoint.
            "verification_code": base64.b32encode(secrets.token_bytes(10)).decode(),
            "learner_id": completed["learner_id"], "course_id": completed["course_id"],
            "learner_name": unicodedata.normalize("NFC", learner["full_name"]),
            "course_title": course["title"], "issuer_tenant_id": owner, "issuer_name": issuer,
            "completed_at": completed["completed_at"], "issued_at": utcnow(),
        })

    @rpc
    def certificate_for_mail(self, enrollment_ids):
        """{enrollment id: verification code, course title, serial} for the notifications
        mailer (internal RPC: the code opens a page with the learner's name, so it is not on
        the public certificate.issued event)."""
        certificates = concurrently(self.store.get_certificate, list(dict.fromkeys(enrollment_ids))[:500])
        return {c["_id"]: {k: c[k] for k in ("verification_code", "course_title", "serial")}
                for c in certificates if c}

    @rpc
    def verify_certificate(self, code):
        certificate = self.store.find_certificate_by_code(str(code or "").strip().upper())
        if certificate is None:
            raise NotFound("No certificate has this verification code.")
        return schemas.PublicCertificateSchema().dump(
            dict(certificate, issued_on=domain.vietnam_day(certificate["issued_at"])))

    @rpc
    def get_my_certificate_pdf(self, actor, course_id):
        enrollment = self.store.find_enrollment(actor["user_id"], course_id)
        certificate = enrollment and self.store.get_certificate(enrollment["_id"])
        if not certificate:
            raise NotFound("You have no certificate for this course.")
        return {"filename": f"{certificate['serial']}.pdf",
                "data": base64.b64encode(certificate_pdf.render(certificate)).decode()}

    # --- views ----------------------------------------------------------------------------
    def _own_enrollment(self, actor, course_id):
        """The actor's enrollment in ``course_id`` and the course, asking courses for both when
        the learner acts right after enrolling, before the events reached this replica (then
        stored as the events would store them; the events, when they come, change nothing)."""
        enrollment = self.store.find_enrollment(actor["user_id"], course_id)
        course = self.store.get_course(course_id)
        if enrollment is None or course is None:
            announced = self.courses.my_enrollment_announcements(actor, course_id)  # NotFound passes on
            self.store.save_course(dict(COURSE_PUBLISHED.parse(announced["course"])["payload"]))
            save_enrollments(self.store, [ENROLLMENT_CREATED.parse(announced["enrollment"])])
            enrollment = self.store.find_enrollment(actor["user_id"], course_id)
            course = self.store.get_course(course_id)
        return enrollment, course

    @rpc
    def enrollment_context(self, actor, course_id):
        """What the gateway needs to validate a learner's activity without an RPC each time."""
        enrollment, course = self._own_enrollment(actor, course_id)
        return {
            "enrollment_id": enrollment["_id"], "intake_id": enrollment.get("intake_id"),
            "cancelled": enrollment.get("cancelled_at") is not None, "revision": course["revision"],
            "lessons": {l["lesson_id"]: {"kind": l["kind"], "accepts": domain.accepted_kinds(l),
                                         "max_attempts": (l.get("quiz") or {}).get("max_attempts")}
                        for l in course["lessons"]},
            "attempt_ids": {lesson_id: sorted(state.get("attempts", {}))
                            for lesson_id, state in enrollment.get("quizzes", {}).items()},
        }

    @rpc
    def get_my_progress(self, actor, course_id):
        enrollment, course = self._own_enrollment(actor, course_id)
        certificate = self.store.get_certificate(enrollment["_id"])
        if certificate is not None and enrollment.get("completed_at") is None:
            # The certificate was issued between the two reads; it is issued only after the
            # completion that earns it is stored, so a fresh read shows that completion.
            enrollment = self.store.get_enrollment(enrollment["_id"])
        row = schemas.LearnerProgressRowSchema().dump(domain.learner_row(course, enrollment))
        return dict(row, course_id=course_id, course_title=course.get("title"),
                    lessons_done=sorted(enrollment["lessons_done"]),
                    lessons=[{k: (v.isoformat() if isinstance(v, dt.datetime) else v) for k, v in l.items()}
                             for l in domain.lesson_detail(course, enrollment)],
                    certificate=certificate and schemas.CertificateSchema().dump(certificate))

    def _staff_query(self, actor, course_id, filters):
        course = self.store.get_course(course_id)
        if course is None:
            raise NotFound("Course not found.")
        query = domain.staff_scope(actor, course)
        if filters.get("status"):
            query["status"] = filters["status"]
        if filters.get("unit_id"):
            query["unit_path"] = filters["unit_id"]  # any enrollment whose unit lies below it
        return course, query

    @rpc
    def list_course_progress(self, actor, course_id, params):
        filters = load(schemas.ProgressQuerySchema(), params)
        course, query = self._staff_query(actor, course_id, filters)
        skip, size = filters["offset"], filters["limit"]
        enrollments = self.store.list_enrollments(query, skip, size)
        return {"page": skip // size + 1, "page_size": size, "offset": skip, "limit": size,
                "total": self.store.count_enrollments(query),
                "items": schemas.LearnerProgressRowSchema(many=True).dump(
                    [domain.learner_row(course, e) for e in enrollments])}

    @rpc
    def export_course_progress(self, actor, course_id, params):
        filters = load(schemas.ExportQuerySchema(), params)
        course, query = self._staff_query(actor, course_id, filters)
        rows = schemas.LearnerProgressRowSchema(many=True).dump(
            [domain.learner_row(course, e) for e in self.store.list_enrollments(query, 0, MAX_EXPORT_ROWS)])
        content_type, render = exports.FORMATS[filters["format"]]
        return {"filename": f"progress-{course.get('code') or course_id}.{filters['format']}",
                "content_type": content_type, "data": base64.b64encode(render(rows)).decode()}

    # ---- read-only export for rebuilding the reports read models (services/reports/rebuild.py)
    @rpc
    def export_completions(self, tenant_id, after=None, limit=500):
        """A page of the tenant's enrollments (by _id) with, for the completed ones, the
        COURSE_COMPLETED payload; the page cursor is the last enrollment id."""
        page = export_page(self.store.enrollments, after, limit, tenant_id=tenant_id)
        return {"next_after": page[-1]["_id"] if page else None,
                "completions": [dict(domain.enrollment_context(dict(e, enrollment_id=e["_id"])),
                                     completed_at=e["completed_at"]) for e in page if e.get("completed_at")]}
