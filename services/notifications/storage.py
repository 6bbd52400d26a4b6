"""The notifications service's own database.

- ``mails``: the history, one row per mail ever queued (``_id`` = the deterministic mail id),
  written first, in one bulk insert per queued batch: ``queued``, then ``sent``, ``failed``
  or ``skipped``. Only mails new to the history go to the outbox, so a mail queued again (a
  redelivered event, a re-run reminder) is never sent again, and the dispatcher reads
  nothing per mail before sending.
- ``outbox``: mails waiting to be sent (same ``_id``). A mail leaves it once it is sent,
  failed or skipped (the history row is updated first).
- ``failures``: insert-only log of mails that could not be delivered, per tenant, read by the
  tenant's admins (kept small: only failures).
- ``year_end_ledger``: ``<tenant>:<year>:<step>`` once that step's mails were queued.
- replicas fed by events (non-personal): ``tenants``, ``tenant_admins`` (ids), ``courses``, ``intakes``,
  ``submissions`` (``<tenant>:<year>``); and ``preferences`` (opt-out per user).

No personal data is needed on events: addresses and names are asked from accounts just
before sending and are kept only in the outbox row of mails to a fixed address (focal
contacts, the operator) and in the failure log.
"""
import pymongo

from mooc_common.infra.store import insert_new, insert_once, utcnow


class NotificationsStore:
    COLLECTIONS = ("outbox", "mails", "failures", "year_end_ledger", "tenants", "tenant_admins",
                   "courses", "intakes", "submissions", "preferences")

    def __init__(self, db):
        for name in self.COLLECTIONS:
            setattr(self, name, db[name])

    @staticmethod
    def ensure_indexes(db):
        db["failures"].create_index([("tenant_id", pymongo.ASCENDING), ("at", pymongo.DESCENDING)])
        db["tenant_admins"].create_index("tenant_id")

    # -- outbox ------------------------------------------------------------------------
    @staticmethod
    def outbox_doc(mail_id, kind, tenant_id, context, user_id=None, to=None, name=None, locale="vi",
                   ref=None):
        at = utcnow()
        return {"_id": mail_id, "kind": kind, "tenant_id": tenant_id, "user_id": user_id, "to": to,
                "name": name, "locale": locale, "ref": ref, "context": context, "attempts": 0,
                "due_at": at, "created_at": at}

    def enqueue(self, docs):
        """Queue the mails never queued before; returns how many. A history row still
        ``queued`` without its outbox row (a crash between the two inserts) is queued again."""
        if not docs:
            return 0
        new = insert_new(self.mails, [{"_id": d["_id"], "kind": d["kind"], "tenant_id": d["tenant_id"],
                                       "user_id": d.get("user_id"), "state": "queued", "reason": None,
                                       "attempts": 0, "at": d["created_at"]} for d in docs])
        # rare (redeliveries): one lookup by _id per mail already known
        again = {d["_id"] for d in docs if d["_id"] not in new
                 and (self.mails.find_one({"_id": d["_id"]}, {"state": 1}) or {}).get("state") == "queued"}
        return len(insert_new(self.outbox, [d for d in docs if d["_id"] in new or d["_id"] in again]))

    def outbox_head(self, limit):
        # Natural order and no filter: the one outbox read FerretDB answers without a full scan
        # of a big collection. Mails waiting for a retry are filtered by the caller.
        return list(self.outbox.find({}).limit(limit))

    def outbox_size(self):
        # exact (FerretDB's estimated count lags behind inserts); a status read, not a hot path
        return self.outbox.count_documents({})

    def postpone(self, mail_id, due_at, attempts=None, error=None):
        changes = {"due_at": due_at}
        if attempts is not None:
            changes.update(attempts=attempts, last_error=error)
        self.outbox.update_one({"_id": mail_id}, {"$set": changes})

    def finish(self, mail, state, reason=None, attempts=None):
        """Record the outcome in the history, then drop the mail (and with it the activation
        code it may carry) from the outbox. A crash between the two sends it once more, with the
        same Message-ID (docs/notifications.md)."""
        self.mails.update_one({"_id": mail["_id"]}, {"$set": {
            "state": state, "reason": reason, "attempts": attempts if attempts is not None else mail["attempts"],
            "at": utcnow()}})
        self.outbox.delete_one({"_id": mail["_id"]})

    # -- failure log -------------------------------------------------------------------
    def log_failure(self, mail, address, error, attempts):
        insert_once(self.failures, {"_id": mail["_id"], "tenant_id": mail["tenant_id"], "kind": mail["kind"],
                                    "user_id": mail.get("user_id"), "address": address, "error": error,
                                    "attempts": attempts, "at": utcnow()})

    def failures_of(self, tenant_id, offset, limit):
        """(a page of rows, how many there are): only failures are logged, so this stays small."""
        rows = self.failures.find({"tenant_id": tenant_id}).sort("at", pymongo.DESCENDING)
        return list(rows.skip(offset).limit(limit)), self.failures.count_documents({"tenant_id": tenant_id})

    # -- year-end ----------------------------------------------------------------------
    def ledger_has(self, key):
        return self.year_end_ledger.find_one({"_id": key}) is not None

    def ledger_add(self, key, queued):
        insert_once(self.year_end_ledger, {"_id": key, "queued": queued, "at": utcnow()})

    def add_submission(self, tenant_id, year, submitted_at):
        insert_once(self.submissions, {"_id": f"{tenant_id}:{year}", "tenant_id": tenant_id,
                                       "year": year, "submitted_at": submitted_at})  # a later version of the same year's report

    def submitted(self, tenant_ids, year):
        keys = [f"{t}:{year}" for t in tenant_ids]
        return {s["tenant_id"] for s in self.submissions.find({"_id": {"$in": keys}})} if keys else set()

    # -- replicas ----------------------------------------------------------------------
    def _put(self, collection, doc):
        collection.replace_one({"_id": doc["_id"]}, doc, upsert=True)

    def put_tenant(self, tenant):
        self._put(self.tenants, tenant)

    def get_tenant(self, tenant_id):
        return self.tenants.find_one({"_id": tenant_id})

    def tenant_name(self, tenant_id):
        """The tenant's name for a mail ("" for the platform's own mails or a tenant not known yet)."""
        tenant = self.get_tenant(tenant_id) if tenant_id else None
        return tenant["name"] if tenant else ""

    def put_tenant_admin(self, user_id, tenant_id, active):
        self._put(self.tenant_admins, {"_id": user_id, "tenant_id": tenant_id, "active": bool(active)})

    def tenant_admin_ids(self, tenant_id):
        # a small collection (a few admins per tenant): the equality filter is cheap even unindexed
        return [a["_id"] for a in self.tenant_admins.find({"tenant_id": tenant_id}) if a.get("active")]

    def active_tenant_ids(self):
        return [t["_id"] for t in self.tenants.find({}, {"status": 1}) if t.get("status") == "active"]

    def put_course(self, course):
        self._put(self.courses, course)

    def get_course(self, course_id):
        return self.courses.find_one({"_id": course_id})

    def put_intake(self, intake):
        self._put(self.intakes, intake)

    def get_intake(self, intake_id):
        return self.intakes.find_one({"_id": intake_id}) if intake_id else None

    # -- preferences -------------------------------------------------------------------
    def set_opt_out(self, user_id, opt_out):
        self._put(self.preferences, {"_id": user_id, "opt_out": bool(opt_out), "at": utcnow()})

    def opted_out(self, user_ids):
        ids = [u for u in user_ids if u]
        return {p["_id"] for p in self.preferences.find({"_id": {"$in": ids}}) if p.get("opt_out")} if ids else set()

    def get_preferences(self, user_id):
        return self.preferences.find_one({"_id": user_id}) or {"_id": user_id, "opt_out": False}
