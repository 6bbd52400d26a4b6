"""The integrations service's own database: subscribers, the public event log, webhook
deliveries and their attempts.

- ``event_log`` is insert-only (``_id`` = event id), one row per public event, bucketed by
  ``<tenant>:<UTC hour>`` so that a replay reads by equality on an indexed field; rows older
  than the retention are removed by hour (``hour`` is indexed too).
- A delivery (``_id`` = ``<subscriber>:<event>`` or ``<subscriber>:<event>:<replay>``) is
  inserted once per matching subscriber; only the dispatcher greenthread that holds it updates
  it (one at a time per delivery, see webhooks.py), so updates never race on FerretDB.
- Attempts are insert-only rows: the delivery log.
"""
import uuid

from mooc_common.infra.store import concurrently, insert_new

from mooc_common.infra.store import utcnow as now  # webhooks.py and service.py import it from here

from . import domain


class IntegrationsStore:
    COLLECTIONS = ("subscribers", "event_log", "deliveries", "delivery_attempts", "replays")

    def __init__(self, db):
        self.subscribers = db["subscribers"]
        self.event_log = db["event_log"]
        self.deliveries = db["deliveries"]
        self.attempts = db["delivery_attempts"]
        self.replays = db["replays"]

    @staticmethod
    def ensure_indexes(db):
        db["subscribers"].create_index("status")
        db["event_log"].create_index("bucket")
        db["event_log"].create_index("hour")
        db["deliveries"].create_index("queue")  # "<subscriber>:<state>"
        db["delivery_attempts"].create_index("delivery_id")
        db["replays"].create_index("state")

    # -- subscribers ---------------------------------------------------------------------
    def insert_subscriber(self, data):
        doc = dict(data, _id=uuid.uuid4().hex, status="provisioning", created_at=now(), revoked_at=None)
        self.subscribers.insert_one(doc)
        return doc

    def get_subscriber(self, subscriber_id):
        return self.subscribers.find_one({"_id": subscriber_id})

    def list_subscribers(self, limit=200):
        return list(self.subscribers.find({}).limit(limit))

    def active_subscribers(self, kind):
        return [s for s in self.subscribers.find({"status": "active"}) if s["kind"] == kind]

    def update_subscriber(self, subscriber_id, changes):
        self.subscribers.update_one({"_id": subscriber_id}, {"$set": changes})
        return self.get_subscriber(subscriber_id)

    # -- event log -----------------------------------------------------------------------
    @staticmethod
    def log_doc(event_id, event_type, tenant, occurred_at, body):
        hour = domain.hour_bucket(occurred_at)
        return {"_id": event_id, "type": event_type, "tenant": tenant, "hour": hour,
                "bucket": f"{tenant}:{hour}", "occurred_at": occurred_at, "logged_at": now(), "body": body}

    def log_events(self, docs):
        """Bulk insert of ``log_doc``s; events logged before (redelivered) are kept as they are."""
        return len(insert_new(self.event_log, docs))

    def logged_among(self, event_ids):
        """Which of ``event_ids`` are in the log (lookups by ``_id``, side by side: an ``$in``
        would scan the whole log on FerretDB)."""
        found = concurrently(lambda event_id: self.event_log.find_one({"_id": event_id}, {"_id": 1}), event_ids)
        return {doc["_id"] for doc in found if doc}

    def logged_events(self, tenant, hour):
        return list(self.event_log.find({"bucket": f"{tenant}:{hour}"}))

    def purge_event_log_hour(self, hour):
        return self.event_log.delete_many({"hour": hour}).deleted_count

    # -- deliveries ----------------------------------------------------------------------
    @staticmethod
    def _queue(subscriber_id, state):
        return f"{subscriber_id}:{state}"

    def delivery_doc(self, subscriber_id, event_id, event_type, tenant, body, replay_id=None):
        at = now()
        return {"_id": f"{subscriber_id}:{event_id}" + (f":{replay_id}" if replay_id else ""),
                "subscriber_id": subscriber_id, "event_id": event_id, "event_type": event_type,
                "tenant": tenant, "body": body, "state": "pending",
                "queue": self._queue(subscriber_id, "pending"), "attempts": 0, "next_attempt_at": at,
                "created_at": at, "replay_id": replay_id, "last_status_code": None, "last_error": None}

    def insert_deliveries(self, docs):
        """Bulk insert; a delivery inserted before (redelivered event) is kept as it is, any
        other write error is raised (the event is retried: nothing is dropped silently)."""
        return len(insert_new(self.deliveries, docs))

    def deliveries_in(self, subscriber_id, state, limit, fields=None):
        return list(self.deliveries.find({"queue": self._queue(subscriber_id, state)}, fields).limit(limit))

    def get_delivery(self, delivery_id):
        return self.deliveries.find_one({"_id": delivery_id})

    def record_attempt(self, delivery, attempt, outcome, state, next_attempt_at):
        # A fresh id: two replicas racing on one delivery both leave their attempt in the log.
        self.attempts.insert_one({"_id": uuid.uuid4().hex, "delivery_id": delivery["_id"],
                                  "subscriber_id": delivery["subscriber_id"], "attempt": attempt,
                                  "at": now(), **outcome})
        self.deliveries.update_one({"_id": delivery["_id"]}, {"$set": {
            "state": state, "queue": self._queue(delivery["subscriber_id"], state), "attempts": attempt,
            "next_attempt_at": next_attempt_at, "last_status_code": outcome.get("status_code"),
            "last_error": outcome.get("error")}})

    def attempts_of(self, delivery_id):
        return sorted(self.attempts.find({"delivery_id": delivery_id}), key=lambda a: a["attempt"])

    # -- replays -------------------------------------------------------------------------
    def insert_replay(self, subscriber_id, since, until):
        doc = {"_id": uuid.uuid4().hex, "subscriber_id": subscriber_id, "since": since, "until": until,
               "state": "pending", "created_at": now(), "queued": None}
        self.replays.insert_one(doc)
        return doc

    def pending_replays(self):
        return list(self.replays.find({"state": "pending"}).limit(10))

    def finish_replay(self, replay_id, queued):
        self.replays.update_one({"_id": replay_id}, {"$set": {"state": "done", "queued": queued,
                                                               "finished_at": now()}})

    def get_replay(self, replay_id):
        return self.replays.find_one({"_id": replay_id})
