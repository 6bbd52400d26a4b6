"""Pure rules of the accounts service and the import file reader (no broker, no store)."""
import datetime as dt
import re

import pytest

from mooc_common.contracts.errors import PermissionDenied, QuotaExceeded, ValidationFailed
from services.accounts import domain, imports, security

T0 = dt.datetime(2026, 11, 23, 9, 0, tzinfo=dt.timezone.utc)


def test_quota_range_and_override():
    assert domain.check_learner_quota(20_000, False) is None
    assert domain.check_learner_quota(19_999, False)
    assert domain.check_learner_quota(40_001, False)
    assert domain.check_learner_quota(40_001, True) is None


def test_seats_refusal_says_how_many_remain():
    with pytest.raises(QuotaExceeded) as err:
        domain.ensure_seats(20_000, 19_998, 3)
    assert err.value.errors["seats_remaining"] == 2


def test_deactivated_learners_hold_no_seat():
    assert domain.holds_seat({"role": "learner", "status": "pending_activation"})
    assert not domain.holds_seat({"role": "learner", "status": "inactive"})
    assert not domain.holds_seat({"role": "instructor", "status": "active"})


def test_move_refuses_cycles_and_repaths_the_subtree():
    root, a, b = {"_id": "r", "path": ["r"]}, {"_id": "a", "path": ["r", "a"]}, {"_id": "b", "path": ["r", "a", "b"]}
    with pytest.raises(ValidationFailed):
        domain.check_move(a, b)
    other = {"_id": "o", "path": ["r", "o"]}
    assert domain.repath_subtree([root, a, b, other], "a", ["r", "o", "a"]) == {
        "a": ["r", "o", "a"], "b": ["r", "o", "a", "b"]}


@pytest.mark.parametrize("password, problem", [
    ("short", "at least 10"), ("1234567890", "too easy"), ("aaaaaaaaaaaa", "too easy"),
    ("my-ngoc.tran-pass", "username")])
def test_password_rules(password, problem):
    assert any(problem in p for p in domain.password_problems(password, "ngoc.tran"))
    assert domain.password_problems("Mật khẩu rất dài 2026", "ngoc.tran") == []


def test_sign_in_rate_limit_window():
    failures = [T0 + dt.timedelta(seconds=s) for s in (0, 10, 20, 30, 40)]
    assert domain.sign_in_retry_after(failures[:4], T0 + dt.timedelta(seconds=45)) == 0
    # the fifth failure (at 40 s) costs the next attempt 30 s, the sixth 60 s
    assert domain.sign_in_retry_after(failures, T0 + dt.timedelta(seconds=45)) == 25
    assert domain.sign_in_retry_after(failures, T0 + dt.timedelta(seconds=71)) == 0
    sixth = failures + [T0 + dt.timedelta(seconds=71)]
    assert domain.sign_in_retry_after(sixth, T0 + dt.timedelta(seconds=72)) == 59


def test_activation_codes_are_derived_per_user_and_job():
    secret = "s" * 40
    code = security.activation_code(secret, "nonce", "user-1")
    assert len(code) == 20 and code == security.activation_code(secret, "nonce", "user-1")
    assert code != security.activation_code(secret, "nonce", "user-2")
    assert code != security.activation_code(secret, "other", "user-1")


def test_column_letters_and_header_errors():
    assert [imports.column_letter(i) for i in (0, 25, 26, 701, 702)] == ["A", "Z", "AA", "ZZ", "AAA"]
    errors = imports.check_header(["full_name", "username", "ghi_chu"])
    assert {(e["column"], e["column_letter"]) for e in errors} == {
        ("unit_code", None), ("category", None), ("ghi_chu", "C")}


def test_csv_with_bom_and_row_errors():
    content = ("\ufeffUsername,full_name,email,phone,unit_code,category,job_title\r\n"
               "le.an,Lê Ân,,0912345678,u1,cadre,\r\n\r\n"
               "le.an,Lê Ân,,,u2,cadre,\r\n").encode()
    header, rows = imports.read_rows(content)
    assert header[0] == "username" and len(rows) == 2
    learners, errors = imports.validate_rows(header, rows, {"U1": {"_id": "x"}}, {}, 100)
    assert learners == []
    # the blank line is row 3 of the file: the second learner is row 4, as the spreadsheet shows
    assert {(e["row"], e["column"], e["column_letter"]) for e in errors} == {
        (4, "email", "C"), (4, "username", "A"), (4, "unit_code", "E")}
    learners, errors = imports.validate_rows(header, rows[:1], {"U1": {"_id": "x"}}, {}, 0)
    assert "quota" in errors[0]["message"]


def test_import_rows_refuse_usernames_held_elsewhere_but_not_by_the_same_import():
    header = ["username", "full_name", "phone", "unit_code", "category"]
    rows = [["Le.An", "Lê Ân", "0912345678", "u1", "cadre"], ["tran.binh", "Trần Bình", "0912345679", "u1", "cadre"]]
    units = {"U1": {"_id": "unit-1"}}
    learners, errors = imports.validate_rows(header, rows, units, {"le.an": "job-0"}, 100, import_id="job-1")
    assert learners == [] and errors == [
        {"row": 2, "column": "username", "column_letter": "A", "message": "already taken"}]
    learners, errors = imports.validate_rows(header, rows, units, {"le.an": "job-1"}, 100, import_id="job-1")
    assert errors == []  # a redelivered job meets its own learners
    assert [(l["username"], l["unit_id"]) for l in learners] == [("le.an", "unit-1"), ("tran.binh", "unit-1")]


def test_user_query_filters_by_equality_and_escapes_the_search():
    assert domain.user_query("t1", {"unit_id": "u", "role": None, "status": "inactive"}) == {
        "tenant_id": "t1", "unit_id": "u", "status": "inactive"}
    query = domain.user_query("t1", {"q": " Lê.A* "})
    assert query["tenant_id"] == "t1"
    assert query["$or"][0] == {"username": {"$regex": r"^lê\.a\*"}}
    name = query["$or"][1]["full_name"]  # accent-insensitive (text_search), the regex syntax escaped
    assert name["$options"] == "i" and re.search(name["$regex"], "Lê.A* Bình", re.I) and re.search(name["$regex"], "le.a*", re.I)
    assert not re.search(name["$regex"], "Lê An", re.I)


def test_a_tenant_admin_may_change_only_its_own_tenants_focal_contact():
    admin = {"role": "tenant_admin", "tenant_id": "t1", "user_id": "u1"}
    domain.require_may_update_tenant(admin, "t1", ["focal_contact"])
    domain.require_may_update_tenant({"role": "operator_admin", "tenant_id": None}, "t1", ["learner_quota", "name"])
    for actor, tenant_id, fields in ((admin, "t1", ["focal_contact", "learner_quota"]), (admin, "t2", ["focal_contact"]),
                                     (dict(admin, role="report_viewer"), "t1", ["focal_contact"])):
        with pytest.raises(PermissionDenied):
            domain.require_may_update_tenant(actor, tenant_id, fields)
