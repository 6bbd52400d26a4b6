"""Synchronous validation of learner activity without an RPC per activity.

Each gateway process keeps, per (learner, course), the answer of the progress service's
``enrollment_context`` RPC for ``ttl`` seconds: lessons with the activity kinds they accept,
quiz attempt limits, the ids of attempts already counted, cancellation. So at most one RPC per
learner and course per TTL, whatever the activity rate.

Staleness bounds (the progress service stays the authority and re-checks everything):
- a cancelled enrollment may still be accepted by this process for up to ``ttl`` seconds; the
  service then records those activities as ignored;
- quiz attempts accepted by THIS process are counted at once (reserved before publishing,
  released if the publish fails); attempts accepted by other gateway processes are seen only
  after their TTL, so with N processes at most N-1 extra attempts can be accepted per TTL —
  the service refuses them when it applies them (recorded on the activity, no effect);
- a lesson added by a new course revision: an unknown lesson id triggers a fresh fetch (at
  most one every 0.2 s) before the activity is refused;
- "not enrolled" is never cached (the enrollment event may still be in flight).
"""
import threading
import time
from contextlib import contextmanager

from mooc_common.contracts.errors import Conflict, NotFound, ValidationFailed


class _Entry:
    def __init__(self, context, fetched_at):
        self.context = context
        self.fetched_at = fetched_at
        self.attempts = {lesson: set(ids) for lesson, ids in context["attempt_ids"].items()}


class EnrollmentContexts:
    REFRESH_INTERVAL = 0.2

    def __init__(self, rpc, ttl=30.0, max_entries=100_000, clock=time.monotonic):
        self.rpc = rpc
        self.ttl = ttl
        self.max_entries = max_entries
        self.clock = clock
        self._entries = {}
        self._lock = threading.Lock()

    def _get(self, actor, course_id, fresh=False):
        key = (actor["user_id"], course_id)
        with self._lock:
            entry = self._entries.get(key)
        if entry and not fresh and self.clock() - entry.fetched_at < self.ttl:
            return entry
        entry = _Entry(self.rpc.call("progress", "enrollment_context", actor, course_id), self.clock())
        with self._lock:
            if len(self._entries) >= self.max_entries:
                self._entries.clear()  # crude bound; entries are cheap to refetch
            self._entries[key] = entry
        return entry

    @contextmanager
    def admitted(self, actor, activities):
        """Validate ``activities`` (loaded items) and reserve their quiz attempts.

        Raises NotFound (not enrolled), Conflict (cancelled, no attempts left) or
        ValidationFailed (errors per activity index). On an exception inside the block (the
        publish failed) the reservations are released.
        """
        entries, errors = {}, {}
        for index, activity in enumerate(activities):
            course_id = activity["course_id"]
            if course_id not in entries:
                entries[course_id] = self._get(actor, course_id)
            entry = entries[course_id]
            if entry.context["cancelled"]:
                raise Conflict("Your enrollment in this course was cancelled.", {"course_id": [course_id]})
            lesson = entry.context["lessons"].get(activity["lesson_id"])
            # A newer revision may have it: refetch (at most every REFRESH_INTERVAL per learner and course).
            if lesson is None and self.clock() - entry.fetched_at >= self.REFRESH_INTERVAL:
                entry = entries[course_id] = self._get(actor, course_id, fresh=True)
                lesson = entry.context["lessons"].get(activity["lesson_id"])
            problem = _problem(entry.context, lesson, activity)
            if problem:
                errors[str(index)] = problem
        if errors:
            raise ValidationFailed("Some activities do not fit the course.", {"activities": errors})
        reserved = self._reserve(entries, activities)
        try:
            yield
        except BaseException:
            with self._lock:
                for entry, lesson_id, attempt_id in reserved:
                    entry.attempts[lesson_id].discard(attempt_id)
            raise

    def _reserve(self, entries, activities):
        reserved = []
        with self._lock:
            for activity in activities:
                if activity["kind"] != "quiz_submitted":
                    continue
                entry, lesson_id = entries[activity["course_id"]], activity["lesson_id"]
                attempt_id = str(activity["activity_id"])
                used = entry.attempts.setdefault(lesson_id, set())
                if attempt_id in used:
                    continue  # the same attempt sent again: accepted, counted once
                limit = entry.context["lessons"][lesson_id]["max_attempts"]
                if limit is not None and len(used) >= limit:
                    for r_entry, r_lesson, r_id in reserved:
                        r_entry.attempts[r_lesson].discard(r_id)
                    raise Conflict(f"No attempts left for this quiz: {len(used)} of {limit} used.",
                                   {"lesson_id": [lesson_id], "attempts_left": [0]})
                used.add(attempt_id)
                reserved.append((entry, lesson_id, attempt_id))
        return reserved


def _problem(context, lesson, activity):
    if lesson is None:
        return {"lesson_id": ["not a lesson of this course"]}
    if activity["kind"] not in lesson["accepts"]:
        return {"kind": [f"{activity['kind']} does not apply to a {lesson['kind']} lesson"]}
    if activity.get("intake_id") and activity["intake_id"] != context["intake_id"]:
        return {"intake_id": ["you are not enrolled in this intake"]}
    return None
