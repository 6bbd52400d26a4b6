"""A course's enrollments list over the gateway: server-side filters (status, unit subtree, a
name search without diacritics), the learners named, the CSV export, and tenant isolation."""
import csv
import io
import secrets

import pytest

from tests.e2e.courses_fixtures import a, b, published_course  # noqa: F401 (fixtures)
from tests.polling import eventually

pytestmark = pytest.mark.e2e


def _learner(kit, full_name, unit_id=None):
    username = f"hv.{secrets.token_hex(4)}"
    body = {"username": username, "full_name": full_name, "email": "hv@example.vn", "role": "learner",
            "password": secrets.token_urlsafe(12), "category": "civil_servant", "phone": "0987654321"}
    if unit_id:
        body["unit_id"] = unit_id
    return kit.operator.post(f"/api/v1/tenants/{kit.tenant_id}/users", body)


def _unit(kit, name, parent_id=None):
    return kit.admin.post(f"/api/v1/tenants/{kit.tenant_id}/units",
                          {"code": "U" + secrets.token_hex(3), "name": name, "parent_id": parent_id})


@pytest.fixture(scope="module")
def course_a(a, b):
    """Tenant A's course: Bình (root unit), Cúc (a unit below it, cancelled), Dũng (no unit)."""
    root = _unit(a, "Sở Nội vụ")
    child = _unit(a, "Phòng Công chức", root["unit_id"])
    binh = _learner(a, "Nguyễn Văn Bình", root["unit_id"])
    cuc = _learner(a, "Trần Thị Cúc", child["unit_id"])
    dung = _learner(a, "=Lê Dũng")  # a name a spreadsheet would run as a formula
    course = published_course(a.instructor)
    path = f"/api/v1/courses/{course['course_id']}/enrollments"
    enrolled = {u["user_id"]: a.admin.post(path, {"learner_id": u["user_id"]}) for u in (binh, cuc, dung)}
    a.admin.post(f"/api/v1/enrollments/{enrolled[cuc['user_id']]['enrollment_id']}/cancel")
    return {"course": course, "path": path, "root": root, "child": child, "binh": binh, "cuc": cuc, "dung": dung}


def _names(client, path, **params):
    return sorted(e["full_name"] for e in client.get(path, params=params)["items"])


def test_rows_carry_the_learners_username_and_full_name(a, course_a):
    items = a.admin.get(course_a["path"])["items"]
    by_id = {e["learner_id"]: e for e in items}
    binh = by_id[course_a["binh"]["user_id"]]
    assert (binh["username"], binh["full_name"], binh["status"]) == (
        course_a["binh"]["username"], "Nguyễn Văn Bình", "active")
    assert by_id[course_a["cuc"]["user_id"]]["status"] == "cancelled"
    assert a.instructor.get(course_a["path"])["items"][0]["full_name"]  # the course's authors see names too


def test_filters_are_applied_by_the_server(a, course_a):
    path = course_a["path"]
    assert _names(a.admin, path, status="cancelled") == ["Trần Thị Cúc"]
    assert _names(a.admin, path, status="active") == ["=Lê Dũng", "Nguyễn Văn Bình"]
    assert _names(a.admin, path, status="completed") == []
    assert _names(a.admin, path, source="admin", category="civil_servant", status="active") == [
        "=Lê Dũng", "Nguyễn Văn Bình"]
    # a unit's subtree: the root unit holds Bình and, below it, Cúc (units reach courses by events)
    eventually(lambda: _names(a.admin, path, unit_id=course_a["root"]["unit_id"]) == ["Nguyễn Văn Bình", "Trần Thị Cúc"])
    assert _names(a.admin, path, unit_id=course_a["child"]["unit_id"]) == ["Trần Thị Cúc"]
    # a name search typed without diacritics, in capitals, or by the username's start
    assert _names(a.admin, path, q="nguyen van") == ["Nguyễn Văn Bình"]
    assert _names(a.admin, path, q="CÚC") == ["Trần Thị Cúc"]
    assert _names(a.admin, path, q=course_a["dung"]["username"][:7]) == ["=Lê Dũng"]
    assert _names(a.admin, path, q="cuc", status="active") == []
    assert _names(a.admin, path, q="khong co ai") == []
    # one page at a time, the Link header pointing on while a page comes back full
    response = a.admin.response("GET", path, params={"limit": 1, "status": "active"})
    assert len(response.json()["items"]) == 1 and 'rel="next"' in response.headers["Link"]
    assert "status=active" in response.headers["Link"]


def test_bad_filters_are_refused_with_per_field_errors(a, course_a):
    path = course_a["path"]
    for params, field in (({"status": "done"}, "status"), ({"q": "x" * 101}, "q"), ({"q": "a\x07b"}, "q"),
                          ({"unit_id": "not-an-id"}, "unit_id"), ({"source": "mail"}, "source")):
        body = a.admin.get(path, params=params, expect=(422,))
        assert body["code"] == "validation_failed" and field in body["errors"], (params, body)
        assert a.admin.get(path + "/export", params=params, expect=(422,))["code"] == "validation_failed"


def test_export_is_the_filtered_list_as_csv(a, course_a):
    response = a.admin.response("GET", course_a["path"] + "/export", params={"status": "active"})
    assert response.status_code == 200 and response.headers["Content-Type"].startswith("text/csv")
    assert "attachment" in response.headers["Content-Disposition"]
    assert response.content.startswith(b"\xef\xbb\xbf")  # BOM: spreadsheet programs read UTF-8
    rows = list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert sorted(r["full_name"] for r in rows) == ["'=Lê Dũng", "Nguyễn Văn Bình"]  # no live formula
    binh = next(r for r in rows if r["username"] == course_a["binh"]["username"])
    assert binh["unit"] == "Sở Nội vụ" and binh["status"] == "active" and binh["source"] == "admin"
    assert binh["learner_id"] == course_a["binh"]["user_id"] and len(binh["enrollment_id"]) == 32 and binh["enrolled_at"]
    searched = a.admin.response("GET", course_a["path"] + "/export", params={"q": "tran thi"})
    assert [r["full_name"] for r in csv.DictReader(io.StringIO(searched.content.decode("utf-8-sig")))] == ["Trần Thị Cúc"]


def test_another_tenant_and_a_learner_get_404(a, b, course_a):
    path = course_a["path"]
    for route in (path, path + "/export"):
        assert b.admin.get(route, expect=(404,))["code"] == "not_found"
        assert b.instructor.get(route, params={"q": "nguyen"}, expect=(404,))["code"] == "not_found"
    # a unit of another tenant is not found either, even on a course the admin may list
    course_b = published_course(b.instructor)
    assert b.admin.get(f"/api/v1/courses/{course_b['course_id']}/enrollments",
                       params={"unit_id": course_a["root"]["unit_id"]}, expect=(404,))["code"] == "not_found"
    _, learner = a.user()
    assert learner.get(path, expect=(404,))["code"] == "not_found"  # as for any course it may not list
    assert learner.get(path + "/export", expect=(404,))["code"] == "not_found"


def test_national_course_each_tenant_sees_and_exports_only_its_learners(operator, a, b):
    course = published_course(operator, national=True)
    path = f"/api/v1/courses/{course['course_id']}/enrollments"
    in_a, in_b = _learner(a, "Phạm Minh Châu"), _learner(b, "Phạm Minh Châu")
    a.admin.post(path, {"learner_id": in_a["user_id"]})
    b.admin.post(path, {"learner_id": in_b["user_id"]})
    assert [e["username"] for e in a.admin.get(path, params={"q": "pham minh"})["items"]] == [in_a["username"]]
    assert [e["username"] for e in b.admin.get(path)["items"]] == [in_b["username"]]
    exported = a.admin.response("GET", path + "/export").content.decode("utf-8-sig")
    assert in_a["username"] in exported and in_b["username"] not in exported
    # the operator sees both, named, and searches one tenant's learners by naming it
    assert {e["username"] for e in operator.get(path)["items"]} == {in_a["username"], in_b["username"]}
    assert [e["username"] for e in operator.get(path, params={"q": "chau", "tenant_id": b.tenant_id})["items"]] == [
        in_b["username"]]
    assert operator.get(path, params={"q": "chau"}, expect=(422,))["errors"]["tenant_id"]
