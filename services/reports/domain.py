"""Report arithmetic: pure functions (no I/O).

Parts are the per-partition aggregates the projector maintains (one course, one unit, one
month, one year of a tenant); ``assemble`` turns a tenant's parts and reference facts into
the stored tenant summary; ``national_report`` and ``year_end_content`` are built from
stored summaries/rows. Everything here is deterministic in its inputs, so the same facts
always give the same numbers, whatever order the events arrived in.
"""
import datetime as dt
import hashlib
import json
from collections import Counter, defaultdict

from mooc_common.contracts import roles
from mooc_common.contracts.tenancy import NATIONAL
from mooc_common.infra.vietnam_time import VIETNAM

NONE = "-"  # key for a missing unit / intake / category (Mongo keys cannot be empty or null)
METRICS = ("enrollments", "completions", "certificates")
NATIONAL_SORT_FIELDS = ("code", "name", "kind", "learners", "seats_used", "courses", "enrollments",
                        "completions", "completion_rate", "certificates", "planned_learners",
                        "learners_trained", "year_end_submitted")


def completion_rate(completions, enrollments):
    return round(completions / enrollments, 4) if enrollments else 0.0


def _k(value):
    return NONE if value in (None, "") else str(value)


def _percent(actual, planned):
    return round(100.0 * actual / planned, 1) if planned else None


# ---- parts --------------------------------------------------------------------------
# A part is the stored aggregate of one partition of a tenant's report: "course:<id>",
# "unit:<id>", "month:<YYYY-MM>" or "year:<YYYY>". Each fact contributes +1 at a few paths
# of one part; the projector adds a fact's new contribution and subtracts its old one, so a
# part is always the sum of the contributions of the facts as they are now.
COUNTED_COLLECTIONS = ("users", "enrollments", "completions", "certificates", "active_months",
                       "active_years", "trained_years")
_METRIC_OF = {"enrollments": "enrollments", "completions": "completions", "certificates": "certificates"}


def contributions(collection, fact):
    """[(tenant_id, part, path)]: where ``fact`` (a stored fact, or None) adds one."""
    if not fact or collection not in COUNTED_COLLECTIONS:
        return []
    tenant = fact.get("tenant_id")
    if collection in _METRIC_OF:
        if collection == "enrollments" and not fact.get("active"):
            return []
        metric, part = _METRIC_OF[collection], "course:" + fact["course_id"]
        return [(tenant, part, ("totals", metric))] + [
            (tenant, part, ("by_" + dim, _k(fact.get(field)), metric))
            for dim, field in (("intake", "intake_id"), ("unit", "unit_id"), ("category", "category"),
                               ("month", "month"))]
    if collection == "users":
        if fact.get("role") != roles.LEARNER:
            return []
        part, prefix = "unit:" + (fact.get("unit_id") or ""), ()
        extra = [(tenant, part, ("by_status", _k(fact.get("status"))))]
    elif collection == "active_months":
        part, prefix, extra = "month:" + fact["month"], (), []
    else:  # active_years / trained_years
        part, prefix, extra = "year:" + fact["year"], ("active" if collection == "active_years" else "trained",), []
    return [(tenant, part, prefix + ("total",)), (tenant, part, prefix + ("by_unit", _k(fact.get("unit_id")))),
            (tenant, part, prefix + ("by_category", _k(fact.get("category"))))] + extra


def add_count(part, path, n):
    """Add ``n`` at ``path`` of a nested part; a count that reaches 0 disappears (so equal
    facts always give equal parts, whatever happened before)."""
    node, trail = part, []
    for step in path[:-1]:
        trail.append((node, step))
        node = node.setdefault(step, {})
    value = node.get(path[-1], 0) + n
    if value:
        node[path[-1]] = value
    else:
        node.pop(path[-1], None)
        for parent, step in reversed(trail):
            if parent[step]:
                break
            del parent[step]


def parts_from_facts(facts):
    """{(tenant, part): data} from ``[(collection, fact)]``: the definition the incremental
    projector must always agree with (used by tests and checks)."""
    parts = defaultdict(dict)
    for collection, fact in facts:
        for tenant, part, path in contributions(collection, fact):
            add_count(parts[(tenant, part)], path, 1)
    return dict(parts)


def _parts(parts, prefix):
    return {name[len(prefix):]: data for name, data in parts.items() if name.startswith(prefix)}


# ---- unit subtrees ------------------------------------------------------------------
def subtree_rollup(values_by_unit, units):
    """{unit: Counter} of own values -> {unit: Counter} of the unit's whole subtree.

    ``units`` maps unit_id -> fact with ``path`` (root..self). A unit not (yet) known is
    its own root, so nothing is ever lost, only placed higher up until its event arrives.
    """
    rolled = defaultdict(Counter)
    for unit_id, values in values_by_unit.items():
        path = (units.get(unit_id) or {}).get("path") or [unit_id]
        for ancestor in path:
            rolled[ancestor].update(values)
    return rolled


# ---- the tenant summary ---------------------------------------------------------------
def assemble(tenant, parts, units, courses, intakes, plans, as_of):
    """The stored tenant report. ``courses``: course_id -> fact (own and national);
    ``units``: unit_id -> fact; ``intakes``: intake_id -> fact; ``plans``: year -> fact.
    One builder per section; the course, unit and month parts add into ``sums``, which the
    sections per unit, category, month and year are built from."""
    sums = _Sums()
    by_course = [_course_row(course_id, part, courses.get(course_id) or {}, intakes, sums)
                 for course_id, part in sorted(_parts(parts, "course:").items())]
    learners = _learners(_parts(parts, "unit:"), sums)
    active_by_month = _active_by_month(_parts(parts, "month:"), sums)
    year_parts = _parts(parts, "year:")
    return {
        **_tenant_header(tenant, *learners),
        "courses": _course_counts(tenant["_id"], courses),
        **_metrics(sums.totals),
        "active_learners": {"by_month": active_by_month, "by_year": _active_by_year(year_parts)},
        "by_course": by_course,
        "by_unit": [dict(_unit_ref(unit_id, units), learners=values["learners"], **_metrics(values))
                    for unit_id, values in sorted(subtree_rollup(sums.by_unit, units).items())],
        "by_category": [dict(category=c, learners=v["learners"], **_metrics(v))
                        for c, v in sorted(sums.by_category.items())],
        "by_month": [dict(month=m, active_learners=v["active_learners"], **_metrics(v))
                     for m, v in sorted(sums.by_month.items())],
        "plan_vs_actual": _plans_vs_actual(plans, year_parts, sums.by_year, by_course, units),
        "as_of": as_of,
    }


class _Sums:
    """A tenant's counts summed over its parts: in total and per unit, category, month, year."""

    def __init__(self):
        self.totals = Counter()
        self.by_unit, self.by_category, self.by_month, self.by_year = (defaultdict(Counter) for _ in range(4))


def _course_row(course_id, part, course, intakes, sums):
    """The report's row of one course (added into ``sums``)."""
    sums.totals.update(part.get("totals", {}))
    for name, target in (("by_unit", sums.by_unit), ("by_category", sums.by_category),
                         ("by_month", sums.by_month)):
        for key, values in part.get(name, {}).items():
            target[key].update(values)
    per_year = defaultdict(Counter)
    for month, values in part.get("by_month", {}).items():
        per_year[month[:4]].update(values)
    for year, values in per_year.items():
        sums.by_year[year].update(values)
    return dict(
        _metrics(part.get("totals", {})), course_id=course_id, code=course.get("code"),
        title=course.get("title"), status=course.get("status"),
        national=course.get("owner") == NATIONAL, by_year={y: _metrics(v) for y, v in sorted(per_year.items())},
        by_intake=[dict(_metrics(values), intake_id=None if intake_id == NONE else intake_id,
                        name=(intakes.get(intake_id) or {}).get("name"))
                   for intake_id, values in sorted(part.get("by_intake", {}).items())])


def _learners(unit_parts, sums):
    """(learners, per category, per status) from the unit parts (added into ``sums``)."""
    total, by_category, by_status = 0, Counter(), Counter()
    for unit_key, part in unit_parts.items():
        total += part.get("total", 0)
        by_category.update(part.get("by_category", {}))
        by_status.update(part.get("by_status", {}))
        sums.by_unit[unit_key or NONE]["learners"] += part.get("total", 0)
    for category, n in by_category.items():
        sums.by_category[category]["learners"] += n
    return total, by_category, by_status


def _active_by_month(month_parts, sums):
    """{month: active learners} (added into ``sums``)."""
    active = {month: part["total"] for month, part in sorted(month_parts.items()) if part.get("total")}
    for month, n in active.items():
        sums.by_month[month]["active_learners"] += n
    return active


def _active_by_year(year_parts):
    return {y: p["active"]["total"] for y, p in sorted(year_parts.items()) if p.get("active", {}).get("total")}


def _tenant_header(tenant, learners, by_category, by_status):
    """The tenant, its seats and its learners."""
    quota = tenant.get("learner_quota")
    seats_used = learners - by_status.get("inactive", 0)
    return {
        "tenant_id": tenant["_id"], "code": tenant.get("code"), "name": tenant.get("name"),
        "kind": tenant.get("kind"), "status": tenant.get("status"),
        "learner_quota": quota, "seats_used": seats_used,
        "seats_available": None if quota is None else max(quota - seats_used, 0),
        "learners": learners,
        "learners_by_category": dict(sorted(by_category.items())),
        "learners_by_status": dict(sorted(by_status.items())),
    }


def _course_counts(tenant_id, courses):
    """The tenant's own courses and the national ones, per status."""
    return {"own": _by_status([c for c in courses.values() if c.get("owner") == tenant_id]),
            "national": _by_status([c for c in courses.values() if c.get("owner") == NATIONAL])}


def _plans_vs_actual(plans, year_parts, by_year, by_course, units):
    """One row per year with a plan, a trained/active count or an enrollment."""
    return [_plan_vs_actual(y, plans.get(y), by_year.get(y, Counter()), by_course, year_parts.get(y), units)
            for y in sorted(set(plans) | set(year_parts) | set(by_year))]


def _metrics(values):
    numbers = {m: values.get(m, 0) for m in METRICS}
    numbers["completion_rate"] = completion_rate(numbers["completions"], numbers["enrollments"])
    return numbers


def _by_status(courses):
    counts = Counter(c.get("status") or "unknown" for c in courses)
    return {"total": len(courses), **dict(sorted(counts.items()))}


def _unit_ref(unit_id, units):
    unit = units.get(unit_id) or {}
    return {"unit_id": None if unit_id == NONE else unit_id, "code": unit.get("code"),
            "name": unit.get("name"), "path": unit.get("path") or [unit_id]}


def _plan_vs_actual(year, plan, year_totals, by_course, year_part, units):
    plan = plan or {}
    trained = dict({"total": 0, "by_unit": {}, "by_category": {}}, **((year_part or {}).get("trained") or {}))
    courses_run = sum(1 for c in by_course if c["by_year"].get(year, {}).get("enrollments"))
    planned_courses, planned_learners = plan.get("planned_courses"), plan.get("planned_learners")
    trained_by_unit = subtree_rollup({u: Counter(learners=n) for u, n in trained["by_unit"].items()}, units)
    return {
        "year": int(year), "planned_courses": planned_courses, "planned_learners": planned_learners,
        "courses_run": courses_run, "learners_trained": trained["total"],
        "courses_achievement_pct": _percent(courses_run, planned_courses),
        "learners_achievement_pct": _percent(trained["total"], planned_learners),
        "active_learners": ((year_part or {}).get("active") or {}).get("total", 0),
        **_metrics(year_totals),
        "learners_trained_by_category": dict(sorted(trained["by_category"].items())),
        "learners_trained_by_unit": [dict(_unit_ref(u, units), learners=v["learners"])
                                     for u, v in sorted(trained_by_unit.items())],
    }


def plan_for_year(summary, year):
    for row in summary.get("plan_vs_actual", []):
        if row["year"] == year:
            return row
    return _plan_vs_actual(str(year), None, Counter(), [], None, {})


# ---- national report ------------------------------------------------------------------
def national_row(summary):
    """The compact per-tenant row kept beside the summary (the national report reads 1 per tenant)."""
    return {
        **{k: summary[k] for k in ("tenant_id", "code", "name", "kind", "status", "learners", "seats_used",
                                   "learner_quota", *METRICS, "completion_rate", "as_of")},
        "courses": summary["courses"]["own"]["total"],
        "plan_vs_actual": [{k: row[k] for k in ("year", "planned_courses", "planned_learners", "courses_run",
                                               "learners_trained")} for row in summary["plan_vs_actual"]],
        # with the course's own code, title and status, so the national report needs no course read
        "national_courses": [{k: c[k] for k in ("course_id", "code", "title", "status", *METRICS, "completion_rate")}
                             for c in summary["by_course"] if c["national"]],
    }


def deadline(year):
    """The statutory deadline of the year-end report: end of 15 December (Vietnam time)."""
    return dt.datetime(year, 12, 16, tzinfo=VIETNAM)


def is_late(year, submitted_at):
    return submitted_at >= deadline(year)


def submission_status(year, versions):
    """What the operator sees of a tenant's year-end report for ``year``."""
    if not versions:
        return {"submitted": False, "version": None, "submitted_at": None, "late": None}
    first, latest = versions[0], versions[-1]
    return {"submitted": True, "version": latest["version"], "submitted_at": latest["submitted_at"],
            "first_submitted_at": first["submitted_at"], "late": first["late"],
            "content_sha256": latest["content_sha256"]}


def national_report(rows, submissions, year, sort="code", order="asc"):
    """One row per tenant with totals, sorted; and per national course, the numbers per tenant."""
    by_tenant = defaultdict(list)
    for doc in sorted(submissions, key=lambda d: d["version"]):
        by_tenant[doc["tenant_id"]].append(doc)
    out = [_national_tenant(row, year, submission_status(year, by_tenant.get(row["tenant_id"]))) for row in rows]
    totals = _national_totals(out)
    out.sort(key=lambda r: _sort_key(r.get(sort)), reverse=(order == "desc"))
    as_of = max((r["as_of"] or "" for r in out), default="") or None
    return {"year": year, "deadline": deadline(year).isoformat(), "sort": sort, "order": order,
            "tenants": out, "totals": totals, "national_courses": _national_courses(rows), "as_of": as_of}


def _national_tenant(row, year, year_end):
    """A tenant's row of the national report for ``year``."""
    plan = next((p for p in row["plan_vs_actual"] if p["year"] == year), {})
    flat = {k: row[k] for k in ("tenant_id", "code", "name", "kind", "status", "learners", "seats_used",
                                "learner_quota", "courses", *METRICS, "completion_rate", "as_of")}
    flat.update(planned_courses=plan.get("planned_courses"), planned_learners=plan.get("planned_learners"),
                courses_run=plan.get("courses_run", 0), learners_trained=plan.get("learners_trained", 0),
                year_end_submitted=year_end["submitted"], year_end=year_end)
    return flat


def _national_totals(tenant_rows):
    totals = Counter()
    for flat in tenant_rows:
        for field in ("learners", "seats_used", "courses", *METRICS, "courses_run", "learners_trained",
                      "planned_courses", "planned_learners"):
            totals[field] += flat[field] or 0
        totals["year_end_submitted"] += int(flat["year_end"]["submitted"])
    return dict(totals, tenants=len(tenant_rows),
                completion_rate=completion_rate(totals["completions"], totals["enrollments"]))


def _national_courses(rows):
    """Per national course: its totals and its numbers in each tenant."""
    per_course = defaultdict(list)
    for row in rows:
        for course in row["national_courses"]:
            per_course[course["course_id"]].append((course, row))
    return [_national_course(course_id, entries) for course_id, entries in sorted(per_course.items())]


def _national_course(course_id, entries):
    course, sums = entries[0][0], Counter()
    for numbers, _ in entries:
        sums.update({m: numbers[m] for m in METRICS})
    return {"course_id": course_id, "code": course.get("code"), "title": course.get("title"),
            "status": course.get("status"), "totals": _metrics(sums),
            "tenants": sorted((dict({m: numbers[m] for m in (*METRICS, "completion_rate")},
                                    tenant_id=row["tenant_id"], code=row["code"])
                               for numbers, row in entries), key=lambda r: r["code"] or "")}


def _sort_key(value):
    # None sorts first ascending; mixed types never compare (a field has one type).
    return (value is not None, value if value is not None else 0)


# ---- year-end report ------------------------------------------------------------------
def year_end_content(summary, year, evaluation):
    """The year-end report of a tenant, built from its stored summary."""
    plan = plan_for_year(summary, year)
    courses = []
    for course in summary["by_course"]:
        numbers = course["by_year"].get(str(year))
        if numbers and numbers["enrollments"]:
            courses.append(dict(numbers, course_id=course["course_id"], code=course["code"],
                                title=course["title"], national=course["national"]))
    return {
        "tenant": {k: summary[k] for k in ("tenant_id", "code", "name", "kind")},
        "year": year,
        "plan": {"planned_courses": plan["planned_courses"], "planned_learners": plan["planned_learners"]},
        "actual": {k: plan[k] for k in ("courses_run", "learners_trained", "active_learners", *METRICS,
                                        "completion_rate")},
        "achievement": {"courses_pct": plan["courses_achievement_pct"],
                        "learners_pct": plan["learners_achievement_pct"]},
        "courses": courses,
        "learners_trained_by_category": [{"category": c, "learners": n}
                                         for c, n in plan["learners_trained_by_category"].items()],
        "learners_trained_by_unit": plan["learners_trained_by_unit"],
        "evaluation": evaluation or "",
        "as_of": summary["as_of"],
    }


def content_sha256(content):
    canonical = json.dumps(content, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


# ---- who may see what -----------------------------------------------------------------
# (mooc_common/contracts/roles.py: another tenant's report is 404, a role that may not act 403)
DENIED = "Your role does not allow this report action."


def require_reader(actor, tenant_id):
    """Operator: any tenant. Admin/viewer: own tenant. Another tenant's users: 'not found'."""
    roles.require_same_tenant(actor, tenant_id, "Tenant not found.")
    roles.require_role(actor, roles.REPORT_READERS, DENIED)


def require_year_end_writer(actor, tenant_id):
    """Only the tenant's own admin writes the evaluation and submits."""
    roles.require_same_tenant(actor, tenant_id, "Tenant not found.")
    roles.require_role(actor, (roles.TENANT_ADMIN,), DENIED)


def require_national_reader(actor):
    roles.require_role(actor, (roles.OPERATOR_ADMIN,), DENIED)
