"""From events to fact changes (pure), and from fact changes to stored aggregates (the
projector's arithmetic).

Each consumed event becomes a *record* (``record_of``): its *changes*, candidate facts by
natural id, each with the version it was written at and the rule that decides between two
versions of one fact (``latest``: the newest event wins, e.g. an enrollment's status;
``earliest``: the first one wins, e.g. a learner's first completion in a year), and the
tenant whose report it touches. The single projector (``projector.py``) applies them.

``apply_changes`` is that application, on plain dicts: it picks each fact's winner, and
for every fact that changes subtracts the old fact's contributions and adds the new one's.
Because a fact's winner does not depend on arrival order and a part is the sum of the
contributions of the current facts, duplicates and any delivery order give equal numbers.
"""
import datetime as dt

from mooc_common.contracts.events import accounts as acc, courses as crs, progress as prg
from mooc_common.contracts.tenancy import EVERY_TENANT, NATIONAL
from mooc_common.infra.vietnam_time import vietnam_month

from . import domain
from .storage import inbox_record, key

LATEST, EARLIEST = "latest", "earliest"


def change(collection, fact_id, doc, version, rule=LATEST):
    return {"c": collection, "id": fact_id, "doc": dict(doc, _id=fact_id), "v": version, "rule": rule}


# ---- events -> changes ---------------------------------------------------------------
def tenant_changes(tenant, at):
    return [change("tenants", tenant["tenant_id"], tenant, at)]


def unit_changes(unit, at):
    return [change("units", unit["unit_id"], unit, at)]


def plan_changes(plan):
    return [change("plans", key(plan["tenant_id"], plan["year"]), plan, plan["submitted_at"])]


def user_changes(users, at):
    """Users of a tenant (the operator's own accounts belong to no tenant and are skipped)."""
    return [change("users", u["user_id"], u, at) for u in users if u.get("tenant_id")]


def course_changes(course, status, at):
    owner = course["owner_tenant_id"] or NATIONAL
    fact = {"course_id": course["course_id"], "owner": owner, "code": course["code"],
            "title": course["title"], "revision": course["revision"], "status": status}
    # newest revision wins; within one revision the later event (e.g. archived) wins
    return [change("courses", course["course_id"], fact, [course["revision"], at])]


def intake_changes(intake, at):
    owner = intake["course_owner_tenant_id"] or NATIONAL
    fact = dict(intake, owner=owner, starts_on=intake["starts_on"].isoformat(),
                ends_on=intake["ends_on"].isoformat())  # BSON has no date type
    return [change("intakes", intake["intake_id"], fact, at)]


def owner_of(changes):
    """The tenant whose report a course or intake change touches (EVERY_TENANT for a national one)."""
    owner = changes[0]["doc"]["owner"]
    return EVERY_TENANT if owner == NATIONAL else owner


def _context(tenant_id, payload, moment):
    return {"tenant_id": tenant_id, "course_id": payload["course_id"], "intake_id": payload.get("intake_id"),
            "learner_id": payload["learner_id"], "unit_id": payload.get("unit_id"),
            "category": payload.get("category"), "month": vietnam_month(moment)}


def enrollment_changes(tenant_id, payload, active, at):
    """Created and cancelled events of one enrollment: the newest one decides ``active``."""
    fact = dict(_context(tenant_id, payload, payload["enrolled_at"]), active=active)
    return [change("enrollments", payload["enrollment_id"], fact, at)]


def completion_changes(tenant_id, payload):
    completed_at = payload["completed_at"]
    year = vietnam_month(completed_at)[:4]
    trained = {"tenant_id": tenant_id, "year": year, "learner_id": payload["learner_id"],
               "unit_id": payload.get("unit_id"), "category": payload.get("category")}
    return [change("completions", payload["enrollment_id"], _context(tenant_id, payload, completed_at),
                   completed_at, EARLIEST),
            change("trained_years", key(payload["learner_id"], year), trained, completed_at, EARLIEST)]


def certificate_changes(tenant_id, payload):
    fact = dict(_context(tenant_id, payload, payload["issued_at"]), enrollment_id=payload["enrollment_id"])
    return [change("certificates", payload["certificate_id"], fact, payload["issued_at"], EARLIEST)]


def active_day_changes(tenant_id, payload):
    """Distinct active learners per month and per year: one fact per learner and period."""
    day = payload["day"]
    month, year = vietnam_month(day), str(day.year)
    first_day = dt.datetime(day.year, day.month, day.day, tzinfo=dt.timezone.utc)
    base = {"tenant_id": tenant_id, "learner_id": payload["learner_id"], "unit_id": payload.get("unit_id"),
            "category": payload.get("category")}
    return [change("active_months", key(payload["learner_id"], month), dict(base, month=month), first_day, EARLIEST),
            change("active_years", key(payload["learner_id"], year), dict(base, year=year), first_day, EARLIEST)]


# ---- consumed events -> records -----------------------------------------------------------
def _tenant_event(envelope):
    return tenant_changes(envelope["payload"], envelope["occurred_at"]), envelope["tenant_id"]


def _unit_event(envelope):
    return unit_changes(envelope["payload"], envelope["occurred_at"]), envelope["payload"]["tenant_id"]


def _users_event(envelope, users):
    changes = user_changes(users, envelope["occurred_at"])
    return changes, changes[0]["doc"]["tenant_id"] if changes else None


def _course_event(status=None):
    def to_changes(envelope):
        payload = envelope["payload"]
        changes = course_changes(payload, status or payload["status"], envelope["occurred_at"])
        return changes, owner_of(changes)
    return to_changes


def _intake_event(envelope):
    changes = intake_changes(envelope["payload"], envelope["occurred_at"])
    return changes, owner_of(changes)


def _enrollment_event(active):
    def to_changes(envelope):
        return (enrollment_changes(envelope["tenant_id"], envelope["payload"], active, envelope["occurred_at"]),
                envelope["tenant_id"])
    return to_changes


def _learner_event(to_changes):
    return lambda envelope: (to_changes(envelope["tenant_id"], envelope["payload"]), envelope["tenant_id"])


# event type -> envelope -> (changes, tenant whose report it touches, or EVERY_TENANT)
CHANGES_OF = {
    acc.TENANT_CREATED: _tenant_event,
    acc.TENANT_UPDATED: _tenant_event,
    acc.TENANT_SUSPENDED: _tenant_event,
    acc.TENANT_REACTIVATED: _tenant_event,
    acc.TRAINING_PLAN_SUBMITTED: lambda e: (plan_changes(e["payload"]), e["payload"]["tenant_id"]),
    acc.UNIT_CREATED: _unit_event,
    acc.UNIT_UPDATED: _unit_event,
    acc.USER_REGISTERED: lambda e: _users_event(e, [e["payload"]]),
    acc.USER_UPDATED: lambda e: _users_event(e, [e["payload"]]),
    acc.USERS_IMPORTED: lambda e: _users_event(e, e["payload"]["users"]),
    crs.COURSE_PUBLISHED: _course_event("published"),
    crs.COURSE_SUMMARY_PUBLISHED: _course_event(),
    crs.COURSE_ARCHIVED: _course_event("archived"),
    crs.INTAKE_OPENED: _intake_event,
    crs.ENROLLMENT_CREATED: _enrollment_event(True),
    crs.ENROLLMENT_CANCELLED: _enrollment_event(False),
    prg.COURSE_COMPLETED: _learner_event(completion_changes),
    prg.CERTIFICATE_ISSUED: _learner_event(certificate_changes),
    prg.LEARNER_ACTIVE: _learner_event(active_day_changes),
}
CONSUMED_TYPES = tuple(CHANGES_OF)
_CHANGES_BY_NAME = {event_type.type: to_changes for event_type, to_changes in CHANGES_OF.items()}


def record_of(envelope):
    """The record of one consumed event (keyed by its event id), or None if it changes no
    report (the operator's own accounts belong to no tenant)."""
    changes, tenant_id = _CHANGES_BY_NAME[envelope["type"]](envelope)
    if not changes:
        return None
    return inbox_record(envelope["event_id"], tenant_id, envelope["occurred_at"], changes)


# ---- changes -> facts and part deltas ---------------------------------------------------
def wins(candidate, current):
    """Does ``candidate`` replace the ``current`` stored fact (None: there is none)?"""
    if current is None:
        return True
    if candidate["rule"] == EARLIEST:
        return candidate["v"] < current["v"]
    return candidate["v"] > current["v"]


def winners(changes):
    """The one candidate per (collection, fact id) that would win among ``changes``."""
    best = {}
    for candidate in changes:
        ref = (candidate["c"], candidate["id"])
        if wins(candidate, best.get(ref)):
            best[ref] = candidate
    return best


def apply_changes(changes, current_facts, parts):
    """Apply ``changes`` to ``current_facts`` ({(collection, id): stored fact or None}, holding
    every referenced fact) and to ``parts`` ({(tenant, part): data}, loaded on demand through
    the mapping's ``__missing__``). Returns the new stored facts {(collection, id): doc} and
    the set of touched parts; ``parts`` is updated in place."""
    written, touched = {}, set()
    for ref, candidate in winners(changes).items():
        current = current_facts.get(ref)
        if not wins(candidate, current):
            continue
        fact = dict(candidate["doc"], v=candidate["v"])
        for sign, doc in ((-1, current), (1, fact)):
            for tenant, part, path in domain.contributions(candidate["c"], doc):
                domain.add_count(parts[(tenant, part)], path, sign)
                touched.add((tenant, part))
        written[ref] = fact
    return written, touched
