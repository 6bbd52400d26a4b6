"""Progress service entrypoints: activity ingestion, enrollment progress, completion."""
from collections import defaultdict

from kombu import Exchange, Queue
from marshmallow import ValidationError
from nameko.rpc import rpc

from mooc_common.contracts import activities as contract
from mooc_common.contracts.errors import NotFound
from mooc_common.contracts.events.courses import COURSE_PUBLISHED, ENROLLMENT_CREATED
from mooc_common.contracts.events.progress import COURSE_COMPLETED, LESSON_COMPLETED
from mooc_common.contracts.envelope import deterministic_event_id
from mooc_common.infra.keyed_locks import KeyedLocks
from mooc_common.infra.events import (EventPublisher, PermanentEventError, on_event,
                                      reliable_consume)
from mooc_common.infra.service_base import PlatformService
from mooc_common.infra.store import Store, export_page

from . import domain
from .storage import ProgressStore

INGEST_QUEUE = Queue(contract.INGEST_QUEUE,
                     exchange=Exchange(contract.INGEST_EXCHANGE, type="direct", durable=True),
                     routing_key=contract.INGEST_ROUTING_KEY, durable=True)


class NotYetKnown(Exception):
    """An activity arrived before the enrollment or course event it depends on: retry later."""


# One enrollment's activities are applied one batch at a time in this process (see KeyedLocks).
ENROLLMENT_LOCKS = KeyedLocks()


class ProgressService(PlatformService):
    name = "progress"

    store = Store(ProgressStore)
    events = EventPublisher()

    @on_event(COURSE_PUBLISHED)
    def on_course_published(self, event):
        self.store.save_course(dict(event["payload"]))

    @on_event(ENROLLMENT_CREATED)
    def on_enrollment_created(self, event):
        payload = dict(event["payload"], tenant_id=event["tenant_id"])
        self.store.save_enrollment(payload)

    @reliable_consume(INGEST_QUEUE)
    def ingest(self, body):
        try:
            message = contract.IngestMessageSchema().load(body)
        except ValidationError as exc:
            raise PermanentEventError(f"malformed activity message: {exc.messages}") from exc
        self.store.record_activities([
            dict(a, _id=str(a["activity_id"]), activity_id=str(a["activity_id"]),
                 learner_id=message["learner_id"], tenant_id=message["tenant_id"],
                 received_at=message["received_at"])
            for a in message["activities"]])
        by_course = defaultdict(list)
        for activity in message["activities"]:
            by_course[activity["course_id"]].append(activity)
        for course_id, course_activities in by_course.items():
            with ENROLLMENT_LOCKS.hold((message["learner_id"], course_id)):
                self._apply(message["learner_id"], course_id, course_activities)

    def _apply(self, learner_id, course_id, activities):
        enrollment = self.store.find_enrollment(learner_id, course_id)
        course = self.store.get_course(course_id)
        if enrollment is None or course is None:
            raise NotYetKnown(f"enrollment of {learner_id} in {course_id} not known yet")
        times = [a["occurred_at"] for a in activities]
        self.store.touch(enrollment["_id"], min(times), max(times))
        for activity in activities:
            if activity["kind"] == "lesson_completed":
                self.store.mark_lesson_done(enrollment["_id"], activity["lesson_id"], activity["occurred_at"])
        enrollment = self.store.get_enrollment(enrollment["_id"])
        if enrollment["completed_at"] is None and domain.completion_met(
                course["completion_rule"], enrollment["lessons_done"]):
            self.store.complete_once(enrollment["_id"], max(enrollment["lessons_done"].values()))
            enrollment = self.store.get_enrollment(enrollment["_id"])
        self._flush_outbox(enrollment)

    def _flush_outbox(self, enrollment):
        context = domain.enrollment_context(dict(enrollment, enrollment_id=enrollment["_id"]))
        for key, pending in enrollment.get("outbox", {}).items():
            if not pending:
                continue
            if key == "course":
                self.events(COURSE_COMPLETED, dict(context, completed_at=enrollment["completed_at"]),
                            enrollment["tenant_id"],
                            event_id=deterministic_event_id("course.completed", enrollment["_id"]))
            else:
                lesson_id = key.split(":", 1)[1]
                self.events(LESSON_COMPLETED, dict(context, lesson_id=lesson_id,
                                                   completed_at=enrollment["lessons_done"][lesson_id]),
                            enrollment["tenant_id"],
                            event_id=deterministic_event_id("lesson.completed", enrollment["_id"], lesson_id))
            self.store.clear_outbox(enrollment["_id"], key)

    @rpc
    def get_my_progress(self, actor, course_id):
        enrollment = self.store.find_enrollment(actor["user_id"], course_id)
        course = self.store.get_course(course_id)
        if enrollment is None or course is None:
            raise NotFound("You are not enrolled in this course.")
        return {
            "course_id": course_id, "enrollment_id": enrollment["_id"],
            "status": enrollment.get("status"), "lessons_done": sorted(enrollment["lessons_done"]),
            "percent_complete": domain.percent_complete(course, enrollment["lessons_done"]),
            "completed_at": enrollment["completed_at"] and enrollment["completed_at"].isoformat(),
        }

    # ---- read-only export for rebuilding the reports read models (scripts/rebuild_reports.py)
    @rpc
    def export_completions(self, tenant_id, after=None, limit=500):
        """A page of the tenant's enrollments (by _id) with, for the completed ones, the
        COURSE_COMPLETED payload; the page cursor is the last enrollment id."""
        page = export_page(self.store.enrollments, after, limit, tenant_id=tenant_id)
        return {"next_after": page[-1]["_id"] if page else None,
                "completions": [dict(domain.enrollment_context(dict(e, enrollment_id=e["_id"])),
                                     completed_at=e["completed_at"]) for e in page if e.get("completed_at")]}
