"""Reports read models, built only from events.

Facts are stored by natural id (tenant, unit, user, course, intake, enrollment, completion,
certificate, learner-month, learner-year...). Each fact carries the version it was written
at (the event's ``occurred_at``) and an older event never overwrites a newer one, so the
final facts do not depend on delivery order; redelivered events rewrite the same values.

Aggregates are recomputed, never incremented: each event leaves an insert-only dirty marker
naming the *parts* of a tenant's report it touches (``course:<id>``, ``unit:<id>``,
``month:<YYYY-MM>``, ``year:<YYYY>`` or ``info``). The single timer worker recomputes each
dirty part once per tick with one ``aggregate`` ($match on one indexed equality key, then
$group/$sum) and re-assembles the tenant's stored summary from its parts. Report reads are
single-document lookups. Markers are removed by id only after the recomputation that saw
them, so an event arriving meanwhile always leaves its part dirty.

Partition keys (``tc`` = tenant|course, ``tu`` = tenant|unit, ``tm`` = tenant|month,
``ty`` = tenant|year) are single indexed fields because FerretDB only pushes equality
filters down, and a per-course scan touches ~1/100 of a big tenant's enrollments.
"""
from pymongo.errors import BulkWriteError, DuplicateKeyError

from mooc_common.infra.keyed_locks import KeyedLocks

DUPLICATE_KEY = 11000
# Same-document writes are serialised inside the service (FerretDB loses concurrent updates).
FACT_LOCKS = KeyedLocks()

FACT_COLLECTIONS = ('tenants', 'units', 'users', 'plans', 'courses', 'intakes', 'enrollments',
                    'completions', 'certificates', 'active_months', 'active_years', 'trained_years')
DERIVED_COLLECTIONS = ('parts', 'tenant_summaries', 'national_rows', 'dirty_tenants')
PARTITION_KEYS = {'users': 'tu', 'enrollments': 'tc', 'completions': 'tc', 'certificates': 'tc',
                  'active_months': 'tm', 'active_years': 'ty', 'trained_years': 'ty'}


def key(*parts):
    return "|".join("" if p is None else str(p) for p in parts)


class ReportsStore:
    COLLECTIONS = FACT_COLLECTIONS + DERIVED_COLLECTIONS + ('year_end_drafts', 'year_end_reports')

    def __init__(self, db):
        self.db = db
        self.dirty = db["dirty_tenants"]
        self.parts = db["parts"]
        self.summaries = db["tenant_summaries"]
        self.national_rows = db["national_rows"]
        self.drafts = db["year_end_drafts"]
        self.year_end = db["year_end_reports"]

    @staticmethod
    def ensure_indexes(db):
        for name, field in PARTITION_KEYS.items():
            db[name].create_index(field)
        for name in ("units", "plans", "parts"):
            db[name].create_index("tenant_id")
        db["courses"].create_index("owner")
        db["intakes"].create_index("owner")
        db["year_end_reports"].create_index("year")
        db["year_end_reports"].create_index("tenant_year")

    # ---- facts -------------------------------------------------------------------------
    def save_latest(self, collection, fact_id, doc, version):
        """Keep the fact with the newest ``version``: arrival order does not matter.
        Returns the fact as it was before (None if new)."""
        return self._save_ordered(collection, fact_id, doc, version, "$lt")

    def save_earliest(self, collection, fact_id, doc, version):
        """Keep the fact with the oldest ``version`` (e.g. a learner's first completion in a year)."""
        return self._save_ordered(collection, fact_id, doc, version, "$gt")

    def _save_ordered(self, collection, fact_id, doc, version, older):
        coll = self.db[collection]
        doc = dict(doc, _id=fact_id, v=version)
        with FACT_LOCKS.hold((collection, fact_id)):
            try:
                coll.insert_one(doc)
                return None
            except DuplicateKeyError:
                previous = coll.find_one({"_id": fact_id})
                if previous is not None and (previous["v"] < version if older == "$lt" else previous["v"] > version):
                    coll.replace_one({"_id": fact_id}, doc)
                return previous

    def save_many_latest(self, collection, docs, version):
        """Bulk form of save_latest (users imported in batches of up to 1,000)."""
        if not docs:
            return
        docs = [dict(d, v=version) for d in docs]
        try:
            self.db[collection].insert_many(docs, ordered=False)
            return
        except BulkWriteError as exc:
            errors = exc.details.get("writeErrors", [])
            if any(e.get("code") != DUPLICATE_KEY for e in errors):
                raise
            retry = [docs[e["index"]] for e in errors]
        for doc in retry:
            self.save_latest(collection, doc["_id"], doc, version)

    def get(self, collection, fact_id):
        return self.db[collection].find_one({"_id": fact_id})

    def find(self, collection, **equal):
        return list(self.db[collection].find(equal))

    # ---- dirty markers -----------------------------------------------------------------
    def mark_dirty(self, tenant_id, event_id, occurred_at, *parts):
        """One insert-only marker per event listing every part it touches, so that a tick
        sees all of an event's effects or none; tenant ``*`` means every tenant."""
        try:
            self.dirty.insert_one({"_id": str(event_id), "tenant_id": tenant_id or "*",
                                   "parts": list(parts or ("info",)), "occurred_at": occurred_at})
        except DuplicateKeyError:
            pass

    def dirty_markers(self, limit=20000):
        return list(self.dirty.find({}).limit(limit))

    def clear_markers(self, marker_ids):
        for start in range(0, len(marker_ids), 1000):
            self.dirty.delete_many({"_id": {"$in": marker_ids[start:start + 1000]}})

    # ---- recomputation -----------------------------------------------------------------
    def group_counts(self, collection, match, dims):
        """[({dim: value}, n)] for the facts matching ``match`` (equality only), grouped by dims."""
        pipeline = [{"$match": match},
                    {"$group": {"_id": {d: f"${d}" for d in dims}, "n": {"$sum": 1}}}]
        return [(row["_id"], row["n"]) for row in self.db[collection].aggregate(pipeline)]

    def count(self, collection, **equal):
        return self.db[collection].count_documents(equal)

    def save_part(self, tenant_id, part, data):
        self.parts.replace_one({"_id": key(tenant_id, part)},
                               {"_id": key(tenant_id, part), "tenant_id": tenant_id, "part": part,
                                "data": data}, upsert=True)

    def tenant_parts(self, tenant_id):
        return {p["part"]: p["data"] for p in self.parts.find({"tenant_id": tenant_id})}

    def tenant_ids(self):
        return [t["_id"] for t in self.db["tenants"].find({}, {"_id": 1})]

    def save_summary(self, summary, national_row):
        self.summaries.replace_one({"_id": summary["tenant_id"]}, dict(summary, _id=summary["tenant_id"]),
                                   upsert=True)
        self.national_rows.replace_one({"_id": summary["tenant_id"]},
                                       dict(national_row, _id=summary["tenant_id"]), upsert=True)

    def get_summary(self, tenant_id):
        summary = self.summaries.find_one({"_id": tenant_id})
        if summary:
            summary.pop("_id")
        return summary

    def all_national_rows(self):
        return [dict(row) for row in self.national_rows.find({})]

    REBUILT_FACTS = ("users", "enrollments", "completions", "trained_years")

    def drop_rebuilt_facts(self, tenant_id):
        """Before a rebuild: forget the tenant's facts that the source services re-export.
        (Units, plans, certificates, activity days and year-end snapshots are kept.)"""
        for name in self.REBUILT_FACTS:
            self.db[name].delete_many({"tenant_id": tenant_id})

    # ---- year-end reports --------------------------------------------------------------
    def save_draft(self, tenant_id, year, evaluation, by, at):
        self.drafts.replace_one({"_id": key(tenant_id, year)},
                                {"_id": key(tenant_id, year), "evaluation": evaluation, "by": by, "at": at},
                                upsert=True)

    def get_draft(self, tenant_id, year):
        return self.drafts.find_one({"_id": key(tenant_id, year)})

    def insert_year_end_version(self, doc):
        """Versions are insert-only documents ``tenant|year|n``: a unique insert claims n."""
        n = len(self.year_end_versions(doc["tenant_id"], doc["year"]))
        while True:
            n += 1
            try:
                self.year_end.insert_one(dict(doc, _id=key(doc["tenant_id"], doc["year"], n), version=n))
                return n
            except DuplicateKeyError:
                continue

    def year_end_versions(self, tenant_id, year):
        docs = self.year_end.find({"tenant_year": key(tenant_id, year)})
        return sorted((dict(d) for d in docs), key=lambda d: d["version"])

    def year_end_version(self, tenant_id, year, version):
        return self.year_end.find_one({"_id": key(tenant_id, year, version)})

    def year_end_submissions(self, year):
        return list(self.year_end.find({"year": year}, {"content": 0}))

    def unpublished_year_end_versions(self):
        """Outbox: versions whose submission event is not confirmed yet (crash in between)."""
        return list(self.year_end.find({"published": False}))

    def mark_announced(self, doc_id):
        self.year_end.update_one({"_id": doc_id}, {"$set": {"published": True}})
