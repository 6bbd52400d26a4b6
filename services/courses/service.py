"""Courses service entrypoints: authoring, publishing, intakes, enrollment and assignment jobs."""
import base64
import binascii
import uuid

from kombu import Exchange, Queue
from nameko.messaging import Publisher

from mooc_common.contracts.errors import Conflict, NotFound, ValidationFailed
from mooc_common.contracts.events import accounts as accounts_events
from mooc_common.contracts.events.courses import (COURSE_ARCHIVED, COURSE_PUBLISHED,
                                                  COURSE_SUMMARY_PUBLISHED, INTAKE_OPENED)
from mooc_common.contracts.events.progress import COURSE_COMPLETED
from mooc_common.infra.actor_trust import RpcProxy, rpc
from mooc_common.infra.principals import system_actor
from mooc_common.infra.boundary import load, load_ids
from mooc_common.infra.events import PermanentEventError, on_event, reliable_consume
from mooc_common.infra.outbox import Outbox
from mooc_common.infra.service_base import PlatformService
from mooc_common.infra.store import Store, export_page, utcnow

from . import assignment, content, documents, domain, enrollment_list, schemas
from .enrollment import enroll_batch, event_of, update_announced
from .storage import CoursesStore, enrollment_id

SYSTEM_ACTOR = system_actor("courses")  # on its system_calls only (principals.py)
JOB_QUEUE = Queue("courses.assignment-jobs", exchange=Exchange("courses.jobs", type="direct", durable=True),
                  routing_key="assignment", durable=True)


class CoursesService(PlatformService):
    name = "courses"

    store = Store(CoursesStore)
    events = Outbox()
    jobs = Publisher(exchange=JOB_QUEUE.exchange, declare=[JOB_QUEUE])
    accounts = RpcProxy("accounts")

    # -- authoring ---------------------------------------------------------------------------
    @rpc
    def create_course(self, actor, data):
        course_in = schemas.load_course(schemas.CourseCreateSchema(), data)
        course_in["owner_tenant_id"] = domain.course_owner_for(actor, course_in.pop("national"))
        domain.check_audience(course_in["owner_tenant_id"], course_in.get("audience_tenant_ids"))
        if domain.document_ids(course_in["sections"]):
            raise ValidationFailed("Upload documents to the created course, then add their lessons.",
                                   {"document_id": ["upload to the course first"]})
        self._prepare(course_in)
        return self._dump_full(self.store.insert_course(course_in))

    @rpc
    def update_course(self, actor, course_id, data):
        """Replace the editable fields and structure; a published course gets a new revision."""
        course_in = schemas.load_course(schemas.CourseInSchema(), data)
        with self.store.changing_course(course_id) as course:
            course = self._found(course)
            domain.require_editor(actor, course)
            domain.require_editable(course)
            domain.check_audience(course["owner_tenant_id"], course_in.get("audience_tenant_ids"))
            documents.require_ready(self.store, course_id, domain.document_ids(course_in["sections"]))
            self._prepare(course_in, previous=course)
            if course["status"] == "published":
                course_in["revision"] = course["revision"] + 1
            if course["status"] == "published":
                course = self._update_announced(course, course_in, self._published_events)
            else:
                course = self.store.update_course(course_id, course_in)
        return self._dump_full(course)

    def _prepare(self, course_in, previous=None):
        domain.assign_ids(course_in["sections"], previous)
        for lesson in domain.lessons_of(course_in):
            if lesson["kind"] == "rich_text":
                lesson["html"] = content.sanitise_html(lesson["html"])
        course_in["completion_rule"] = domain.completion_rule(
            course_in["sections"], course_in.pop("min_average_quiz_score"))

    @rpc
    def publish_course(self, actor, course_id):
        with self.store.changing_course(course_id) as course:
            course = self._found(course)
            domain.require_editor(actor, course)
            if course["status"] != "draft":
                raise Conflict("Only a draft course can be published.", {"status": [course["status"]]})
            course = self._update_announced(course, {"status": "published", "published_at": utcnow(),
                                                     "revision": course["revision"] + 1}, self._published_events)
        return self._dump_full(course)

    @rpc
    def archive_course(self, actor, course_id):
        with self.store.changing_course(course_id) as course:
            course = self._found(course)
            domain.require_editor(actor, course)
            if course["status"] == "archived":
                return self._dump_full(course)
            course = self._update_announced(course, {"status": "archived", "archived_at": utcnow()},
                                            lambda c: [(COURSE_ARCHIVED, domain.summary_payload(c)),
                                                       (COURSE_SUMMARY_PUBLISHED, domain.summary_payload(c))])
        return self._dump_full(course)

    @staticmethod
    def _published_events(course):
        return [(COURSE_PUBLISHED, domain.published_payload(course)),
                (COURSE_SUMMARY_PUBLISHED, domain.summary_payload(course))]

    def _update_announced(self, course, changes, events_of):
        """Update the course and announce it through the outbox: ``events_of(course after the
        change)`` = [(event type, payload)]."""
        after = dict(course, **changes)
        staged = self.events.stage(self.store.courses, [(course["_id"], self.events.event(t, p, course["owner_tenant_id"]))
                                               for t, p in events_of(after)])
        updated = self.store.update_course(course["_id"], dict(changes, **staged.update(course["_id"])))
        self.events.send(staged)
        return updated

    # -- reading ---------------------------------------------------------------------------
    @rpc
    def get_course(self, actor, course_id):
        course = self._course(course_id)
        domain.require_readable(actor, course)
        if domain.is_editor(actor, course):
            return self._dump_full(course)
        return schemas.CourseSchema().dump(domain.without_answer_keys(course))

    @rpc
    def list_courses(self, actor, scope, page):
        """``catalog``: published courses the actor's tenant may join; ``owned``: the owner's."""
        page = load(schemas.PageSchema(), page)
        if scope == "owned":
            domain.require_owned_list_reader(actor)
            courses = self.store.courses_of_owner(domain.owner_key(actor.get("tenant_id")))
        else:
            tenant_id = actor.get("tenant_id")
            courses = [c for key in ({tenant_id} - {None}) | {domain.NATIONAL}
                       for c in self.store.courses_of_owner(key, "published")
                       if domain.in_catalog(actor, c)]
        courses.sort(key=lambda c: (c["code"], c["_id"]))
        window = courses[page["offset"]:page["offset"] + page["limit"]]
        return {"items": schemas.CourseSummarySchema(many=True).dump(window), "total": len(courses),
                **page}

    def _dump_full(self, course):
        return schemas.CourseSchema().dump(course)

    # -- documents -----------------------------------------------------------------------
    @rpc
    def start_document(self, actor, course_id, data):
        data = load(schemas.DocumentStartSchema(), data)
        course = self._course(course_id)
        domain.require_editor(actor, course)
        quota = self._storage_quota(course["owner_tenant_id"])
        return schemas.DocumentSchema().dump(documents.start(self.store, course, data, quota))

    @rpc
    def put_document_chunk(self, actor, document_id, index, data_b64):
        document = self._document(actor, document_id)
        try:
            data = base64.b64decode(data_b64, validate=True)
        except (binascii.Error, TypeError):
            raise ValidationFailed("The chunk is not base64.", {"data": ["not base64"]})
        return schemas.DocumentSchema().dump(documents.put_chunk(self.store, document, index, data))

    @rpc
    def finish_document(self, actor, document_id):
        document = self._document(actor, document_id)
        return schemas.DocumentSchema().dump(documents.finish(self.store, document))

    def _document(self, actor, document_id):
        document = self.store.get_document(document_id)
        if document is None:
            raise NotFound("Document not found.")
        domain.require_editor(actor, self._course(document["course_id"]))
        return document

    @rpc
    def open_document(self, actor, course_id, document_id):
        """A lesson document's metadata, for reading (learners enrolled in the course)."""
        document = self._readable_document(actor, course_id, document_id)
        return dict(schemas.DocumentSchema().dump(document), chunks=document["chunks"])

    @rpc
    def read_document_chunk(self, actor, course_id, document_id, index):
        """One stored chunk (at most 4 MiB) as base64: the gateway streams them in order."""
        document = self._readable_document(actor, course_id, document_id)
        if not isinstance(index, int) or not 0 <= index < document["chunks"]:
            raise NotFound("No such chunk.")
        return base64.b64encode(self.store.chunk(document_id, index)).decode("ascii")

    def _readable_document(self, actor, course_id, document_id):
        course = self._course(course_id)
        enrollment = self.store.get_enrollment(enrollment_id(course_id, actor.get("user_id") or ""))
        document = self.store.get_document(document_id)
        domain.require_document_reader(actor, course, document, enrollment)
        return document

    def _storage_quota(self, tenant_id):
        if tenant_id is None:
            return None
        tenant = self.store.get_replica("tenants", tenant_id)
        if tenant is None:  # the tenant event is still in flight
            tenant = self.accounts.get_tenant(SYSTEM_ACTOR, tenant_id)
        return tenant["storage_quota_bytes"]

    # -- intakes ---------------------------------------------------------------------------
    @rpc
    def create_intake(self, actor, course_id, data):
        intake_in = load(schemas.IntakeInSchema(), data)
        course = self._course(course_id)
        domain.require_editor(actor, course)
        domain.require_editable(course)
        intake_id = uuid.uuid4().hex
        staged = self.events.stage(self.store.intakes, [(intake_id, self.events.event(INTAKE_OPENED, {
            "intake_id": intake_id, "course_id": course_id,
            "course_owner_tenant_id": course["owner_tenant_id"], **intake_in}, course["owner_tenant_id"]))])
        intake = self.store.insert_intake(staged.insert(dict(
            intake_in, _id=intake_id, course_id=course_id, starts_on=intake_in["starts_on"].isoformat(),
            ends_on=intake_in["ends_on"].isoformat())))
        self.events.send(staged)
        return schemas.IntakeSchema().dump(intake)

    @rpc
    def list_intakes(self, actor, course_id):
        domain.require_readable(actor, self._course(course_id))
        return schemas.IntakeSchema(many=True).dump(self.store.intakes_of(course_id))

    # -- enrollment ------------------------------------------------------------------------
    @rpc
    def enroll(self, actor, course_id, learner_id, intake_id=None):
        load_ids(course_id=course_id, learner_id=learner_id, intake_id=intake_id)
        course = self._course(course_id)
        learner = self._learner(learner_id)
        domain.require_may_enroll(actor, learner, course)
        domain.require_published(course)
        intake = domain.choose_intake(self.store.intakes_of(course_id), intake_id, utcnow())
        source = "self" if actor.get("user_id") == learner_id else "admin"
        key = enrollment_id(course_id, learner_id)
        with self.store.changing_enrollment(key):
            if not enroll_batch(self.store, self.events, course, [learner], intake and intake["_id"],
                                source, f"single:{key}"):
                existing = self.store.get_enrollment(key)
                if existing["status"] == "cancelled":  # re-enrolling reactivates, announced again
                    update_announced(self.store, self.events, existing, {
                        "status": "active", "activation": existing.get("activation", 0) + 1,
                        "enrolled_at": utcnow(), "cancelled_at": None, "source": source,
                        "intake_id": intake and intake["_id"]})
        return schemas.EnrollmentSchema().dump(self.store.get_enrollment(key))

    @rpc
    def cancel_enrollment(self, actor, enrollment_key):
        with self.store.changing_enrollment(enrollment_key) as enrollment:
            if enrollment is None:
                raise NotFound("Enrollment not found.")
            domain.require_may_cancel(actor, enrollment)
            if enrollment["status"] != "cancelled":
                update_announced(self.store, self.events, enrollment, {
                    "status": "cancelled", "cancelled_at": utcnow(), "cancelled_by": actor["user_id"]})
        return schemas.EnrollmentSchema().dump(self.store.get_enrollment(enrollment_key))

    @rpc
    def list_enrollments(self, actor, course_id, page, filters=None):
        """A page of the course's enrollments the actor may see, filtered, the learners named."""
        page = load(schemas.PageSchema(), page)
        tenant_id, query = self._enrollment_query(actor, course_id, filters)
        rows = [] if query is None else self.store.find_enrollments(query, page["offset"], page["limit"])
        return {"items": schemas.ListedEnrollmentSchema(many=True).dump(self._named(actor, tenant_id, rows)), **page}

    @rpc
    def export_course_enrollments(self, actor, course_id, filters=None):
        """The filtered list as CSV (at most enrollment_list.MAX_EXPORT_ROWS rows)."""
        tenant_id, query = self._enrollment_query(actor, course_id, filters)
        rows = [] if query is None else self.store.find_enrollments(query, 0, enrollment_list.MAX_EXPORT_ROWS + 1)
        if len(rows) > enrollment_list.MAX_EXPORT_ROWS:
            raise ValidationFailed(f"More than {enrollment_list.MAX_EXPORT_ROWS} enrollments: filter the list first.",
                                   {"status": ["filter the list first"]})
        named = []
        for start in range(0, len(rows), enrollment_list.NAMES_BATCH):
            named += self._named(actor, tenant_id, rows[start:start + enrollment_list.NAMES_BATCH])
        units = {u["_id"]: u.get("name") for u in self.store.units_of_tenant(tenant_id)} if tenant_id else {}
        intakes = {i["_id"]: i.get("name") for i in self.store.intakes_of(course_id)}
        course = self.store.get_course(course_id)
        return {"filename": f"enrollments-{course['code']}.csv",
                "csv": enrollment_list.to_csv(schemas.ListedEnrollmentSchema(many=True).dump(named), units, intakes)}

    def _enrollment_query(self, actor, course_id, filters):
        """(tenant id or None, store query or None when a name search found nobody)."""
        filters = load(schemas.EnrollmentFilterSchema(), filters or {})
        course = self._course(course_id)
        tenant_id = domain.enrollment_scope(actor, course) or filters["tenant_id"]
        unit_ids = learner_ids = None
        if filters["unit_id"]:
            unit = self.store.get_replica("units", filters["unit_id"])
            if unit is None or tenant_id not in (None, unit["tenant_id"]):
                raise NotFound("Unit not found.")
            tenant_id = unit["tenant_id"]
            unit_ids = [u["_id"] for u in self.store.units_of_tenant(tenant_id) if domain.in_subtree(u, unit["_id"])]
        if filters["q"]:
            tenant_id = tenant_id or course["owner_tenant_id"]
            learner_ids = list(self.accounts.learner_names(actor, tenant_id, None, filters["q"]))
            if not learner_ids:
                return tenant_id, None
        return tenant_id, enrollment_list.query(
            course_id, tenant_id, filters, unit_ids,
            learner_ids and [enrollment_id(course_id, learner_id) for learner_id in learner_ids])

    def _named(self, actor, tenant_id, rows):
        """One bounded accounts call names a page of rows (names are not on the events)."""
        names = self.accounts.learner_names(actor, tenant_id, sorted({r["learner_id"] for r in rows})) if rows else {}
        return enrollment_list.named(rows, names)

    @rpc
    def my_courses(self, actor):
        items = []
        for enrollment in self.store.enrollments_of_learner(actor["user_id"]):
            course = self.store.get_course(enrollment["course_id"])
            status = enrollment["status"]
            if status == "active" and enrollment.get("completed_at"):
                status = "completed"
            items.append(dict(schemas.EnrollmentSchema().dump(enrollment), status=status,
                              course=schemas.CourseSummarySchema().dump(course)))
        items.sort(key=lambda i: i["enrolled_at"], reverse=True)
        return {"items": items}

    @rpc
    def my_enrollment_announcements(self, actor, course_id):
        """The COURSE_PUBLISHED and ENROLLMENT_CREATED envelopes of the actor's own active
        enrollment, as this service would announce them now: for the progress service when a
        learner acts on a course right after enrolling, before those events reached it."""
        load_ids(course_id=course_id)
        enrollment = self.store.get_enrollment(enrollment_id(course_id, actor["user_id"]))
        course = self.store.get_course(course_id)
        if enrollment is None or enrollment["status"] != "active" or course is None or course["status"] == "draft":
            raise NotFound("You are not enrolled in this course.")
        return {"course": self.events.event(COURSE_PUBLISHED, domain.published_payload(course),
                                            course["owner_tenant_id"]),
                "enrollment": event_of(self.events, enrollment)}

    # -- assignment jobs -------------------------------------------------------------------
    @rpc
    def assign(self, actor, course_id, data):
        spec = load(schemas.AssignmentInSchema(), data)
        course = self._course(course_id)
        domain.require_assigner(actor, course)
        domain.require_published(course)
        named_tenant = spec.pop("tenant_id", None)
        tenant_id = actor.get("tenant_id") or named_tenant
        if tenant_id is None or not domain.visible_to(course, tenant_id):
            raise ValidationFailed("Name a tenant that may see this course.", {"tenant_id": ["required"]})
        if "unit_id" in spec:
            unit = self.store.get_replica("units", spec["unit_id"])
            if unit is None or unit["tenant_id"] != tenant_id:
                raise NotFound("Unit not found.")
        intake = domain.choose_intake(self.store.intakes_of(course_id), spec.pop("intake_id", None), utcnow())
        source = next(s for k, s in (("unit_id", "unit"), ("category", "category"),
                                     ("usernames", "csv"), ("learner_ids", "admin")) if k in spec)
        job = self.store.insert_job({"course_id": course_id, "tenant_id": tenant_id, "spec": spec,
                                     "source": source, "intake_id": intake and intake["_id"],
                                     "created_by": actor["user_id"]})
        self.jobs({"job_id": job["_id"]}, routing_key=JOB_QUEUE.routing_key)
        return schemas.JobSchema().dump(job)

    @rpc
    def get_job(self, actor, job_id):
        job = self.store.get_job(job_id)
        domain.require_job_reader(actor, job)
        return schemas.JobSchema().dump(job)

    @reliable_consume(JOB_QUEUE)
    def run_assignment_job(self, body):
        job = self.store.get_job((body or {}).get("job_id"))
        if job is None:
            raise PermanentEventError(f"unknown assignment job {body!r}")
        if job["state"] == "succeeded":
            return
        if job["spec"].get("usernames") and "resolved_ids" not in job:
            ids = self.accounts.resolve_usernames(SYSTEM_ACTOR, job["tenant_id"], job["spec"]["usernames"])
            job["resolved_ids"] = [i for i in ids.values() if i]
            job["unresolved"] = sum(1 for i in ids.values() if not i)
            self.store.update_job(job["_id"], {k: job[k] for k in ("resolved_ids", "unresolved")})
        assignment.run(self.store, self.events, job, self._course(job["course_id"]))

    # -- replicas of accounts data (event-carried state) -------------------------------------
    @on_event(accounts_events.TENANT_CREATED)
    def on_tenant_created(self, event):
        self._replicate("tenants", "tenant_id", event)

    @on_event(accounts_events.TENANT_UPDATED)
    def on_tenant_updated(self, event):
        self._replicate("tenants", "tenant_id", event)

    @on_event(accounts_events.UNIT_CREATED)
    def on_unit_created(self, event):
        self._replicate("units", "unit_id", event)

    @on_event(accounts_events.UNIT_UPDATED)
    def on_unit_updated(self, event):
        self._replicate("units", "unit_id", event)

    @on_event(accounts_events.USER_REGISTERED)
    def on_user_registered(self, event):
        self._replicate("learners", "user_id", event)

    @on_event(accounts_events.USER_UPDATED)
    def on_user_updated(self, event):
        self._replicate("learners", "user_id", event)

    @on_event(accounts_events.USERS_IMPORTED)
    def on_users_imported(self, event):
        """A batch of new users: one bulk insert; users already known go the one-by-one way."""
        users = {u["user_id"]: dict(u, as_of=event["occurred_at"]) for u in event["payload"]["users"]}
        inserted = self.store.insert_replicas("learners", [dict(u, _id=k) for k, u in users.items()])
        for user_id in users.keys() - inserted:
            self.store.put_replica("learners", user_id, users[user_id])

    def _replicate(self, collection, key_field, event):
        payload = event["payload"]
        self.store.put_replica(collection, payload[key_field], dict(payload, as_of=event["occurred_at"]))

    @on_event(COURSE_COMPLETED)
    def on_course_completed(self, event):
        """Kept on the enrollment so that "my courses" shows completion without asking progress."""
        payload = event["payload"]
        self.store.update_enrollment(payload["enrollment_id"], {"completed_at": payload["completed_at"]})

    # -- lookups ---------------------------------------------------------------------------
    def _course(self, course_id):
        return self._found(self.store.get_course(course_id))

    @staticmethod
    def _found(course):
        if not course:
            raise NotFound("Course not found.")
        return course

    def _learner(self, learner_id):
        """From the replica fed by accounts events; asks accounts if the event is still in flight."""
        learner = self.store.get_replica("learners", learner_id)
        if learner is None:
            try:
                user = self.accounts.get_user(SYSTEM_ACTOR, learner_id)
            except NotFound:
                raise NotFound("Learner not found.")
            learner = {k: user.get(k) for k in ("user_id", "tenant_id", "role", "unit_id", "category", "status")}
            learner["_id"] = learner_id
        if not domain.enrollable(learner):
            raise NotFound("Learner not found.")
        return learner


    # ---- read-only exports for rebuilding the reports read models (services/reports/rebuild.py)
    @rpc
    def export_courses(self, after=None, limit=500):
        return [{"course_id": c["_id"], **{k: c.get(k) for k in ("owner_tenant_id", "code", "title", "revision",
                                                                   "status")}}
                for c in export_page(self.store.courses, after, limit)]

    @rpc
    def export_enrollments(self, tenant_id, after=None, limit=500):
        return [dict({k: v for k, v in e.items() if k != "_id"}, enrollment_id=e["_id"])
                for e in export_page(self.store.enrollments, after, limit, tenant_id=tenant_id)]
