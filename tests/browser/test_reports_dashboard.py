"""The tenant report dashboard, the annual plan and the year-end report in headless Chromium:
the dashboard's numbers are the API report's, the unit drill-down, year-end submission with
version 1 unchanged after version 2, a report viewer without write buttons (and refused when it
forces a write), and another tenant's pages answering the 404 page. axe on every page."""
import datetime as dt
import json

import pytest

from tests.browser.conftest import API, PASSWORD, activated, snapshot
from tests.browser.consoles import ConsoleTenant, assert_console_page_ok, console_sign_in, vi_number
from tests.polling import eventually

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(600)]
VN = dt.timezone(dt.timedelta(hours=7))


@pytest.fixture(scope="module")
def reports_tenant(operator, platform):
    tenant = ConsoleTenant(operator, platform, "Sở Nội vụ tỉnh Bắc Ninh")
    course = tenant.publish_course("Cải cách hành chính cho công chức cấp xã")
    codes = tenant.import_learners(3)
    for username in sorted(codes)[:2]:
        learner = activated(platform, (username, *codes[username]))
        learner.post(f"{API}/courses/{course['course_id']}/enrollments", {})
    # one learner in the unit below the root: the drill-down has a level to open
    operator.post(f"{API}/tenants/{tenant.id}/users", {
        "username": f"hv.{tenant.id[-6:]}", "full_name": "Đỗ Thị Hằng", "email": "hang@example.vn",
        "role": "learner", "unit_id": tenant.child_unit["unit_id"], "category": "cadre", "password": PASSWORD})
    eventually(lambda: (lambda r: (r["learners"], r["enrollments"], len(r["by_unit"])))(
        tenant.admin.get(f"{API}/tenants/{tenant.id}/report")) == (4, 2, 2), timeout=90)
    tenant.course = course
    return tenant


@pytest.fixture(scope="module")
def other_tenant(operator, platform):
    return ConsoleTenant(operator, platform, "Bộ Tư pháp")


def kpi(page, name):
    return page.get_by_test_id(f"kpi-{name}").locator("dd").inner_text()


@pytest.mark.parametrize("width", [1280, 360], ids=["desktop", "phone-360px"])
def test_dashboard_numbers_equal_the_api_report(new_page, reports_tenant, width):
    page = new_page(width=width)
    console_sign_in(page, reports_tenant.admin_username, next_path="/reports")
    page.get_by_role("heading", name="Báo cáo: Sở Nội vụ tỉnh Bắc Ninh").wait_for()
    report = reports_tenant.admin.get(f"{API}/tenants/{reports_tenant.id}/report")
    year = str(dt.datetime.now(VN).year)

    assert kpi(page, "learners") == vi_number(report["learners"]) == "4"
    assert kpi(page, "seats") == f"{vi_number(report['seats_used'])} / {vi_number(report['learner_quota'])}"
    assert kpi(page, "enrollments") == vi_number(report["enrollments"]) == "2"
    assert kpi(page, "completions") == vi_number(report["completions"])
    assert kpi(page, "certificates") == vi_number(report["certificates"])
    assert kpi(page, "active") == vi_number(report["active_learners"]["by_year"].get(year, 0))

    # Each chart is drawn (a canvas) with its numbers in a table beside it.
    courses = page.get_by_test_id("chart-courses")
    courses.locator("canvas").wait_for()
    row = courses.get_by_role("row", name="Cải cách hành chính")
    assert row.get_by_role("cell").all_inner_texts() == ["2", "0"]
    page.get_by_test_id("chart-plan").get_by_role("table").wait_for()
    assert page.get_by_test_id("chart-months").get_by_role("row").count() == 13  # header + 12 months

    # Drill-down: the root unit's subtree, then the unit below it.
    page.get_by_role("button", name="Xem Sở Nội vụ").click()
    page.get_by_test_id("unit-current").filter(has_text="4 học viên, 2 lượt ghi danh").wait_for()
    page.get_by_role("button", name="Xem Phòng Tổng hợp").wait_for()
    snapshot(page, "dashboard")
    assert_console_page_ok(page)

    # The staff progress view of the course, filtered.
    page.get_by_role("button", name="Tất cả đơn vị").click()
    page.get_by_role("link", name="Tiến độ học viên").first.click()
    page.get_by_role("heading", name="Tiến độ học viên: Cải cách hành chính cho công chức cấp xã").wait_for()
    page.get_by_role("status").filter(has_text="2 học viên").wait_for()
    page.get_by_label("Trạng thái").select_option("completed")
    page.get_by_role("status").filter(has_text="0 học viên").wait_for()
    with page.expect_download() as download:
        page.get_by_role("button", name="Xuất CSV").click()
    assert download.value.suggested_filename.endswith(".csv")
    assert_console_page_ok(page)


def test_year_end_submit_then_version_1_unchanged_after_version_2(new_page, reports_tenant):
    page = new_page()
    page.on("dialog", lambda dialog: dialog.accept())
    console_sign_in(page, reports_tenant.admin_username, next_path="/year-end")
    year = dt.datetime.now(VN).year
    page.get_by_role("heading", name=f"Kế hoạch và báo cáo năm {year}: Sở Nội vụ tỉnh Bắc Ninh").wait_for()

    # The deadline and the days left, counted in Vietnam's calendar.
    days = (dt.date(year, 12, 15) - dt.datetime.now(VN).date()).days
    deadline = page.get_by_test_id("deadline")
    assert "15 tháng 12, " + str(year) in deadline.inner_text()
    if days >= 1:
        assert f"Còn {days} ngày." in deadline.inner_text()
    page.get_by_test_id("focal-contact").filter(has_text="Trần Văn Bình · 0912345678 · b@example.vn").wait_for()

    # The tenant admin keeps its focal contact current (an invalid number is refused under its field).
    page.get_by_label("Số di động").fill("12345")
    page.get_by_role("button", name="Lưu đầu mối").click()
    page.locator(".field-error").first.wait_for()
    page.get_by_label("Số di động").fill("0987654321")
    page.get_by_role("button", name="Lưu đầu mối").click()
    page.get_by_role("status").filter(has_text="Đã lưu đầu mối liên hệ.").wait_for()
    page.get_by_test_id("focal-contact").filter(has_text="Trần Văn Bình · 0987654321 · b@example.vn").wait_for()
    assert reports_tenant.admin.get(f"{API}/tenants/{reports_tenant.id}")["focal_contact"]["mobile"] == "0987654321"

    # The plan.
    page.get_by_label("Số khoá học kế hoạch").fill("2")
    page.get_by_label("Số học viên kế hoạch").fill("10")
    page.get_by_role("button", name="Lưu kế hoạch").click()
    page.get_by_role("status").filter(has_text="Đã lưu kế hoạch").wait_for()
    plan = reports_tenant.admin.get(f"{API}/tenants/{reports_tenant.id}/training-plans/{year}")
    assert (plan["planned_courses"], plan["planned_learners"]) == (2, 10)

    # The live figures, the evaluation, a preview, then version 1.
    figures = page.get_by_test_id("figures")
    assert "Lượt ghi danh" in figures.inner_text()
    first = "Đơn vị đã tổ chức bồi dưỡng đúng kế hoạch."
    page.get_by_role("textbox", name="Đánh giá của đơn vị").fill(first)
    page.get_by_role("button", name="Xem trước").click()
    page.get_by_test_id("preview").filter(has_text=first).wait_for()
    assert_console_page_ok(page)
    page.get_by_role("button", name="Nộp báo cáo năm").click()
    page.get_by_role("status").filter(has_text="Đã nộp phiên bản 1.").wait_for()
    page.get_by_test_id("versions").get_by_role("row").nth(1).wait_for()

    def version_json(number):
        with page.expect_download() as download:
            page.get_by_role("button", name=f"Tải JSON phiên bản {number}").click()
        return json.loads(open(download.value.path(), encoding="utf-8").read())

    v1_before = version_json(1)
    assert v1_before["content"]["evaluation"] == first
    with page.expect_download() as xlsx:
        page.get_by_role("button", name="Tải XLSX phiên bản 1").click()
    assert xlsx.value.suggested_filename.endswith("-v1.xlsx")

    # Version 2 with another evaluation: version 1 stays as it was.
    second = "Bổ sung: 2 học viên đang học, sẽ hoàn thành trong quý I."
    page.get_by_role("textbox", name="Đánh giá của đơn vị").fill(second)
    page.get_by_role("button", name="Nộp báo cáo năm").click()
    page.get_by_role("status").filter(has_text="Đã nộp phiên bản 2.").wait_for()
    rows = page.get_by_test_id("versions").get_by_role("row")
    eventually(lambda: rows.count() == 3)
    assert version_json(2)["content"]["evaluation"] == second
    assert version_json(1) == v1_before
    late = any(v["late"] for v in reports_tenant.admin.get(
        f"{API}/tenants/{reports_tenant.id}/year-end-reports/{year}/versions")["versions"])
    assert ("Nộp muộn" in rows.nth(1).inner_text()) == late
    assert_console_page_ok(page)


def test_report_viewer_sees_no_write_buttons_and_a_forced_write_is_refused(new_page, reports_tenant):
    page = new_page(width=360)
    console_sign_in(page, reports_tenant.viewer_username, next_path="/year-end")
    year = dt.datetime.now(VN).year
    page.get_by_role("heading", name=f"Kế hoạch và báo cáo năm {year}: Sở Nội vụ tỉnh Bắc Ninh").wait_for()
    page.get_by_test_id("figures").wait_for()
    for name in ("Lưu kế hoạch", "Lưu đánh giá", "Nộp báo cáo năm"):
        assert page.get_by_role("button", name=name).count() == 0
    assert page.locator("textarea, input[type=number]").count() == 0
    assert_console_page_ok(page)
    page.get_by_role("link", name="Báo cáo", exact=True).click()
    page.get_by_role("heading", name="Báo cáo: Sở Nội vụ tỉnh Bắc Ninh").wait_for()
    assert page.get_by_role("link", name="Tiến độ học viên").count() == 0  # the progress API is staff-only
    assert_console_page_ok(page)

    # The same writes forced through the API with the viewer's own credentials.
    viewer, base = reports_tenant.viewer, f"{API}/tenants/{reports_tenant.id}"
    for method, path, body in (("POST", f"{base}/year-end-reports/{year}/submit", {"evaluation": "x"}),
                               ("PUT", f"{base}/year-end-reports/{year}/evaluation", {"evaluation": "x"}),
                               ("PUT", f"{base}/training-plans/{year}", {"planned_courses": 1, "planned_learners": 1})):
        response = viewer.response(method, path, json=body)
        assert response.status_code == 403, (path, response.text)
        assert response.json()["code"] == "permission_denied"


@pytest.mark.parametrize("role", ["admin", "viewer"])
def test_another_tenants_pages_show_the_404_page(new_page, reports_tenant, other_tenant, role):
    page = new_page()
    console_sign_in(page, getattr(reports_tenant, f"{role}_username"), next_path="/reports")
    page.get_by_role("heading", name="Báo cáo: Sở Nội vụ tỉnh Bắc Ninh").wait_for()
    for path in (f"/tenants/{other_tenant.id}/report", f"/tenants/{other_tenant.id}/year-end",
                 f"/tenants/{other_tenant.id}/courses/{reports_tenant.course['course_id']}/progress",
                 "/operator/tenants", "/operator/national"):
        page.goto(path)
        page.get_by_role("heading", name="Không tìm thấy trang").wait_for()
        assert "Bộ Tư pháp" not in page.content()
    assert_console_page_ok(page)
    response = getattr(reports_tenant, role).response("GET", f"{API}/tenants/{other_tenant.id}/report")
    assert response.status_code == 404
