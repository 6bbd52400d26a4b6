"""The enrollments list's query, rows and CSV (pure: no store)."""
import csv
import datetime as dt
import io

from services.courses import enrollment_list


def test_query_keeps_equalities_and_turns_a_subtree_and_a_search_into_id_lists():
    assert enrollment_list.query("c", "t", {"status": None, "source": "", "q": None}) == {"course_id": "c", "tenant_id": "t"}
    assert enrollment_list.query("c", None, {"status": "completed", "source": "csv", "intake_id": "i", "category": "cadre"},
                                 unit_ids=["u1", "u2"], enrollment_ids=["e1"]) == {
        "course_id": "c", "source": "csv", "intake_id": "i", "category": "cadre", "status": "active",
        "completed_at": {"$ne": None}, "unit_id": {"$in": ["u1", "u2"]}, "_id": {"$in": ["e1"]}}
    assert enrollment_list.query("c", "t", {"status": "active"})["completed_at"] is None


def test_rows_are_named_and_a_completion_is_listed_as_completed():
    rows = [{"learner_id": "l1", "status": "active", "completed_at": dt.datetime(2026, 5, 1)},
            {"learner_id": "l2", "status": "cancelled"}]
    named = enrollment_list.named(rows, {"l1": {"username": "an", "full_name": "Lê An"}})
    assert [(r["status"], r["username"], r["full_name"]) for r in named] == [
        ("completed", "an", "Lê An"), ("cancelled", None, None)]


def test_csv_has_a_bom_names_units_and_intakes_and_neutralises_formulas():
    rows = [{"learner_id": "l1", "enrollment_id": "e1", "username": "an", "full_name": "=HYPERLINK(1)",
             "unit_id": "u1", "intake_id": "i1", "status": "active", "source": "admin",
             "enrolled_at": "2026-05-01T01:00:00+00:00", "completed_at": None}]
    text = enrollment_list.to_csv(rows, {"u1": "Phòng Tổng hợp"}, {"i1": "Đợt 1"})
    assert text.startswith("\ufeff")
    row = next(csv.DictReader(io.StringIO(text.lstrip("\ufeff"))))
    assert (row["full_name"], row["unit"], row["intake"], row["completed_at"]) == (
        "'=HYPERLINK(1)", "Phòng Tổng hợp", "Đợt 1", "")
