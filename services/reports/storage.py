"""Reports storage: the inbox, facts, parts, the projector's journal and the stored reports.

Handlers only insert one **inbox** record per event (its changes, keyed by the event id, so
a redelivery inserts nothing). The single projector (``projector.py``) is the only writer
of **facts** (by natural id, each with the version it was written at) and **parts** (the
per-partition aggregates); it writes them through a **journal**: one document holding the
absolute results of a batch, written before any of them, so a crash between two writes is
finished by replaying the journal, never by applying a batch twice.

FerretDB 1.24 (SQLite) pushes down only ``{_id: <string>}`` filters, so every read on the
hot path is by ``_id``; scans by other fields are kept to small collections (units,
courses, intakes, plans, parts) and to operator commands (rebuild).
"""
import datetime as dt
import gzip
import json

from bson import Binary

from mooc_common.contracts.tenancy import EVERY_TENANT
from mooc_common.infra.store import concurrently, concurrently_by_key, insert_new, insert_once

JOURNAL_ID = "batch"

FACT_COLLECTIONS = ('tenants', 'units', 'users', 'plans', 'courses', 'intakes', 'enrollments',
                    'completions', 'certificates', 'active_months', 'active_years', 'trained_years')
DERIVED_COLLECTIONS = ('parts', 'tenant_summaries', 'national_rows')
PROJECTOR_COLLECTIONS = ('inbox', 'journal', 'leases')
# The facts a rebuild re-exports from the source services (the others are kept).
REBUILT_FACTS = ("users", "enrollments", "completions", "trained_years")
# The journal is stored as one JSON string, datetimes as {"$date": "<ISO 8601>"}: FerretDB
# converts a nested document field by field, 300-500 ms to write or delete 2,000 facts; the
# standard library's encoder writes them in ~30 ms (bson.json_util: ~120 ms).


def _journal_json(journal):
    return json.dumps(journal, separators=(",", ":"), default=lambda moment: {"$date": moment.isoformat()})


def _journal_from_json(text):
    return json.loads(text, object_hook=lambda obj: dt.datetime.fromisoformat(obj["$date"])
                      if obj.keys() == {"$date"} else obj)


def key(*parts):
    return "|".join("" if p is None else str(p) for p in parts)


class ReportsStore:
    COLLECTIONS = FACT_COLLECTIONS + DERIVED_COLLECTIONS + PROJECTOR_COLLECTIONS + (
        'year_end_drafts', 'year_end_reports')

    def __init__(self, db):
        self.db = db
        self.inbox = db["inbox"]
        self.journal = db["journal"]
        self.leases = db["leases"]
        self.parts = db["parts"]
        self.summaries = db["tenant_summaries"]
        self.national_rows = db["national_rows"]
        self.drafts = db["year_end_drafts"]
        self.year_end = db["year_end_reports"]

    @staticmethod
    def ensure_indexes(db):
        # Used by MongoDB in production; FerretDB ignores them for queries.
        for name in ("units", "plans", "parts") + REBUILT_FACTS:
            db[name].create_index("tenant_id")
        db["courses"].create_index("owner")
        db["intakes"].create_index("owner")
        db["year_end_reports"].create_index("year")
        db["year_end_reports"].create_index("tenant_year")

    # ---- inbox (written by handlers) ------------------------------------------------
    def enqueue(self, record_id, tenant_id, at, changes=(), kind="changes", **extra):
        """One record per event: inserting it twice inserts nothing. ``tenant_id`` is the
        tenant whose report the record touches (EVERY_TENANT or None: every tenant)."""
        insert_once(self.inbox, inbox_record(record_id, tenant_id, at, changes, kind, **extra))

    def enqueue_many(self, records):
        """Bulk form (rebuild, benchmarks); records already inserted are skipped."""
        insert_new(self.inbox, records)

    def inbox_batch(self, max_changes):
        """The oldest records, up to ``max_changes`` changes (at least one record)."""
        batch, total = [], 0
        for record in self.inbox.find({}).limit(1000):
            total += len(record.get("changes") or ())
            if batch and total > max_changes:
                break
            batch.append(record)
        return batch

    def inbox_size(self):
        return self.inbox.estimated_document_count()

    def has_record(self, record_id):
        return self.inbox.find_one({"_id": record_id}, {"_id": 1}) is not None

    # ---- facts --------------------------------------------------------------------------
    def get(self, collection, fact_id):
        return self.db[collection].find_one({"_id": fact_id})

    def get_many(self, refs):
        """{(collection, id): fact or None}, looked up concurrently by _id."""
        return concurrently_by_key(lambda ref: self.get(*ref), refs)

    def find(self, collection, **equal):
        return list(self.db[collection].find(equal))

    def fact_ids(self, collection):
        for doc in self.db[collection].find({}, {"_id": 1}).batch_size(5000):
            yield doc["_id"]

    def fact_count(self):
        return sum(self.db[c].estimated_document_count() for c in FACT_COLLECTIONS)

    # ---- parts --------------------------------------------------------------------------
    def tenant_parts(self, tenant_id):
        return {p["part"]: json.loads(p["json"]) for p in self.parts.find({"tenant_id": tenant_id})}

    # ---- the journal: one batch's absolute results --------------------------------------
    def pending_journal(self):
        doc = self.journal.find_one({"_id": JOURNAL_ID})
        return _journal_from_json(doc["json"]) if doc else None

    def write_journal(self, journal):
        self.journal.insert_one({"_id": JOURNAL_ID, "json": _journal_json(journal)})

    def apply_journal(self, journal):
        """Write a batch's results; every step is idempotent, so a replay after a crash
        finishes the batch. Returns the journal's tenants {tenant_id: as_of}."""
        for forgotten in journal.get("forget", ()):
            self.db[forgotten["c"]].delete_many({"tenant_id": forgotten["tenant_id"]})
        for tenant_id in journal.get("reset_parts", ()):
            self.parts.delete_many({"tenant_id": tenant_id})
        by_collection = {}
        for entry in journal.get("facts", ()):
            by_collection.setdefault(entry["c"], ([], []))[0 if entry["new"] else 1].append(entry["doc"])
        # Parts as JSON text, like the reports: FerretDB converts a nested document field by field.
        replaced = [(self.parts, {"_id": part["_id"], "tenant_id": part["tenant_id"], "part": part["part"],
                                  "json": _json(part["data"])}) for part in journal.get("parts", ())]
        for collection, (new, changed) in by_collection.items():
            if new:  # on a replay some are there already, as they were written
                insert_new(self.db[collection], new)
            replaced += [(self.db[collection], doc) for doc in changed]
        # One replace per document, concurrently: a multi-statement update (bulk_write) hangs
        # FerretDB 1.24's SQLite backend (the database stops answering).
        concurrently(lambda item: item[0].replace_one({"_id": item[1]["_id"]}, item[1], upsert=True), replaced)

    def finish_journal(self, inbox_ids):
        # One delete per _id, concurrently: FerretDB evaluates ``$in`` by reading the whole
        # inbox, which holds the backlog (30 s and more at 250,000 records).
        concurrently(lambda record_id: self.inbox.delete_one({"_id": record_id}), inbox_ids)
        self.journal.delete_one({"_id": JOURNAL_ID})

    # ---- stored reports ----------------------------------------------------------------
    # A tenant report is stored as gzipped JSON: FerretDB converts a nested document field by
    # field (~5 ms for 12 KB), and even a 73 KB string took 5.6 ms to read. Gzipped, a report
    # is ~20x smaller (50 KB -> 2.4 KB measured); it crosses the RPC as such, and the gateway
    # sends it on as is to clients that accept gzip.
    def save_summary(self, summary, national_row):
        tenant_id = summary["tenant_id"]
        packed = gzip.compress(_json(summary).encode("utf-8"), compresslevel=6, mtime=0)
        self.summaries.replace_one({"_id": tenant_id}, {"_id": tenant_id, "as_of": summary["as_of"],
                                                        "gzip": Binary(packed)}, upsert=True)
        self.national_rows.replace_one({"_id": tenant_id}, {"_id": tenant_id, "json": _json(national_row)},
                                       upsert=True)

    def summary_gzip(self, tenant_id):
        """The stored report as gzipped UTF-8 JSON (bytes), or None."""
        doc = self.summaries.find_one({"_id": tenant_id})
        return bytes(doc["gzip"]) if doc else None

    def get_summary(self, tenant_id):
        packed = self.summary_gzip(tenant_id)
        return json.loads(gzip.decompress(packed)) if packed else None

    def summary_as_of(self, tenant_id):
        doc = self.summaries.find_one({"_id": tenant_id}, {"as_of": 1})
        return (doc or {}).get("as_of")

    def all_national_rows(self):
        return [json.loads(row["json"]) for row in self.national_rows.find({})]

    # ---- year-end reports --------------------------------------------------------------
    def save_draft(self, tenant_id, year, evaluation, by, at):
        self.drafts.replace_one({"_id": key(tenant_id, year)},
                                {"_id": key(tenant_id, year), "evaluation": evaluation, "by": by, "at": at},
                                upsert=True)

    def get_draft(self, tenant_id, year):
        return self.drafts.find_one({"_id": key(tenant_id, year)})

    def insert_year_end_version(self, doc, announce):
        """Versions are insert-only documents ``tenant|year|n``: a unique insert claims n.
        ``announce(numbered doc, insert)`` wraps each try (the outbox); returns n."""
        n = len(self.year_end_versions(doc["tenant_id"], doc["year"]))
        while True:
            n += 1
            if announce(dict(doc, _id=key(doc["tenant_id"], doc["year"], n), version=n),
                        lambda version: insert_once(self.year_end, version)):
                return n

    def year_end_versions(self, tenant_id, year):
        docs = self.year_end.find({"tenant_year": key(tenant_id, year)})
        return sorted((dict(d) for d in docs), key=lambda d: d["version"])

    def year_end_version(self, tenant_id, year, version):
        return self.year_end.find_one({"_id": key(tenant_id, year, version)})

    def year_end_submissions(self, year):
        return list(self.year_end.find({"year": year}, {"content": 0}))


def _json(value):
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def inbox_record(record_id, tenant_id, at, changes=(), kind="changes", **extra):
    return dict(extra, _id=str(record_id), kind=kind, tenant_id=tenant_id or EVERY_TENANT, at=at, changes=list(changes))
