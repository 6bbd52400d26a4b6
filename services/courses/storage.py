"""Courses storage: courses, the learner replica (from accounts events) and enrollments."""
import datetime as dt
import uuid

from pymongo.errors import DuplicateKeyError

from mooc_common.contracts.errors import Conflict


def now():
    return dt.datetime.now(dt.timezone.utc)


class CoursesStore:
    COLLECTIONS = ('courses', 'learners', 'enrollments')

    def __init__(self, db):
        self.courses = db["courses"]
        self.learners = db["learners"]
        self.enrollments = db["enrollments"]

    @staticmethod
    def ensure_indexes(db):
        db["courses"].create_index("owner_code", unique=True)
        db["enrollments"].create_index("tenant_id")
        db["enrollments"].create_index("course_id")

    def insert_course(self, doc):
        owner = doc["owner_tenant_id"] or "national"
        doc = dict(doc, _id=uuid.uuid4().hex, owner_code=f"{owner}:{doc['code']}",
                   status="draft", revision=0, created_at=now())
        try:
            self.courses.insert_one(doc)
        except DuplicateKeyError:
            raise Conflict(f"A course with code {doc['code']} already exists.", {"code": ["already exists"]})
        return doc

    def get_course(self, course_id):
        return self.courses.find_one({"_id": course_id})

    def mark_published(self, course_id):
        return self.courses.find_one_and_update(
            {"_id": course_id}, {"$set": {"status": "published", "published_at": now()},
                                 "$inc": {"revision": 1}}, return_document=True)

    def upsert_learner(self, learner):
        self.learners.update_one({"_id": learner["user_id"]}, {"$set": learner}, upsert=True)

    def get_learner(self, user_id):
        return self.learners.find_one({"_id": user_id})

    def enroll(self, course, learner, intake_id):
        """Idempotent: one enrollment per (course, learner); returns (doc, created)."""
        enrollment_id = uuid.uuid5(uuid.NAMESPACE_URL, f"enrollment:{course['_id']}:{learner['user_id']}").hex
        doc = {"_id": enrollment_id, "course_id": course["_id"], "learner_id": learner["user_id"],
               "tenant_id": learner["tenant_id"], "unit_id": learner.get("unit_id"),
               "category": learner.get("category"), "intake_id": intake_id,
               "course_owner_tenant_id": course["owner_tenant_id"], "status": "active",
               "enrolled_at": now()}
        try:
            self.enrollments.insert_one(doc)
            return doc, True
        except DuplicateKeyError:
            return self.enrollments.find_one({"_id": enrollment_id}), False
