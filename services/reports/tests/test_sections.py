"""The section builders of ``domain.assemble`` and ``domain.national_report``, one by one."""
from collections import Counter

from services.reports import domain

COURSE_PART = {"totals": {"enrollments": 4, "completions": 1},
               "by_unit": {"u1": {"enrollments": 3}, "-": {"enrollments": 1}},
               "by_category": {"worker": {"enrollments": 4, "completions": 1}},
               "by_month": {"2025-12": {"enrollments": 1}, "2026-01": {"enrollments": 3, "completions": 1}},
               "by_intake": {"i1": {"enrollments": 3}, "-": {"enrollments": 1}}}


def test_course_row_has_its_numbers_per_year_and_intake_and_adds_into_the_sums():
    sums = domain._Sums()
    row = domain._course_row("c1", COURSE_PART, {"code": "C1", "owner": "national", "status": "published"},
                             {"i1": {"name": "Đợt 1"}}, sums)
    assert (row["course_id"], row["code"], row["national"], row["enrollments"], row["completion_rate"]) == \
        ("c1", "C1", True, 4, 0.25)
    assert row["by_year"] == {"2025": {"enrollments": 1, "completions": 0, "certificates": 0, "completion_rate": 0.0},
                              "2026": {"enrollments": 3, "completions": 1, "certificates": 0,
                                       "completion_rate": 0.3333}}
    assert [(i["intake_id"], i["name"], i["enrollments"]) for i in row["by_intake"]] == [
        (None, None, 1), ("i1", "Đợt 1", 3)]
    domain._course_row("c2", {"totals": {"enrollments": 1}, "by_month": {"2026-01": {"enrollments": 1}}}, {}, {}, sums)
    assert sums.totals == Counter(enrollments=5, completions=1)
    assert sums.by_year["2026"] == Counter(enrollments=4, completions=1)
    assert sums.by_unit["u1"] == Counter(enrollments=3) and sums.by_month["2025-12"] == Counter(enrollments=1)


def test_learners_sum_the_unit_parts_and_count_per_unit_and_category():
    sums = domain._Sums()
    total, by_category, by_status = domain._learners({
        "u1": {"total": 3, "by_category": {"worker": 2, "cadre": 1}, "by_status": {"active": 2, "inactive": 1}},
        "": {"total": 1, "by_category": {"worker": 1}, "by_status": {"active": 1}}}, sums)
    assert (total, by_category, by_status) == (4, Counter(worker=3, cadre=1), Counter(active=3, inactive=1))
    assert sums.by_unit["u1"]["learners"] == 3 and sums.by_unit[domain.NONE]["learners"] == 1
    assert sums.by_category["worker"]["learners"] == 3


def test_active_learners_per_month_and_year_leave_out_zero():
    sums = domain._Sums()
    assert domain._active_by_month({"2026-02": {"total": 2}, "2026-01": {"total": 5}, "2026-03": {}}, sums) == \
        {"2026-01": 5, "2026-02": 2}
    assert sums.by_month["2026-01"]["active_learners"] == 5
    assert domain._active_by_year({"2026": {"active": {"total": 7}}, "2025": {"trained": {"total": 1}}}) == {"2026": 7}


def test_tenant_header_counts_seats_without_the_inactive_learners():
    header = domain._tenant_header({"_id": "t1", "code": "HN", "learner_quota": 3}, 4, Counter(b=1, a=3),
                                   Counter(active=3, inactive=1))
    assert (header["seats_used"], header["seats_available"], header["learners"]) == (3, 0, 4)
    assert list(header["learners_by_category"]) == ["a", "b"]
    assert domain._tenant_header({"_id": "t1"}, 0, Counter(), Counter())["seats_available"] is None


def test_course_counts_split_own_and_national_courses_by_status():
    courses = {"a": {"owner": "t1", "status": "published"}, "b": {"owner": "t1"},
               "n": {"owner": "national", "status": "archived"}, "x": {"owner": "t2"}}
    assert domain._course_counts("t1", courses) == {"own": {"total": 2, "published": 1, "unknown": 1},
                                                    "national": {"total": 1, "archived": 1}}


def test_plans_vs_actual_has_a_row_for_every_year_with_a_plan_or_a_number():
    rows = domain._plans_vs_actual({"2027": {"planned_learners": 10}}, {"2025": {"trained": {"total": 2}}},
                                   {"2026": Counter(enrollments=3)}, [], {})
    assert [(r["year"], r["planned_learners"], r["learners_trained"], r["enrollments"]) for r in rows] == [
        (2025, None, 2, 0), (2026, None, 0, 3), (2027, 10, 0, 0)]


def _row(tenant_id, code, learners, national=()):
    return {"tenant_id": tenant_id, "code": code, "name": code, "kind": "province", "status": "active",
            "learners": learners, "seats_used": learners, "learner_quota": None, "courses": 1,
            "enrollments": 2, "completions": 1, "certificates": 0, "completion_rate": 0.5, "as_of": "2026",
            "plan_vs_actual": [{"year": 2026, "planned_courses": 2, "planned_learners": None,
                                "courses_run": 1, "learners_trained": 1}],
            "national_courses": [dict({"course_id": c, "code": c, "title": c, "status": "published",
                                       "enrollments": 2, "completions": 1, "certificates": 0,
                                       "completion_rate": 0.5}) for c in national]}


def test_national_tenant_row_takes_the_year_plan_and_the_year_end_status():
    flat = domain._national_tenant(_row("t1", "HN", 5), 2026, {"submitted": True})
    assert (flat["planned_courses"], flat["courses_run"], flat["year_end_submitted"]) == (2, 1, True)
    assert domain._national_tenant(_row("t1", "HN", 5), 2025, {"submitted": False})["planned_courses"] is None


def test_national_totals_and_courses_sum_over_tenants():
    rows = [_row("t1", "HN", 5, ["N"]), _row("t2", "DN", 3, ["N", "M"])]
    flats = [domain._national_tenant(r, 2026, {"submitted": r["tenant_id"] == "t1"}) for r in rows]
    totals = domain._national_totals(flats)
    assert (totals["learners"], totals["planned_learners"], totals["year_end_submitted"], totals["tenants"]) == \
        (8, 0, 1, 2)
    courses = domain._national_courses(rows)
    assert [c["course_id"] for c in courses] == ["M", "N"]
    assert courses[1]["totals"]["enrollments"] == 4 and [t["code"] for t in courses[1]["tenants"]] == ["DN", "HN"]
