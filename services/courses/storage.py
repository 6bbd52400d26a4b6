"""Courses storage: courses, intakes, documents, enrollments, assignment jobs, and replicas of
tenants, units and learners (fed by accounts events).

Reads are ``_id`` lookups where speed matters: FerretDB 1.24 on SQLite pushes down nothing
else (docs/architecture.md), so any other filter reads the whole collection; MongoDB uses the
indexes made here.
Enrollments are inserted with a natural id (course, learner), in batches; the events that
announce them go through the service's outbox (enrollment.py, mooc_common/infra/outbox.py).
Every update of a course, an enrollment or a replica holds this process's lock of that document
(``keyed_locks.writing``): FerretDB loses one of two concurrent updates otherwise. A change
that reads a document, checks it and writes it (an edit, a cancellation, an upload's next
chunk) holds the document's change lock here for the whole sequence (``changing_*``), and a
tenant's storage usage is checked and counted in one locked method (``reserve_storage``).
"""
import uuid
from contextlib import contextmanager

import pymongo

from mooc_common.contracts.errors import Conflict
from mooc_common.infra.keyed_locks import KeyedLocks, writing
from mooc_common.infra.store import insert_new, insert_once, utcnow

from .domain import newer, owner_key


# Read-check-write sequences, one at a time per document in this process. Apart from the
# single-update locks (``writing``), which the sequence's own updates take inside them.
CHANGES = KeyedLocks()


def enrollment_id(course_id, learner_id):
    return uuid.uuid5(uuid.NAMESPACE_URL, f"enrollment:{course_id}:{learner_id}").hex


class CoursesStore:
    COLLECTIONS = ('courses', 'intakes', 'documents', 'document_chunks', 'storage_usage',
                   'enrollments', 'jobs', 'learners', 'units', 'tenants')

    def __init__(self, db):
        self.db = db
        for name in self.COLLECTIONS:
            setattr(self, name, db[name])

    @staticmethod
    def ensure_indexes(db):
        db["courses"].create_index("owner_code", unique=True)
        db["courses"].create_index("owner_key")
        db["intakes"].create_index("course_id")
        db["document_chunks"].create_index("document_id")
        db["enrollments"].create_index("course_id")
        db["enrollments"].create_index("learner_id")
        db["learners"].create_index("unit_id")
        db["learners"].create_index("tenant_id")
        db["units"].create_index("tenant_id")

    # -- courses ---------------------------------------------------------------------------
    def insert_course(self, doc):
        key = owner_key(doc["owner_tenant_id"])
        doc = dict(doc, _id=uuid.uuid4().hex, owner_key=key, owner_code=f"{key}:{doc['code']}",
                   status="draft", revision=0, created_at=utcnow(), updated_at=utcnow())
        if not insert_once(self.courses, doc):
            raise Conflict(f"A course with code {doc['code']} already exists.", {"code": ["already exists"]})
        return doc

    def get_course(self, course_id):
        return self.courses.find_one({"_id": course_id})

    @contextmanager
    def changing_course(self, course_id):
        """The course as it is now (None if none), no other change of it in this process
        starting before the block ends (its checks then hold for the write)."""
        with CHANGES.hold((self.db.name, "courses", course_id)):
            yield self.get_course(course_id)

    def update_course(self, course_id, changes):
        with writing(self.courses, course_id):
            return self.courses.find_one_and_update(
                {"_id": course_id}, {"$set": dict(changes, updated_at=utcnow())},
                return_document=pymongo.ReturnDocument.AFTER)

    def courses_of_owner(self, key, status=None):
        query = {"owner_key": key} if status is None else {"owner_key": key, "status": status}
        return list(self.courses.find(query, {"sections": 0}).limit(5000))

    # -- intakes ---------------------------------------------------------------------------
    def insert_intake(self, doc):
        doc = dict(doc, _id=doc.get("_id") or uuid.uuid4().hex, created_at=utcnow())
        self.intakes.insert_one(doc)
        return doc

    def intakes_of(self, course_id):
        return sorted(self.intakes.find({"course_id": course_id}), key=lambda i: i["enroll_from"])

    # -- documents (bytes in chunks of at most 4 MiB) -------------------------------------
    def insert_document(self, doc):
        doc = dict(doc, _id=uuid.uuid4().hex, state="uploading", received=0, created_at=utcnow())
        self.documents.insert_one(doc)
        return doc

    def get_document(self, document_id):
        return self.documents.find_one({"_id": document_id})

    def put_chunk(self, document_id, index, data):
        if not insert_once(self.document_chunks, {"_id": f"{document_id}:{index}", "document_id": document_id,
                                           "n": index, "data": data}):
            raise Conflict(f"Chunk {index} was already received.", {"index": ["duplicate"]})

    def chunk(self, document_id, index):
        found = self.document_chunks.find_one({"_id": f"{document_id}:{index}"})
        return found and found["data"]

    @contextmanager
    def changing_document(self, document_id):
        """The document (None if none), held like ``changing_course`` (chunks come in order)."""
        with CHANGES.hold((self.db.name, "documents", document_id)):
            yield self.get_document(document_id)

    def update_document(self, document_id, changes):
        return self.documents.find_one_and_update({"_id": document_id}, {"$set": changes},
                                                  return_document=pymongo.ReturnDocument.AFTER)

    def delete_document(self, document_id):
        self.document_chunks.delete_many({"document_id": document_id})
        self.documents.delete_one({"_id": document_id})

    # -- storage usage per tenant ---------------------------------------------------------
    def storage_used(self, tenant_id):
        found = self.storage_usage.find_one({"_id": tenant_id})
        return found["bytes"] if found else 0

    def reserve_storage(self, tenant_id, size, quota_bytes):
        """Count ``size`` more bytes if they fit in ``quota_bytes``: (bytes used before, whether
        counted). Checked and counted under the tenant's write lock (read-check-write)."""
        with writing(self.storage_usage, tenant_id):
            used = self.storage_used(tenant_id)
            if used + size > quota_bytes:
                return used, False
            self.storage_usage.update_one({"_id": tenant_id}, {"$inc": {"bytes": size}}, upsert=True)
            return used, True

    def release_storage(self, tenant_id, size):
        with writing(self.storage_usage, tenant_id):
            self.storage_usage.update_one({"_id": tenant_id}, {"$inc": {"bytes": -size}}, upsert=True)

    # -- replicas of accounts data ---------------------------------------------------------
    def get_replica(self, collection, key):
        return getattr(self, collection).find_one({"_id": key})

    def put_replica(self, collection, key, doc):
        """Store ``doc`` (with its event time ``as_of``) as replica ``key`` unless the stored one
        is newer: replicas follow event time, whatever the arrival order. True if stored."""
        with writing(getattr(self, collection), key):
            if not newer(self.get_replica(collection, key), doc["as_of"]):
                return False
            getattr(self, collection).replace_one({"_id": key}, dict(doc, _id=key), upsert=True)
            return True

    def insert_replicas(self, collection, docs):
        return insert_new(getattr(self, collection), docs)

    def units_of_tenant(self, tenant_id):
        return list(self.units.find({"tenant_id": tenant_id}, {"path": 1, "name": 1}))

    def learners_of_tenant(self, tenant_id):
        """A cursor over the tenant's learners: one read of the whole replica on FerretDB 1.24,
        which pushes down only ``_id`` lookups (so filter units and categories in the caller,
        rather than reading once per unit)."""
        return self.learners.find({"tenant_id": tenant_id})

    # -- enrollments -----------------------------------------------------------------------
    def get_enrollment(self, enrollment_id_):
        return self.enrollments.find_one({"_id": enrollment_id_})

    def insert_enrollments(self, docs):
        return insert_new(self.enrollments, docs)

    @contextmanager
    def changing_enrollment(self, enrollment_id_):
        """The enrollment (None if none), held like ``changing_course``."""
        with CHANGES.hold((self.db.name, "enrollments", enrollment_id_)):
            yield self.get_enrollment(enrollment_id_)

    def update_enrollment(self, enrollment_id_, changes):
        """The enrollment after ``changes``; None (and nothing written) if there is none."""
        with writing(self.enrollments, enrollment_id_):
            return self.enrollments.find_one_and_update({"_id": enrollment_id_}, {"$set": changes},
                                                        return_document=pymongo.ReturnDocument.AFTER)

    def find_enrollments(self, query, offset, limit):
        """A page of ``query`` (enrollment_list.query) in insertion order: a sort would make
        FerretDB read every enrollment of the course."""
        return list(self.enrollments.find(query).skip(offset).limit(limit))

    def enrollments_of_learner(self, learner_id):
        return list(self.enrollments.find({"learner_id": learner_id}).limit(1000))

    # -- assignment jobs -------------------------------------------------------------------
    def insert_job(self, doc):
        doc = dict(doc, _id=uuid.uuid4().hex, state="queued", total=None, done=0, result=None,
                   created_at=utcnow(), finished_at=None)
        self.jobs.insert_one(doc)
        return doc

    def get_job(self, job_id):
        return self.jobs.find_one({"_id": job_id})

    def update_job(self, job_id, changes):
        self.jobs.update_one({"_id": job_id}, {"$set": changes})
