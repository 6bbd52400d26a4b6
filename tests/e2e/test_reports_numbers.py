"""Tenant and national report numbers from events, over the real broker and store:
unit subtrees, categories, national-course scoping, plan vs actual, active learners, and
exactness under duplicate and out-of-order delivery."""
import datetime as dt
import random

import pytest

from tests.e2e.reports_fixtures import (TenantWorld, at, new_id, new_tenant, publisher,  # noqa: F401
                                        report_when)
from tests.polling import eventually

pytestmark = pytest.mark.e2e


def _course(report, course_id):
    return next(c for c in report["by_course"] if c["course_id"] == course_id)


def _unit(report, unit_id):
    return next(u for u in report["by_unit"] if u["unit_id"] == unit_id)


def _scenario(world, national_id, own_id, intake_id):
    """3 learners in a 3-unit tree; one own and one national course; returns the learners."""
    root, d1, d2 = (f"{world.tenant_id[:6]}-{u}" for u in ("root", "d1", "d2"))
    world.unit(root, [root])
    world.unit(d1, [root, d1])
    world.unit(d2, [root, d2])
    l1, l2, l3 = (new_id("l1-"), d1, "civil_servant"), (new_id("l2-"), d2, "cadre"), (new_id("l3-"), d1, "civil_servant")
    for learner in (l1, l2, l3):
        world.learner(*learner)
    world.plan(2026, courses=4, learners=10)
    world.course(own_id)
    world.intake(intake_id, own_id)
    world.enroll(l1, own_id, intake_id=intake_id)
    world.enroll(l2, own_id, intake_id=intake_id, when=at((5, 3)))
    world.enroll(l1, national_id, national=True)
    world.enroll(l3, own_id, intake_id=intake_id)
    world.cancel(l3, own_id)
    world.complete(l1, own_id, intake_id=intake_id)
    world.complete(l1, national_id, national=True)
    world.certificate(l1, own_id, intake_id=intake_id)
    world.active(l1, dt.date(2026, 3, 2))
    world.active(l1, dt.date(2026, 3, 5))
    world.active(l2, dt.date(2026, 3, 5))
    world.active(l2, dt.date(2026, 4, 1))
    return (root, d1, d2), (l1, l2, l3)


def _expected_numbers(report, units, own_id, national_id, intake_id, extra_learners=0):
    root, d1, d2 = units
    assert report["learners"] == 3 + extra_learners
    assert report["learners_by_category"]["civil_servant"] == 2 + extra_learners
    assert report["learners_by_category"]["cadre"] == 1
    assert report["seats_used"] == 3 + extra_learners and report["learner_quota"] == 20000
    # l3's enrollment was cancelled: 3 enrollments (l1 own, l2 own, l1 national)
    assert (report["enrollments"], report["completions"], report["certificates"]) == (3, 2, 1)
    assert report["completion_rate"] == round(2 / 3, 4)
    assert _unit(report, root)["learners"] == 3 and _unit(report, root)["enrollments"] == 3
    assert _unit(report, d1)["learners"] == 2 and _unit(report, d1)["completions"] == 2
    assert _unit(report, d2)["enrollments"] == 1 and _unit(report, d2)["completions"] == 0
    own = _course(report, own_id)
    assert (own["enrollments"], own["completions"], own["certificates"], own["national"]) == (2, 1, 1, False)
    assert own["by_intake"][0]["intake_id"] == intake_id and own["by_intake"][0]["name"] == "Đợt 1 năm 2026"
    assert report["courses"]["own"] == {"total": 1, "published": 1}
    months = {m["month"]: m for m in report["by_month"]}
    assert months["2026-03"]["enrollments"] == 2 and months["2026-05"]["enrollments"] == 1
    assert months["2026-04"]["completions"] == 2
    assert report["active_learners"]["by_month"] == {"2026-03": 2, "2026-04": 1}
    assert report["active_learners"]["by_year"] == {"2026": 2}
    plan = next(p for p in report["plan_vs_actual"] if p["year"] == 2026)
    assert (plan["planned_courses"], plan["planned_learners"]) == (4, 10)
    assert (plan["courses_run"], plan["learners_trained"]) == (2, 1)
    assert (plan["courses_achievement_pct"], plan["learners_achievement_pct"]) == (50.0, 10.0)
    assert plan["learners_trained_by_category"] == {"civil_servant": 1}
    return True


def test_tenant_report_numbers_national_scoping_and_national_report(operator, platform, publisher):
    (tenant_a, a, _), (tenant_b, b, _) = new_tenant(operator, platform), new_tenant(operator, platform)
    national_id, own_id, intake_id = new_id("nat"), new_id("own"), new_id("int")
    world_a, world_b = TenantWorld(tenant_a["tenant_id"]), TenantWorld(tenant_b["tenant_id"])
    world_a.course(national_id, national=True)
    units, _ = _scenario(world_a, national_id, own_id, intake_id)
    b_learner = (new_id("lb-"), None, "worker")
    world_b.learner(*b_learner)
    world_b.enroll(b_learner, national_id, national=True)
    world_b.enroll((new_id("lb2-"), None, "worker"), national_id, national=True)
    for event in world_a.events + world_b.events:
        publisher.send(event)

    report = report_when(a["tenant_admin"], tenant_a["tenant_id"], lambda r: _expected_numbers(
        r, units, own_id, national_id, intake_id))
    # the national course counts only tenant A's own learners in A's report
    national = _course(report, national_id)
    assert (national["enrollments"], national["completions"], national["national"]) == (1, 1, True)
    assert report["as_of"] >= max(e["occurred_at"] for e in world_a.events)
    viewer_copy = a["report_viewer"].get(f"/api/v1/tenants/{tenant_a['tenant_id']}/report")
    assert viewer_copy["enrollments"] == 3

    report_b = report_when(b["report_viewer"], tenant_b["tenant_id"], lambda r: r["enrollments"] == 2)
    assert _course(report_b, national_id)["enrollments"] == 2 and report_b["completions"] == 0

    national_report = eventually(lambda: _national_with(operator, national_id, 2))
    rows = {r["tenant_id"]: r for r in national_report["tenants"]}
    assert rows[tenant_a["tenant_id"]]["enrollments"] == 3
    assert rows[tenant_a["tenant_id"]]["planned_learners"] == 10
    assert rows[tenant_a["tenant_id"]]["learners_trained"] == 1
    assert rows[tenant_a["tenant_id"]]["year_end_submitted"] is False
    assert rows[tenant_b["tenant_id"]]["enrollments"] == 2
    course = next(c for c in national_report["national_courses"] if c["course_id"] == national_id)
    per_tenant = {t["tenant_id"]: t["enrollments"] for t in course["tenants"]}
    assert per_tenant == {tenant_a["tenant_id"]: 1, tenant_b["tenant_id"]: 2}
    assert course["totals"]["enrollments"] == 3
    assert national_report["totals"]["enrollments"] == sum(r["enrollments"] for r in national_report["tenants"])

    by_enrollments = operator.get("/api/v1/reports/national?year=2026&sort=enrollments&order=desc")
    values = [r["enrollments"] for r in by_enrollments["tenants"]]
    assert values == sorted(values, reverse=True)
    bad = operator.request("GET", "/api/v1/reports/national?sort=password", expect=(422,))
    assert bad["code"] == "validation_failed" and "sort" in bad["errors"]


def _national_with(operator, course_id, tenants):
    report = operator.get("/api/v1/reports/national?year=2026")
    course = next((c for c in report["national_courses"] if c["course_id"] == course_id), None)
    return report if course and len(course["tenants"]) == tenants else None


def test_duplicates_and_out_of_order_give_the_same_numbers(operator, platform, publisher):
    """The same events delivered in order once, and shuffled with every event twice
    (completions before enrollments, user.updated before user.registered...)."""
    national_id = new_id("nat")
    results = []
    for shuffled in (False, True):
        tenant, clients, _ = new_tenant(operator, platform)
        world = TenantWorld(tenant["tenant_id"])
        world.course(national_id, national=True)
        own_id, intake_id = new_id("own"), new_id("int")
        units, (l1, l2, l3) = _scenario(world, national_id, own_id, intake_id)
        # l3 moves from d1 to d2 and becomes a cadre (a later user.updated)
        world.learner(l3[0], units[2], "cadre", when=at((6, 1)), updated=True)
        events = list(world.events)
        if shuffled:
            events = events * 2
            random.Random(7).shuffle(events)
            # and, explicitly, the worst orders first
            events.sort(key=lambda e: e["type"] not in ("progress.course.completed.v1", "accounts.user.updated.v1"))
        for event in events:
            publisher.send(event)
        report = report_when(clients["tenant_admin"], tenant["tenant_id"], lambda r: r["certificates"] == 1
                             and r["active_learners"]["by_month"].get("2026-04") == 1 and r["learners"] == 3
                             and r["enrollments"] == 3 and r["completions"] == 2
                             and r["learners_by_category"].get("cadre") == 2)
        assert _unit(report, units[2])["learners"] == 2  # l2 and the moved l3
        results.append((report, units, own_id))
    (first, units1, own1), (second, units2, own2) = results
    comparable = ("learners", "learners_by_category", "seats_used", "enrollments", "completions", "certificates",
                  "completion_rate", "active_learners", "by_month", "by_category")
    assert {k: first[k] for k in comparable} == {k: second[k] for k in comparable}
    assert [p["learners_trained"] for p in first["plan_vs_actual"]] == [p["learners_trained"] for p in second["plan_vs_actual"]]
    assert _course(first, own1)["enrollments"] == _course(second, own2)["enrollments"] == 2
