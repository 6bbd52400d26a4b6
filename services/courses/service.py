"""Courses service entrypoints: authoring, publishing and enrollment."""
import uuid

from nameko.rpc import RpcProxy, rpc

from mooc_common.contracts.errors import NotFound
from mooc_common.contracts.events.accounts import USER_REGISTERED
from mooc_common.contracts.events.courses import COURSE_PUBLISHED, ENROLLMENT_CREATED
from mooc_common.infra.boundary import load
from mooc_common.infra.events import EventPublisher, on_event
from mooc_common.infra.service_base import PlatformService
from mooc_common.infra.store import Store, export_page

from . import domain, schemas
from .storage import CoursesStore

SYSTEM_ACTOR = {"role": "operator_admin", "user_id": "courses-service", "tenant_id": None}


class CoursesService(PlatformService):
    name = "courses"

    store = Store(CoursesStore)
    events = EventPublisher()
    accounts = RpcProxy("accounts")

    @rpc
    def create_course(self, actor, data):
        course_in = load(schemas.CourseCreateSchema(), data)
        course_in["owner_tenant_id"] = domain.course_owner_for(actor, course_in.pop("national"))
        for lesson in course_in["lessons"]:
            lesson["lesson_id"] = uuid.uuid4().hex
        course_in["completion_rule"] = domain.completion_rule(course_in["lessons"])
        return schemas.CourseSchema().dump(self.store.insert_course(course_in))

    @rpc
    def get_course(self, actor, course_id):
        course = self._course(course_id)
        if actor.get("role") != "operator_admin" and not domain.visible_to(course, actor.get("tenant_id")):
            raise NotFound("Course not found.")
        return schemas.CourseSchema().dump(course)

    @rpc
    def publish_course(self, actor, course_id):
        domain.require_editor(actor, self._course(course_id))
        course = self.store.mark_published(course_id)
        self.events(COURSE_PUBLISHED, {
            "course_id": course["_id"], "owner_tenant_id": course["owner_tenant_id"],
            "code": course["code"], "title": course["title"], "revision": course["revision"],
            "lessons": [{k: l[k] for k in ("lesson_id", "kind", "required")} for l in course["lessons"]],
            "completion_rule": course["completion_rule"],
        }, course["owner_tenant_id"])
        return schemas.CourseSchema().dump(course)

    @rpc
    def enroll(self, actor, course_id, learner_id, intake_id=None):
        course = self._course(course_id)
        learner = self._learner(learner_id)
        domain.require_may_enroll(actor, learner, course)
        domain.require_published(course)
        enrollment, created = self.store.enroll(course, learner, intake_id)
        if created:
            self.events(ENROLLMENT_CREATED, {
                "enrollment_id": enrollment["_id"], "course_id": course_id,
                "course_owner_tenant_id": course["owner_tenant_id"], "intake_id": intake_id,
                "learner_id": learner_id, "unit_id": enrollment["unit_id"],
                "category": enrollment["category"], "enrolled_at": enrollment["enrolled_at"],
            }, enrollment["tenant_id"])
        return schemas.EnrollmentSchema().dump(enrollment)

    @on_event(USER_REGISTERED)
    def on_user_registered(self, event):
        self.store.upsert_learner(event["payload"])

    def _course(self, course_id):
        course = self.store.get_course(course_id)
        if not course:
            raise NotFound("Course not found.")
        return course

    def _learner(self, learner_id):
        """From the replica fed by accounts events; asks accounts if the event is still in flight."""
        learner = self.store.get_learner(learner_id)
        if learner is None:
            user = self.accounts.get_user(SYSTEM_ACTOR, learner_id)
            learner = {k: user.get(k) for k in ("user_id", "tenant_id", "role", "unit_id", "category", "status")}
            self.store.upsert_learner(learner)
        if learner.get("role") != "learner":
            raise NotFound("Learner not found.")
        return learner

    # ---- read-only exports for rebuilding the reports read models (scripts/rebuild_reports.py)
    @rpc
    def export_courses(self, after=None, limit=500):
        return [{"course_id": c["_id"], **{k: c.get(k) for k in ("owner_tenant_id", "code", "title", "revision",
                                                                   "status")}}
                for c in export_page(self.store.courses, after, limit)]

    @rpc
    def export_enrollments(self, tenant_id, after=None, limit=500):
        return [dict({k: v for k, v in e.items() if k != "_id"}, enrollment_id=e["_id"])
                for e in export_page(self.store.enrollments, after, limit, tenant_id=tenant_id)]
