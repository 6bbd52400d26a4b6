"""Reports read models, built only from events.

Facts are stored idempotently by natural key (learner, enrollment, completion); a tenant's
summary is recomputed from its facts by a short timer whenever the tenant is marked dirty,
and stored: report reads are single-document lookups.

Dirty markers are insert-only (one per event, removed by id after the recomputation that
saw it): inserts are atomic even on FerretDB, where concurrent updates of one document can
be lost, so an event arriving during a recomputation always leaves its tenant dirty.
"""
from pymongo.errors import DuplicateKeyError


class ReportsStore:
    COLLECTIONS = ('tenants', 'learner_facts', 'enrollment_facts', 'completion_facts', 'tenant_summaries', 'dirty_tenants')

    def __init__(self, db):
        self.tenants = db["tenants"]
        self.learners = db["learner_facts"]
        self.enrollments = db["enrollment_facts"]
        self.completions = db["completion_facts"]
        self.summaries = db["tenant_summaries"]
        self.dirty = db["dirty_tenants"]

    @staticmethod
    def ensure_indexes(db):
        for name in ("learner_facts", "enrollment_facts", "completion_facts"):
            db[name].create_index("tenant_id")

    def save_tenant(self, tenant):
        self.tenants.update_one({"_id": tenant["tenant_id"]}, {"$set": tenant}, upsert=True)

    def get_tenant(self, tenant_id):
        return self.tenants.find_one({"_id": tenant_id})

    def save_fact(self, kind, fact_id, fact):
        getattr(self, kind).update_one({"_id": fact_id}, {"$set": fact}, upsert=True)

    def mark_dirty(self, tenant_id, event_id, occurred_at):
        try:
            self.dirty.insert_one({"_id": str(event_id), "tenant_id": tenant_id, "occurred_at": occurred_at})
        except DuplicateKeyError:
            pass

    def dirty_markers(self, limit=5000):
        return list(self.dirty.find({}).limit(limit))

    def count(self, kind, tenant_id):
        return getattr(self, kind).count_documents({"tenant_id": tenant_id})

    def save_summary(self, summary, marker_ids):
        self.summaries.update_one({"_id": summary["tenant_id"]}, {"$set": summary}, upsert=True)
        for marker_id in marker_ids:
            self.dirty.delete_one({"_id": marker_id})

    def get_summary(self, tenant_id):
        return self.summaries.find_one({"_id": tenant_id})
