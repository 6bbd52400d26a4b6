"""The xAPI forwarding's part of the integrations database.

- ``lrs_configs``: one per tenant (``_id`` = tenant id) plus the operator's global one
  (``_id`` = ``*``: ``EVERY_TENANT``; it receives every tenant's statements). The LRS password is stored
  encrypted (lrs_forwarder.CredentialCipher) and never returned.
- ``xapi_outbox``: statements waiting for their LRS, ``_id`` = ``<config>:<statement id>``
  (inserted once per event and configuration; a redelivered event inserts nothing new).
  Delivered statements are deleted, so the forwarder's scan by ``config`` stays small on
  FerretDB (which reads the whole collection for any filter but ``_id``).
- ``xapi_dead``: statements that exhausted their attempts (or that the LRS refused for
  good), with the last error, until the admin replays them into the outbox.
- ``lrs_status``: per configuration, written only by the forwarder greenthread of that
  configuration (one writer: no update races on FerretDB): delivered count, last outcome.
"""
from mooc_common.contracts.tenancy import EVERY_TENANT as GLOBAL
from mooc_common.infra.store import insert_new, insert_once, utcnow


SCAN_LIMIT = 1000


class LrsStore:
    COLLECTIONS = ("lrs_configs", "xapi_outbox", "xapi_dead", "lrs_status")

    def __init__(self, db):
        self.configs = db["lrs_configs"]
        self.outbox = db["xapi_outbox"]
        self.dead = db["xapi_dead"]
        self.status = db["lrs_status"]

    @staticmethod
    def ensure_indexes(db):
        db["xapi_outbox"].create_index("config")
        db["xapi_dead"].create_index("config")
        db["lrs_configs"].create_index("status")

    # -- configurations ------------------------------------------------------------------
    def put_config(self, config_id, doc):
        doc = dict(doc, _id=config_id, status="active", updated_at=utcnow())
        self.configs.replace_one({"_id": config_id}, doc, upsert=True)
        return doc

    def get_config(self, config_id):
        return self.configs.find_one({"_id": config_id})

    def delete_config(self, config_id):
        return self.configs.delete_one({"_id": config_id}).deleted_count

    def active_configs(self):
        return list(self.configs.find({"status": "active"}))

    def configs_for(self, tenant):
        """The tenant's own configuration and the global one, those that exist."""
        return [c for c in (self.get_config(tenant), self.get_config(GLOBAL)) if c and c["status"] == "active"]

    # -- statements ----------------------------------------------------------------------
    @staticmethod
    def outbox_doc(config_id, statement_id, statement_json, tenant, event_type):
        at = utcnow()
        return {"_id": f"{config_id}:{statement_id}", "config": config_id, "statement": statement_json,
                "tenant": tenant, "event_type": event_type, "attempts": 0, "next_attempt_at": at,
                "created_at": at}

    def enqueue(self, docs):
        """One bulk insert; statements queued before (a redelivered event) are kept as they are,
        any other write error is raised. How many were new."""
        return len(insert_new(self.outbox, docs))

    def due(self, config_id, moment, limit):
        docs = self.outbox.find({"config": config_id}).limit(SCAN_LIMIT)
        due = sorted((d for d in docs if d["next_attempt_at"] <= moment), key=lambda d: d["created_at"])
        return due[:limit]

    def delivered(self, config_id, docs):
        self.outbox.delete_many({"_id": {"$in": [d["_id"] for d in docs]}})
        self.status.update_one({"_id": config_id}, {"$inc": {"delivered": len(docs)},
                                                     "$set": {"last_delivered_at": utcnow()}}, upsert=True)

    def failed(self, docs, attempts, next_attempt_at):
        for doc in docs:
            self.outbox.update_one({"_id": doc["_id"]}, {"$set": {"attempts": attempts,
                                                                  "next_attempt_at": next_attempt_at}})

    def to_dead(self, docs, attempts, outcome):
        for doc in docs:
            insert_once(self.dead, dict(doc, attempts=attempts, last_error=outcome["error"], last_status_code=outcome["status_code"],
                                        dead_at=utcnow()))  # moved before a crash that left the outbox copy behind
        self.outbox.delete_many({"_id": {"$in": [d["_id"] for d in docs]}})

    def record_outcome(self, config_id, outcome):
        self.status.update_one({"_id": config_id}, {"$set": {
            "last_attempt_at": utcnow(), "last_status_code": outcome["status_code"],
            "last_error": outcome["error"]}}, upsert=True)

    def replay_dead(self, config_id, limit=10_000):
        """Dead statements back into the outbox, attempts reset; returns how many."""
        moved = 0
        for doc in list(self.dead.find({"config": config_id}).limit(limit)):
            fresh = {k: v for k, v in doc.items() if k not in ("last_error", "last_status_code", "dead_at")}
            fresh.update(attempts=0, next_attempt_at=utcnow())
            insert_once(self.outbox, fresh)
            self.dead.delete_one({"_id": doc["_id"]})
            moved += 1
        return moved

    def status_of(self, config_id):
        status = self.status.find_one({"_id": config_id}) or {}
        return {"pending": self.outbox.count_documents({"config": config_id}),
                "dead": self.dead.count_documents({"config": config_id}),
                "delivered": status.get("delivered", 0),
                "last_delivered_at": status.get("last_delivered_at"),
                "last_attempt_at": status.get("last_attempt_at"),
                "last_status_code": status.get("last_status_code"),
                "last_error": status.get("last_error")}

    def dead_sample(self, config_id, limit=20):
        return list(self.dead.find({"config": config_id}).limit(limit))

    def forget(self, config_id):
        """A deleted configuration takes its queued statements and counters with it."""
        self.outbox.delete_many({"config": config_id})
        self.dead.delete_many({"config": config_id})
        self.status.delete_one({"_id": config_id})
