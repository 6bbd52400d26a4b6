"""Progress storage: replicas (courses, enrollments, units from events), activities, progress,
certificates.

Progress lives on the enrollment document and changes by ONE ``$set`` per batch of a
learner's activities in a course, made under a per-enrollment lock (FerretDB loses concurrent
updates of one document). State changes that must be announced carry the service outbox's
marker in that same update (mooc_common/infra/outbox.py): a crash before the publish leaves
the events to the outbox sweeper, under deterministic ids that consumers drop if seen.
"""
import time
from contextlib import ExitStack, contextmanager

from pymongo.errors import DuplicateKeyError

from mooc_common.infra.keyed_locks import KeyedLocks
from mooc_common.infra.store import concurrently, concurrently_by_key, insert_new, insert_once, utcnow

# The activity hot path's in-process caches (every batch looked both up in the store): an
# enrollment's id for a learner and course never changes once stored; a course replica is
# re-read at most every COURSE_CACHE_SECONDS (it is fed by events, already that far behind
# courses), at once when this process stores a new revision, and when an activity names a
# lesson the cached revision lacks (see ``hot_course``).
COURSE_CACHE_SECONDS = 2.0
CACHE_MAX = 100_000
_enrollment_ids = {}  # (database, "<learner>:<course>") -> enrollment id
_courses = {}  # (database, course id) -> (monotonic time read, course)
# (database, learner, day) already announced as LEARNER_ACTIVE by this process: skips a store
# round trip per learner and batch. Bounded; the store's marker stays the authority.
_announced_days = set()
MAX_ANNOUNCED_DAYS = 200_000
# Every change of an enrollment in this process is made holding its lock (FerretDB loses
# concurrent updates of one document): one batch of its activities, a cancellation, a re-path.
_enrollment_locks = KeyedLocks()
# Certificate serials: one allocation of a year at a time in this process, from the next number
# this process knows (see ``allocate_serial``).
_serial_locks = KeyedLocks()
_next_serials = {}  # (database, counter id) -> next number to try


class ProgressStore:
    COLLECTIONS = ('courses', 'enrollments', 'enrollment_keys', 'activities', 'units', 'certificates',
                   'serials', 'active_days')

    def __init__(self, db):
        self.db = db
        self.courses = db["courses"]
        self.enrollments = db["enrollments"]
        # {_id: "<learner>:<course>", enrollment_id}: the hot path's lookup by _id. The local
        # store cannot use the secondary index on learner_course (596 ms per lookup at 520
        # enrollments, against 3.5 ms by _id), and every activity batch looks one up.
        self.enrollment_keys = db["enrollment_keys"]
        self.activities = db["activities"]
        self.units = db["units"]
        self.certificates = db["certificates"]
        self.serials = db["serials"]
        self.active_days = db["active_days"]

    @staticmethod
    def ensure_indexes(db):
        db["enrollments"].create_index("learner_course", unique=True)
        db["enrollments"].create_index("course_tenant")
        db["enrollments"].create_index("course_id")
        db["enrollments"].create_index("unit_id")
        db["certificates"].create_index("verification_code", unique=True)
        db["serials"].create_index("enrollment_id", unique=True)

    # course structures, newest revision wins whatever the arrival order
    def save_course(self, course):
        try:
            self.courses.update_one({"_id": course["course_id"], "revision": {"$lt": course["revision"]}},
                                    {"$set": course}, upsert=True)
        except DuplicateKeyError:
            pass  # a newer revision is already stored
        _courses.pop((self.db.name, course["course_id"]), None)

    def get_course(self, course_id):
        return self.courses.find_one({"_id": course_id})

    def hot_course(self, course_id, lesson_ids=()):
        """The course for applying activities: from the cache unless older than
        COURSE_CACHE_SECONDS or missing one of ``lesson_ids`` (a newer revision)."""
        key, now = (self.db.name, course_id), time.monotonic()
        read_at, course = _courses.get(key, (None, None))
        if course is None or now - read_at > COURSE_CACHE_SECONDS or \
                not set(lesson_ids) <= {lesson["lesson_id"] for lesson in course["lessons"]}:
            course = self.get_course(course_id)
            if course is not None:
                if len(_courses) >= CACHE_MAX:
                    _courses.clear()
                _courses[key] = (now, course)
        return course

    # units: path = ids from the tenant's root down to the unit
    def save_unit(self, unit):
        self.units.replace_one({"_id": unit["unit_id"]}, dict(unit, _id=unit["unit_id"]), upsert=True)

    def unit_paths(self, unit_ids):
        """{unit id: path} (a unit not known yet: its own id; no unit: ``[]``), read side by side."""
        return concurrently_by_key(self._unit_path, unit_ids)

    def _unit_path(self, unit_id):
        if unit_id is None:
            return []
        unit = self.units.find_one({"_id": unit_id}, {"path": 1})
        return list(unit["path"]) if unit else [unit_id]

    def enrollment_ids_in_unit(self, unit_id):
        return [e["_id"] for e in self.enrollments.find({"unit_id": unit_id}, {"_id": 1})]

    def set_unit_path(self, enrollment_id, path):
        with self._locked([enrollment_id]):
            self.enrollments.update_one({"_id": enrollment_id}, {"$set": {"unit_path": path}})

    # enrollments
    def save_enrollments(self, enrollments, unit_paths):
        """Store ``enrollments`` (payloads with their tenant) with the path of their unit, in one
        bulk insert, and their keys in another; one stored before (a redelivery, or pulled from
        courses by ``enrollment_context``) is kept as it is, with its progress."""
        docs = [dict(enrollment, _id=enrollment["enrollment_id"],
                     learner_course=f"{enrollment['learner_id']}:{enrollment['course_id']}",
                     course_tenant=f"{enrollment['course_id']}:{enrollment['tenant_id']}",
                     unit_path=unit_paths[enrollment["unit_id"]], lessons_done={}, videos={}, opened={},
                     quizzes={}, outbox={}, status="not_started", completed_at=None, cancelled_at=None,
                     first_activity_at=None, last_activity_at=None)
                for enrollment in enrollments]
        # inserts, not upserts: FerretDB 1.24 drops null fields from $setOnInsert
        insert_new(self.enrollments, docs)
        insert_new(self.enrollment_keys, [{"_id": d["learner_course"], "enrollment_id": d["_id"]} for d in docs])

    def _save_key(self, learner_course, enrollment_id):
        insert_once(self.enrollment_keys, {"_id": learner_course, "enrollment_id": enrollment_id})

    def enrollment_id(self, learner_id, course_id):
        """The id of the learner's enrollment in the course, or None (cached once known)."""
        learner_course = f"{learner_id}:{course_id}"
        cached = _enrollment_ids.get((self.db.name, learner_course))
        if cached is not None:
            return cached
        key = self.enrollment_keys.find_one({"_id": learner_course})
        if key is not None:
            enrollment_id = key["enrollment_id"]
        else:
            # Not known yet, or stored before the keys existed (or by a worker that crashed
            # between the two inserts): the indexed query, then the key for next time.
            enrollment = self.enrollments.find_one({"learner_course": learner_course}, {"_id": 1})
            if enrollment is None:
                return None
            enrollment_id = enrollment["_id"]
            self._save_key(learner_course, enrollment_id)
        if len(_enrollment_ids) >= CACHE_MAX:
            _enrollment_ids.clear()
        _enrollment_ids[(self.db.name, learner_course)] = enrollment_id
        return enrollment_id

    def find_enrollment(self, learner_id, course_id):
        enrollment_id = self.enrollment_id(learner_id, course_id)
        return None if enrollment_id is None else self.get_enrollment(enrollment_id)

    def enrollment_ids(self, learner_courses):
        """{(learner, course): enrollment id or None}, looked up side by side."""
        return concurrently_by_key(lambda pair: self.enrollment_id(*pair), learner_courses)

    def get_enrollment(self, enrollment_id):
        return self.enrollments.find_one({"_id": enrollment_id})

    def cancel_enrollment(self, enrollment_id, at):
        with self._locked([enrollment_id]):
            self.enrollments.update_one({"_id": enrollment_id, "cancelled_at": None},
                                        {"$set": {"cancelled_at": at}})

    @staticmethod
    @contextmanager
    def _locked(enrollment_ids):
        """Hold this process's locks of the enrollments (taken in one order: no two holders
        wait for each other)."""
        with ExitStack() as stack:
            for enrollment_id in sorted(set(enrollment_ids)):
                stack.enter_context(_enrollment_locks.hold(enrollment_id))
            yield

    @contextmanager
    def enrollments_for_update(self, enrollment_ids):
        """``{id: enrollment}`` read (side by side, by ``_id``) holding their locks until the
        block ends: the block folds them and writes them (``update_progress``) before any
        other change of them in this process."""
        with self._locked(enrollment_ids):
            yield concurrently_by_key(self.get_enrollment, enrollment_ids)

    def update_progress(self, changes_by_id):
        """``{enrollment id: fields to $set}``, side by side; only inside
        ``enrollments_for_update`` of those enrollments."""
        concurrently(lambda item: self.enrollments.update_one({"_id": item[0]}, {"$set": item[1]}),
                     [(enrollment_id, changes) for enrollment_id, changes in changes_by_id.items() if changes])

    def list_enrollments(self, query, skip, limit):
        """Equality filters only (course_tenant or course_id, status, unit_path element)."""
        cursor = self.enrollments.find(query).sort("_id", 1).skip(skip).limit(limit)
        return list(cursor)

    def count_enrollments(self, query):
        return self.enrollments.count_documents(query)

    # activities: the raw log, keyed by learner and client id (a re-sent activity is a duplicate)
    def record_activities(self, docs):
        """Insert in one batch; duplicates are ignored. Returns how many were new."""
        return len(insert_new(self.activities, docs))

    def get_activity(self, activity_key):
        return self.activities.find_one({"_id": activity_key})

    # learner-active days: one marker per learner and day (an atomic unique insert)
    @staticmethod
    def active_day_id(learner_id, day):
        return f"{learner_id}:{day.isoformat()}"

    def unannounced_days(self, learner_days):
        """Those of the (learner, day) pairs this process has not announced (or forgot)."""
        return [(learner, day) for learner, day in learner_days
                if (self.db.name, learner, day) not in _announced_days]

    def mark_active_days(self, docs, learner_days):
        """Insert the markers (one round trip); returns the ids of those that are the first
        of their learner and day. ``learner_days`` are remembered as announced."""
        new = insert_new(self.active_days, docs)
        if len(_announced_days) + len(learner_days) >= MAX_ANNOUNCED_DAYS:
            _announced_days.clear()
        _announced_days.update((self.db.name, learner, day) for learner, day in learner_days)
        return new

    # certificates
    def get_certificate(self, enrollment_id):
        return self.certificates.find_one({"_id": enrollment_id})

    def find_certificate_by_code(self, code):
        return self.certificates.find_one({"verification_code": code})

    def insert_certificate(self, doc):
        insert_once(self.certificates, doc)  # issued meanwhile (a redelivery): the first one stands
        return self.get_certificate(doc["_id"])

    def allocate_serial(self, enrollment_id, year, prefix="CC"):
        """A serial unique across instances: a unique insert per number, never a shared $inc.

        In a process, the allocations of a year take turns (a lock) from the next number kept
        in memory: side-by-side issuances no longer all try the same number (each refusal cost
        a scan for the enrollment's serial). The counter document is only a hint for a process
        that starts; a number taken by another process costs one more insert and a read by
        ``_id``. The same enrollment always gets the same serial (unique index on
        enrollment_id): a retried issuance is refused a second one and finds its first.
        """
        counter_id = f"counter:{prefix}:{year}"
        key = (self.db.name, counter_id)
        with _serial_locks.hold(key):
            number = _next_serials.get(key) or (self.serials.find_one({"_id": counter_id}) or {}).get("next", 1)
            while True:
                serial = f"{prefix}-{year}-{number:06d}"
                try:
                    self.serials.insert_one({"_id": serial, "enrollment_id": enrollment_id,
                                             "allocated_at": utcnow()})
                    break
                except DuplicateKeyError:
                    mine = self._serial_of(enrollment_id, serial)
                    if mine:  # an earlier (or another process's) issuance for this enrollment has one
                        return mine
                    number += 1
            _next_serials[key] = number + 1
        self._advance_hint(counter_id, number + 1)
        return serial

    def _advance_hint(self, counter_id, next_number):
        """Only a hint: an update lost to a concurrent one costs a later starter a few extra
        inserts, never a duplicate. Two first upserts of the counter side by side can both
        try the insert (MongoDB and FerretDB alike); the loser then updates the one that won."""
        change = {"$max": {"next": next_number},
                  # enrollment_id: the unique index admits one null only.
                  "$setOnInsert": {"enrollment_id": counter_id}}
        try:
            self.serials.update_one({"_id": counter_id}, change, upsert=True)
        except DuplicateKeyError:
            self.serials.update_one({"_id": counter_id}, {"$max": {"next": next_number}})

    def _serial_of(self, enrollment_id, refused):
        """The enrollment's serial, if the insert of ``refused`` was refused because it has one."""
        taken = self.serials.find_one({"_id": refused})
        if taken is not None:  # the number is someone's: ours, or another enrollment's
            return refused if taken["enrollment_id"] == enrollment_id else None
        existing = self.serials.find_one({"enrollment_id": enrollment_id})  # the number was free
        return existing and existing["_id"]
