"""Report arithmetic with plain values."""
import datetime as dt
from collections import Counter

import pytest

from mooc_common.contracts.errors import NotFound, PermissionDenied

from services.reports import domain


def test_subtree_rollup_places_unknown_units_at_their_own_root():
    units = {"r": {"path": ["r"]}, "a": {"path": ["r", "a"]}, "b": {"path": ["r", "a", "b"]}}
    rolled = domain.subtree_rollup({"a": Counter(n=1), "b": Counter(n=2), "x": Counter(n=5)}, units)
    assert (rolled["r"]["n"], rolled["a"]["n"], rolled["b"]["n"], rolled["x"]["n"]) == (3, 3, 2, 5)


def test_deadline_is_end_of_15_december_vietnam_time():
    assert not domain.is_late(2026, dt.datetime(2026, 12, 15, 16, 59, tzinfo=dt.timezone.utc))
    assert domain.is_late(2026, dt.datetime(2026, 12, 15, 17, 0, tzinfo=dt.timezone.utc))


def test_content_hash_is_canonical():
    assert domain.content_sha256({"a": 1, "b": "Đánh giá"}) == domain.content_sha256({"b": "Đánh giá", "a": 1})


def test_access_rules():
    domain.require_reader({"role": "operator_admin", "tenant_id": None}, "t")
    domain.require_reader({"role": "report_viewer", "tenant_id": "t"}, "t")
    domain.require_year_end_writer({"role": "tenant_admin", "tenant_id": "t"}, "t")
    with pytest.raises(NotFound):
        domain.require_reader({"role": "tenant_admin", "tenant_id": "u"}, "t")
    with pytest.raises(PermissionDenied):
        domain.require_reader({"role": "learner", "tenant_id": "t"}, "t")
    with pytest.raises(PermissionDenied):
        domain.require_year_end_writer({"role": "report_viewer", "tenant_id": "t"}, "t")
    with pytest.raises(NotFound):
        domain.require_year_end_writer({"role": "tenant_admin", "tenant_id": "u"}, "t")
    with pytest.raises(PermissionDenied):
        domain.require_national_reader({"role": "tenant_admin", "tenant_id": "t"})


def test_national_report_sorts_and_totals():
    rows = [{"tenant_id": t, "code": t, "name": t, "kind": "province", "status": "active", "learners": n,
             "seats_used": n, "learner_quota": 20000, "courses": 1, "enrollments": n * 2, "completions": n,
             "certificates": 0, "completion_rate": 0.5, "as_of": "2026", "plan_vs_actual": [],
             "national_courses": [{"course_id": "N", "code": "N1", "title": "Chuyển đổi số", "status": "published",
                                   "enrollments": n, "completions": 0, "certificates": 0,
                                   "completion_rate": 0.0}]} for t, n in (("A", 1), ("B", 3))]
    report = domain.national_report(rows, [], 2026, sort="learners", order="desc")
    assert [r["code"] for r in report["tenants"]] == ["B", "A"]
    assert report["totals"]["enrollments"] == 8 and report["totals"]["completion_rate"] == 0.5
    course = report["national_courses"][0]
    assert (course["code"], course["title"], course["totals"]["enrollments"]) == ("N1", "Chuyển đổi số", 4)
    assert [(t["code"], t["enrollments"]) for t in course["tenants"]] == [("A", 1), ("B", 3)]
