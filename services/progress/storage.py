"""Progress storage: course structures and enrollments (from events), activities, progress.

Progress lives on the enrollment document. State changes that must be announced are written
in the same single-document update as an ``outbox`` entry; the service publishes outbox
entries (with deterministic event ids) and then clears them. A crash in between re-publishes
the same event id, which consumers drop: exactly-once effects over at-least-once delivery.
"""
import pymongo
from pymongo.errors import BulkWriteError, DuplicateKeyError

DUPLICATE_KEY = 11000


class ProgressStore:
    COLLECTIONS = ('courses', 'enrollments', 'activities')

    def __init__(self, db):
        self.courses = db["courses"]
        self.enrollments = db["enrollments"]
        self.activities = db["activities"]

    @staticmethod
    def ensure_indexes(db):
        db["enrollments"].create_index("learner_course", unique=True)

    # course structures, newest revision wins whatever the arrival order
    def save_course(self, course):
        try:
            self.courses.update_one({"_id": course["course_id"], "revision": {"$lt": course["revision"]}},
                                    {"$set": course}, upsert=True)
        except DuplicateKeyError:
            pass  # a newer revision is already stored

    def get_course(self, course_id):
        return self.courses.find_one({"_id": course_id})

    def save_enrollment(self, enrollment):
        doc = dict(enrollment, _id=enrollment["enrollment_id"],
                   learner_course=f"{enrollment['learner_id']}:{enrollment['course_id']}",
                   lessons_done={}, outbox={}, status="not_started", completed_at=None,
                   first_activity_at=None, last_activity_at=None)
        try:  # insert, not an upsert: FerretDB 1.24 drops null fields from $setOnInsert
            self.enrollments.insert_one(doc)
        except DuplicateKeyError:
            pass  # redelivered: the enrollment and its progress are already there

    def find_enrollment(self, learner_id, course_id):
        return self.enrollments.find_one({"learner_course": f"{learner_id}:{course_id}"})

    def record_activities(self, docs):
        """Insert activities keyed by their client id; duplicates are ignored (counted once)."""
        if not docs:
            return 0
        try:
            return len(self.activities.insert_many(docs, ordered=False).inserted_ids)
        except BulkWriteError as exc:
            errors = exc.details.get("writeErrors", [])
            if any(e.get("code") != DUPLICATE_KEY for e in errors):
                raise
            return exc.details.get("nInserted", 0)

    def touch(self, enrollment_id, first, last):
        """Widen [first_activity_at, last_activity_at]; order of arrival does not matter."""
        self.enrollments.update_one({"_id": enrollment_id, "first_activity_at": None},
                                    {"$set": {"first_activity_at": first, "last_activity_at": last,
                                              "status": "in_progress"}})
        self.enrollments.update_one({"_id": enrollment_id, "first_activity_at": {"$gt": first}},
                                    {"$set": {"first_activity_at": first}})
        self.enrollments.update_one({"_id": enrollment_id, "last_activity_at": {"$lt": last}},
                                    {"$set": {"last_activity_at": last}})

    def mark_lesson_done(self, enrollment_id, lesson_id, at):
        self.enrollments.update_one(
            {"_id": enrollment_id, f"lessons_done.{lesson_id}": {"$exists": False}},
            {"$set": {f"lessons_done.{lesson_id}": at, f"outbox.lesson:{lesson_id}": True}})

    def complete_once(self, enrollment_id, at):
        return self.enrollments.find_one_and_update(
            {"_id": enrollment_id, "completed_at": None},
            {"$set": {"completed_at": at, "status": "completed", "outbox.course": True}})

    def get_enrollment(self, enrollment_id):
        return self.enrollments.find_one({"_id": enrollment_id})

    def clear_outbox(self, enrollment_id, key):
        self.enrollments.update_one({"_id": enrollment_id}, {"$set": {f"outbox.{key}": False}})
