"""Runs one bulk-import job in the background (the accounts service's import queue).

validate every row -> (dry run: report) -> take the seats -> insert in batches of 1,000,
announcing one ``users.imported`` event per batch through the outbox, handing the batch's
activation codes of the learners with an e-mail to notifications (one private message per batch,
mooc_common/contracts/mail_handover.py), and the job's progress after each.
A redelivered job message resumes: user ids and event ids are derived from the job, so
nothing is created or announced twice.
"""
import hashlib
import time
import uuid

from mooc_common.contracts.envelope import deterministic_event_id
from mooc_common.contracts.errors import QuotaExceeded, ValidationFailed
from mooc_common.contracts import mail_handover, roles
from mooc_common.contracts.events.accounts import IMPORT_FINISHED, USERS_IMPORTED
from mooc_common.infra.metrics import JOB_DURATION
from mooc_common.infra.store import utcnow

from . import imports, security

BATCH_SIZE = 1000  # users per insert_many and per users.imported event


def file_fingerprint(tenant_id, content):
    return hashlib.sha256(tenant_id.encode() + b"\0" + content).hexdigest()


def imported_user_id(job_id, username):
    return uuid.uuid5(uuid.NAMESPACE_URL, f"mooc-import:{job_id}:{username}").hex


class ImportRunner:
    def __init__(self, store, outbox, code_secret, hand_over_mails):
        """``hand_over_mails(body)``: a confirmed publish to notifications' activation queue."""
        self.store, self.outbox = store, outbox
        self.hand_over_mails = hand_over_mails
        self.code_secret = code_secret
        self.started = time.monotonic()

    def run(self, job_id, content):
        job = self.store.get_job(job_id)
        if not job or job["state"] in ("done", "failed"):
            return  # redelivered after it finished
        self.store.update_job(job_id, {"state": "validating"})
        try:
            learners = self._validate(job, content)
            if job["dry_run"]:
                self._finish(job_id, "done", {"valid": True, "would_create": len(learners)})
                return
            self._take_file(job, content)
            self._take_seats(job, len(learners))
            created = self._create(job, learners)
        except (ValidationFailed, QuotaExceeded) as exc:
            self._finish(job_id, "failed", {"valid": False, "created": 0, "message": exc.message},
                         errors=exc.errors.get("rows"), error_count=exc.errors.get("error_count"))
            return
        self._finish(job_id, "done", {"valid": True, "created": created,
                                      "batches": -(-created // BATCH_SIZE)})

    def _validate(self, job, content):
        try:
            header, rows = imports.read_rows(content)
        except ValidationFailed as exc:
            rows_errors = [{"row": None, "column": "file", "message": m} for m in exc.errors["file"]]
            raise ValidationFailed(exc.message, {"rows": rows_errors, "error_count": 1})
        self.store.update_job(job["_id"], {"rows_total": len(rows)})
        errors = imports.check_header(header)
        if not errors:
            tenant = self.store.get_tenant(job["tenant_id"])
            units = {u["code"]: u for u in self.store.tenant_units(job["tenant_id"])
                     if u["status"] == "active"}
            usernames = [str(r[header.index("username")]).strip().lower() for r in rows
                         if header.index("username") < len(r) and r[header.index("username")]]
            taken = self.store.existing_usernames(usernames)
            remaining = tenant["learner_quota"] - tenant["seats_used"] + (
                len(rows) if job.get("seats_reserved") else 0)
            learners, errors = imports.validate_rows(header, rows, units, taken, remaining,
                                                     import_id=job["_id"])
        if errors:
            raise ValidationFailed(f"{len(errors)} error(s) found; nothing was created.",
                                   {"rows": errors[:imports.MAX_REPORTED_ERRORS],
                                    "error_count": len(errors)})
        return learners

    def _take_file(self, job, content):
        """The same file is imported once per tenant (a second upload creates nobody)."""
        fingerprint = file_fingerprint(job["tenant_id"], content)
        owner = self.store.claim_file(fingerprint, job["_id"])
        if owner != job["_id"]:
            raise ValidationFailed(f"This file was already imported (job {owner}); nothing was created.",
                                   {"rows": [{"row": None, "column": "file",
                                              "message": f"already imported by job {owner}"}],
                                    "error_count": 1})

    def _take_seats(self, job, count):
        if job.get("seats_reserved"):
            return  # a redelivered job took them already
        tenant_id = job["tenant_id"]
        if not self.store.take_seats(tenant_id, count):
            tenant = self.store.get_tenant(tenant_id)
            remaining = max(tenant["learner_quota"] - tenant["seats_used"], 0)
            raise QuotaExceeded(
                f"Learner quota exceeded: {count} rows, {remaining} seat(s) remain.",
                {"rows": [{"row": None, "column": None, "message": "learner quota exceeded"}],
                 "error_count": 1, "seats_remaining": remaining})
        self.store.update_job(job["_id"], {"seats_reserved": True, "state": "importing"})

    def _create(self, job, learners):
        job_id, tenant_id = job["_id"], job["tenant_id"]
        created_at = utcnow()
        for batch_no, start in enumerate(range(0, len(learners), BATCH_SIZE), start=1):
            docs = [dict(learner, _id=imported_user_id(job_id, learner["username"]),
                         tenant_id=tenant_id, role=roles.LEARNER, status="pending_activation",
                         password_hash=None, import_id=job_id, created_at=created_at)
                    for learner in learners[start:start + BATCH_SIZE]]
            # The batch document carries the outbox marker: stored last, it says the batch is in.
            batch_id, entry_id = self.store.import_batch_id(job_id, batch_no), f"users-imported:{job_id}:{batch_no}"
            self.outbox.flush(entry_id)  # left over by a crashed run of this job
            staged = self.outbox.stage(self.store.import_batches, [(batch_id, self.outbox.event(USERS_IMPORTED, {
                "import_id": job_id, "batch": batch_no,
                "users": [{k: d[k] for k in ("tenant_id", "role", "unit_id", "category", "status")}
                          | {"user_id": d["_id"]} for d in docs]},
                tenant_id, event_id=deterministic_event_id("users.imported", job_id, batch_no)))], entry_id=entry_id)
            self.store.insert_users(docs)
            codes = {d["_id"]: security.activation_code(self.code_secret, job["code_nonce"], d["_id"]) for d in docs}
            self.store.insert_activation_codes([{
                "_id": security.token_hash(codes[d["_id"]]), "user_id": d["_id"],
                "expires_at": job["codes_expire_at"]} for d in docs])
            mailed = [{"user_id": d["_id"], "email": d["email"], "full_name": d["full_name"],
                       "username": d["username"], "locale": d.get("locale") or "vi", "code": codes[d["_id"]]}
                      for d in docs if d.get("email")]
            if mailed:  # the others' codes reach them through the admin's CSV only; a redone
                # batch hands them over again and notifications' history drops the repeat
                self.hand_over_mails(mail_handover.activation_message(
                    tenant_id, job_id, batch_no, job["codes_expire_at"], mailed))
            self.store.save_import_batch(staged.insert({"_id": batch_id, "users": [
                {k: d[k] for k in ("_id", "username", "full_name")} for d in docs]}))
            self.outbox.send(staged)
            self.store.update_job(job_id, {"rows_done": start + len(docs)})
        return len(learners)

    def _finish(self, job_id, state, result, errors=None, error_count=None):
        JOB_DURATION.labels("import", state).observe(time.monotonic() - self.started)
        job = self.store.get_job(job_id)
        # The job's final state and its announcement in one write of the job (outbox marker);
        # deterministic id: a job message redelivered after this point announces nothing new.
        staged = self.outbox.stage(self.store.import_jobs, [(job_id, self.outbox.event(IMPORT_FINISHED, {
            "import_id": job_id, "started_by": job["created_by"], "state": state,
            "dry_run": job["dry_run"], "created": (result or {}).get("created") or 0,
            "error_count": error_count or 0}, job["tenant_id"],
            event_id=deterministic_event_id("import.finished", job_id)))])
        self.store.update_job(job_id, {"state": state, "result": result, "errors": errors or [],
                                       "error_count": error_count or 0, "finished_at": utcnow(),
                                       **staged.update(job_id)})
        self.outbox.send(staged)
