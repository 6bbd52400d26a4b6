"""From facts to stored aggregates: how events become facts (``record_*``), how a dirty part
is recomputed, and one refresh tick. Used by the service's handlers and timer, and by the
rebuild command, so that live and rebuilt read models go through exactly the same code."""
import datetime as dt
from collections import defaultdict

from . import domain
from .storage import key

PART_DIMS = ("intake_id", "unit_id", "category", "month")
PEOPLE_DIMS = ("unit_id", "category")


# ---- events -> facts (each returns the parts of the tenant's report it touches) -------
def record_tenant(store, tenant, at):
    store.save_latest("tenants", tenant["tenant_id"], dict(tenant), at)
    return ["info"]


def record_unit(store, unit, at):
    store.save_latest("units", unit["unit_id"], dict(unit), at)
    return ["info"]


def record_plan(store, plan):
    store.save_latest("plans", key(plan["tenant_id"], plan["year"]), dict(plan), plan["submitted_at"])
    return ["info"]


def user_fact(user):
    return dict(user, _id=user["user_id"], tu=key(user["tenant_id"], user.get("unit_id")))


def record_user(store, user, at):
    if not user.get("tenant_id"):
        return []  # the operator's own accounts belong to no tenant
    previous = store.save_latest("users", user["user_id"], user_fact(user), at)
    units = {user.get("unit_id"), previous.get("unit_id") if previous else user.get("unit_id")}
    return [key("unit", u) for u in units]


def record_users(store, users, at):
    users = [u for u in users if u.get("tenant_id")]
    store.save_many_latest("users", [user_fact(u) for u in users], at)
    return sorted({key("unit", u.get("unit_id")) for u in users})


def course_fact(course, status):
    owner = course["owner_tenant_id"] or "national"
    return {"course_id": course["course_id"], "owner": owner, "code": course["code"],
            "title": course["title"], "revision": course["revision"], "status": status}


def record_course(store, course, status, at):
    fact = course_fact(course, status)
    # newest revision wins; within one revision the later event (e.g. archived) wins
    store.save_latest("courses", course["course_id"], fact, [course["revision"], at])
    return fact["owner"]


def record_intake(store, intake, at):
    owner = intake["course_owner_tenant_id"] or "national"
    fact = dict(intake, owner=owner, starts_on=intake["starts_on"].isoformat(),
                ends_on=intake["ends_on"].isoformat())  # BSON has no date type
    store.save_latest("intakes", intake["intake_id"], fact, at)
    return owner


def _context(tenant_id, payload, moment):
    return {"tenant_id": tenant_id, "tc": key(tenant_id, payload["course_id"]),
            "course_id": payload["course_id"], "intake_id": payload.get("intake_id"),
            "learner_id": payload["learner_id"], "unit_id": payload.get("unit_id"),
            "category": payload.get("category"), "month": domain.month_of(moment)}


def record_enrollment(store, tenant_id, payload, active, at):
    """Created and cancelled events of one enrollment: the newest one decides ``active``."""
    fact = dict(_context(tenant_id, payload, payload["enrolled_at"]), active=active)
    store.save_latest("enrollments", payload["enrollment_id"], fact, at)
    return [key("course", payload["course_id"])]


def record_completion(store, tenant_id, payload):
    completed_at = payload["completed_at"]
    fact = _context(tenant_id, payload, completed_at)
    store.save_earliest("completions", payload["enrollment_id"], fact, completed_at)
    year = domain.month_of(completed_at)[:4]
    trained = {"tenant_id": tenant_id, "ty": key(tenant_id, year), "learner_id": payload["learner_id"],
               "unit_id": payload.get("unit_id"), "category": payload.get("category")}
    store.save_earliest("trained_years", key(payload["learner_id"], year), trained, completed_at)
    return [key("course", payload["course_id"]), key("year", year)]


def record_certificate(store, tenant_id, payload):
    fact = dict(_context(tenant_id, payload, payload["issued_at"]), enrollment_id=payload["enrollment_id"])
    store.save_earliest("certificates", payload["certificate_id"], fact, payload["issued_at"])
    return [key("course", payload["course_id"])]


def record_active_day(store, tenant_id, payload):
    """Distinct active learners per month and per year are insert-by-natural-id facts."""
    day = payload["day"]
    month, year = domain.month_of(day), str(day.year)
    first_day = dt.datetime(day.year, day.month, day.day, tzinfo=dt.timezone.utc)
    base = {"tenant_id": tenant_id, "learner_id": payload["learner_id"], "unit_id": payload.get("unit_id"),
            "category": payload.get("category")}
    store.save_earliest("active_months", key(payload["learner_id"], month),
                        dict(base, tm=key(tenant_id, month)), first_day)
    store.save_earliest("active_years", key(payload["learner_id"], year),
                        dict(base, ty=key(tenant_id, year)), first_day)
    return [key("month", month), key("year", year)]


# ---- recomputation ----------------------------------------------------------------------
def compute_part(store, tenant_id, part):
    kind, _, ident = part.partition("|")
    if kind == "course":
        tc = key(tenant_id, ident)
        return domain.course_part(store.group_counts("enrollments", {"tc": tc, "active": True}, PART_DIMS),
                                  store.group_counts("completions", {"tc": tc}, PART_DIMS),
                                  store.group_counts("certificates", {"tc": tc}, PART_DIMS))
    if kind == "unit":
        return domain.people_part(store.group_counts(
            "users", {"tu": key(tenant_id, ident or None), "role": "learner"}, PEOPLE_DIMS + ("status",)), "status")
    if kind == "month":
        return domain.people_part(store.group_counts("active_months", {"tm": key(tenant_id, ident)}, PEOPLE_DIMS))
    if kind == "year":
        ty = key(tenant_id, ident)
        return {"active": domain.people_part(store.group_counts("active_years", {"ty": ty}, PEOPLE_DIMS)),
                "trained": domain.people_part(store.group_counts("trained_years", {"ty": ty}, PEOPLE_DIMS))}
    return None  # "info": nothing to aggregate, only re-assembly


def part_name(stored_part):
    """Stored parts are named 'course:<id>' (':' reads well; '|' is the key separator)."""
    return stored_part.replace("|", ":", 1)


def assemble_tenant(store, tenant_id, as_of):
    tenant = store.get("tenants", tenant_id) or {"_id": tenant_id}
    units = {u["_id"]: u for u in store.find("units", tenant_id=tenant_id)}
    courses = {c["_id"]: c for c in store.find("courses", owner=tenant_id) + store.find("courses", owner="national")}
    intakes = {i["_id"]: i for i in store.find("intakes", owner=tenant_id) + store.find("intakes", owner="national")}
    plans = {str(p["year"]): p for p in store.find("plans", tenant_id=tenant_id)}
    summary = domain.assemble(tenant, store.tenant_parts(tenant_id), units, courses, intakes, plans, as_of)
    store.save_summary(summary, domain.national_row(summary))
    return summary


def refresh(store, markers):
    """One tick: recompute each dirty part once, re-assemble each touched tenant once."""
    parts, as_of = defaultdict(set), {}
    for marker in markers:
        tenants = store.tenant_ids() if marker["tenant_id"] == "*" else [marker["tenant_id"]]
        moment = marker["occurred_at"].isoformat()
        for tenant_id in tenants:
            parts[tenant_id].update(marker["parts"])
            as_of[tenant_id] = max(as_of.get(tenant_id, ""), moment)
    for tenant_id, tenant_parts in parts.items():
        for part in sorted(tenant_parts):
            data = compute_part(store, tenant_id, part)
            if data is not None:
                store.save_part(tenant_id, part_name(part), data)
        previous = store.get_summary(tenant_id) or {}
        assemble_tenant(store, tenant_id, max(as_of[tenant_id], previous.get("as_of") or ""))
    store.clear_markers([m["_id"] for m in markers])
    return len(parts)
