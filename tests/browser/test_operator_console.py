"""The operator console in headless Chromium: a tenant created (a quota above 40,000 needs the
confirmation), edited, suspended and reactivated; it appears on the national dashboard, whose
table sorts, whose submissions board lists it as missing with its focal contact, and whose XLSX
export holds it. axe on every page, desktop and 360 px."""
import datetime as dt
import io
import secrets

import pytest
from openpyxl import load_workbook

from tests.browser.conftest import API, snapshot
from tests.browser.consoles import assert_console_page_ok, console_sign_in
from tests.polling import eventually

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(600)]
VN = dt.timezone(dt.timedelta(hours=7))


def test_operator_creates_a_tenant_and_sees_it_on_the_national_dashboard(new_page, platform, operator):
    page = new_page()
    page.on("dialog", lambda dialog: dialog.accept())
    console_sign_in(page, platform.env["OPERATOR_USERNAME"], platform.env["OPERATOR_PASSWORD"], "/operator/tenants")
    page.get_by_role("heading", name="Các đơn vị").wait_for()

    code = "OP" + secrets.token_hex(3).upper()
    page.get_by_role("button", name="Thêm đơn vị").click()
    page.get_by_label("Mã", exact=True).fill(code)
    page.get_by_label("Tên đơn vị").fill("Sở Giáo dục và Đào tạo tỉnh Hà Giang")
    page.get_by_label("Loại đơn vị").select_option("province")
    page.get_by_label("Hạn mức học viên").fill("45000")
    save = page.get_by_role("button", name="Lưu")
    assert save.is_disabled()  # above 40,000: not without the confirmation
    page.get_by_label("Họ và tên đầu mối").fill("Lý Thị Mai")
    page.get_by_label("Số điện thoại di động").fill("0987654321")
    page.get_by_label("Thư điện tử").fill("mai@example.vn")
    assert_console_page_ok(page)
    page.get_by_label("Tôi xác nhận cấp hạn mức 45000 học viên").check()
    save.click()
    page.get_by_role("status").filter(has_text="Đã lưu Sở Giáo dục và Đào tạo tỉnh Hà Giang").wait_for()
    row = page.locator(f"tr[data-code={code}]")
    assert "0 / 45.000" in row.inner_text()
    tenant = next(t for t in operator.get(f"{API}/tenants", params={"limit": 200}) if t["code"] == code)
    assert tenant["learner_quota"] == 45000 and tenant["quota_override"]

    # Edit (a bad mobile number is refused under its field), suspend, reactivate.
    row.get_by_role("button", name=f"Sửa đơn vị {code}").click()
    page.get_by_label("Số điện thoại di động").fill("12345")
    page.get_by_role("button", name="Lưu").click()
    page.locator(".field-error").first.wait_for()
    page.get_by_label("Số điện thoại di động").fill("0987654322")
    page.get_by_role("button", name="Lưu").click()
    page.get_by_role("status").filter(has_text="Đã lưu").wait_for()
    row.get_by_role("button", name=f"Tạm ngừng đơn vị {code}").click()
    row.filter(has_text="Tạm ngừng").get_by_role("button", name=f"Mở lại đơn vị {code}").wait_for()
    assert operator.get(f"{API}/tenants/{tenant['tenant_id']}")["status"] == "suspended"
    row.get_by_role("button", name=f"Mở lại đơn vị {code}").click()
    row.filter(has_text="Đang hoạt động").wait_for()

    # The national dashboard: the reports service learns of the tenant from its event.
    year = dt.datetime.now(VN).year
    eventually(lambda: any(r["code"] == code for r in operator.get(f"{API}/reports/national")["tenants"]), timeout=60)
    page.get_by_role("link", name="Báo cáo toàn quốc").click()
    page.get_by_role("heading", name=f"Báo cáo toàn quốc năm {year}").wait_for()
    national_row = page.get_by_test_id("national-table").locator(f"tr[data-code={code}]")
    assert "0 / 45.000" in national_row.inner_text()
    missing = page.get_by_test_id("board-missing").locator(f"li[data-code={code}]")
    assert "Lý Thị Mai · 0987654322 · mai@example.vn" in missing.inner_text()

    # Sorting: by learners, descending then ascending, the header saying which.
    header = page.get_by_role("columnheader", name="Học viên", exact=False).first
    header.get_by_role("button").click()
    assert header.get_attribute("aria-sort") == "ascending"
    header.get_by_role("button").click()
    assert header.get_attribute("aria-sort") == "descending"
    learners = [int(c.replace(".", "")) for c in page.get_by_test_id("national-table").locator("tbody tr td:nth-child(3)").all_inner_texts()]
    assert learners == sorted(learners, reverse=True)
    # (no completions yet on this platform: the chart says so; its table lists every tenant)
    page.get_by_test_id("chart-tenants").get_by_role("row", name=code).wait_for()
    assert_console_page_ok(page)

    with page.expect_download() as download:
        page.get_by_role("button", name="Xuất XLSX").click()
    workbook = load_workbook(io.BytesIO(open(download.value.path(), "rb").read()))
    table, board = workbook.worksheets
    assert any(r[0] == code and r[4] == 45000 for r in table.iter_rows(values_only=True))
    assert [r[:3] + r[4:7] for r in board.iter_rows(values_only=True) if r[1] == code] == [
        ("Chưa nộp", code, "Sở Giáo dục và Đào tạo tỉnh Hà Giang", "Lý Thị Mai", "0987654322", "mai@example.vn")]

    # At 360 px: the same pages, nothing wider than the screen.
    phone = new_page(width=360)
    console_sign_in(phone, platform.env["OPERATOR_USERNAME"], platform.env["OPERATOR_PASSWORD"], "/operator/national")
    phone.get_by_test_id("national-table").locator(f"tr[data-code={code}]").wait_for()
    snapshot(phone, "national")
    assert_console_page_ok(phone)
    phone.goto("/operator/tenants")
    phone.locator(f"tr[data-code={code}]").wait_for()
    assert_console_page_ok(phone)
    snapshot(page, "national")


def test_operator_creates_a_national_course_for_one_tenant_and_publishes_it(new_page, platform, operator):
    audience = operator.post(f"{API}/tenants", {
        "code": "QG" + secrets.token_hex(3).upper(), "name": "Sở Y tế tỉnh Cao Bằng", "kind": "province",
        "focal_contact": {"full_name": "Hoàng Văn Nam", "mobile": "0912345679", "email": "nam@example.vn"}})
    page = new_page(width=360)
    page.on("dialog", lambda dialog: dialog.accept())
    console_sign_in(page, platform.env["OPERATOR_USERNAME"], platform.env["OPERATOR_PASSWORD"], "/operator/courses")
    page.get_by_role("heading", name="Khoá học dùng chung toàn quốc").wait_for()

    code = "QG-" + secrets.token_hex(3)
    page.get_by_label("Mã khoá học").fill(code)
    page.get_by_label("Tên khoá học").fill("Phòng, chống tham nhũng")
    page.get_by_label("Số giờ học dự kiến").fill("4")
    page.get_by_label("Chỉ các đơn vị được chọn").check()
    create = page.get_by_role("button", name="Tạo bản nháp")
    assert create.is_disabled()  # no tenant chosen yet
    page.get_by_label(f"{audience['code']} · Sở Y tế tỉnh Cao Bằng").check()
    page.get_by_label("Tên bài học đầu tiên").fill("Bài 1: Khái niệm")
    page.get_by_label("Nội dung bài đọc").fill("Tham nhũng là hành vi...\n\n<b>Đoạn hai</b>")
    assert_console_page_ok(page)
    create.click()
    page.get_by_role("status").filter(has_text="Đã tạo bản nháp Phòng, chống tham nhũng.").wait_for()
    row = page.get_by_test_id("national-courses").locator(f"tr[data-code='{code}']")
    row.filter(has_text="Bản nháp").wait_for()
    row.get_by_role("button", name=f"Xuất bản khoá {code}").click()
    row.filter(has_text="Đã xuất bản").wait_for()
    assert_console_page_ok(page)

    course = next(c for c in operator.get(f"{API}/courses", params={"scope": "owned"})["items"] if c["code"] == code)
    detail = operator.get(f"{API}/courses/{course['course_id']}")
    assert detail["national"] and detail["status"] == "published"
    assert detail["audience_tenant_ids"] == [audience["tenant_id"]]
    html = detail["sections"][0]["lessons"][0]["html"]
    assert "<b>" not in html and "&lt;b&gt;Đoạn hai&lt;/b&gt;" in html


def test_operator_sees_an_agencys_dead_letters_and_replays_them(new_page, platform, operator):
    tenant = operator.post(f"{API}/tenants", {
        "code": "IG" + secrets.token_hex(3).upper(), "name": "Sở Tài chính tỉnh Sơn La", "kind": "province",
        "focal_contact": {"full_name": "Vũ Minh Châu", "mobile": "0912345670", "email": "chau@example.vn"}})
    # A webhook on a loopback port nobody listens on (the test platform allows loopback HTTP):
    # every delivery fails and ends in the dead-letter list after its attempts.
    name = f"Cổng dữ liệu {secrets.token_hex(2)}"
    subscriber = operator.post(f"{API}/integrations/subscribers", {
        "name": name, "kind": "webhook", "tenants": [tenant["tenant_id"]], "url": "http://127.0.0.1:9/hook"})
    path = f"{API}/integrations/subscribers/{subscriber['subscriber_id']}/deliveries"
    operator.post(f"{API}/tenants/{tenant['tenant_id']}/units", {"code": "VP", "name": "Văn phòng Sở"})
    dead = eventually(lambda: operator.get(path, params={"state": "dead"})["items"], timeout=90)

    page = new_page()
    page.on("dialog", lambda dialog: dialog.accept())
    console_sign_in(page, platform.env["OPERATOR_USERNAME"], platform.env["OPERATOR_PASSWORD"],
                    f"/operator/integrations?subscriber={subscriber['subscriber_id']}")
    page.get_by_role("heading", name=f"Lịch sử gửi: {name}").wait_for()
    page.get_by_test_id("deliveries").get_by_role("row", name=dead[0]["event_type"]).first.wait_for()
    assert_console_page_ok(page)

    page.get_by_label("Khoảng thời gian").select_option("1")
    page.get_by_role("button", name="Gửi lại").click()
    page.get_by_role("status").filter(has_text="gửi lại").wait_for()
    eventually(lambda: any(d["replay_id"] for state in ("pending", "dead", "delivered")
                           for d in operator.get(path, params={"state": state})["items"]), timeout=60)
    page.get_by_label("Trạng thái gửi").select_option("pending")
    page.get_by_role("status").filter(has_text="lượt gửi").wait_for()
    assert_console_page_ok(page)


def test_operator_registers_agencies_and_rotates_a_secret_shown_once(new_page, platform, operator):
    tenant = operator.post(f"{API}/tenants", {
        "code": "AG" + secrets.token_hex(3).upper(), "name": "Sở Thông tin và Truyền thông tỉnh Lạng Sơn",
        "kind": "province", "focal_contact": {"full_name": "Đinh Thu Hà", "mobile": "0912345671", "email": "ha@example.vn"}})
    page = new_page()
    page.context.grant_permissions(["clipboard-read", "clipboard-write"])
    page.on("dialog", lambda dialog: dialog.accept())
    console_sign_in(page, platform.env["OPERATOR_USERNAME"], platform.env["OPERATOR_PASSWORD"], "/operator/integrations")
    form = page.get_by_test_id("register-agency")
    form.get_by_role("button", name="Đăng ký").click()  # nothing filled: said under the fields, nothing sent
    form.get_by_text("Nhập tên cơ quan.").wait_for()
    form.get_by_text("Chọn ít nhất một đơn vị hoặc nền tảng.").wait_for()

    name = f"Cổng dịch vụ công {secrets.token_hex(2)}"
    form.get_by_label("Tên cơ quan").fill(name)
    # (the test platform allows loopback HTTP endpoints; production needs public HTTPS)
    form.get_by_label("Địa chỉ webhook").fill("http://127.0.0.1:9/hook")
    form.get_by_label(f"{tenant['code']} · Sở Thông tin và Truyền thông tỉnh Lạng Sơn").check()
    assert_console_page_ok(page)
    form.get_by_role("button", name="Đăng ký").click()
    shown = page.get_by_test_id("credentials")
    shown.get_by_text("chỉ hiển thị một lần", exact=False).wait_for()
    secret = shown.locator("[data-credential=secret]").inner_text()
    snapshot(page, "operator-agency-credentials")
    assert secret.startswith("whsec_")
    shown.get_by_role("button", name="Sao chép Khoá bí mật ký webhook").click()
    shown.get_by_role("status").filter(has_text="Đã sao chép").wait_for()
    assert page.evaluate("() => navigator.clipboard.readText()") == secret
    assert_console_page_ok(page)
    registered = next(s for s in operator.get(f"{API}/integrations/subscribers")["items"] if s["name"] == name)
    assert registered["tenants"] == [tenant["tenant_id"]] and registered["kind"] == "webhook"
    assert secret not in str(operator.get(f"{API}/integrations/subscribers/{registered['subscriber_id']}"))
    shown.get_by_role("button", name="Tôi đã lưu, đóng lại").click()
    shown.wait_for(state="detached")
    assert secret not in page.content()  # gone for good

    # The new agency is selected: rotate its secret, the old one valid one more hour.
    page.get_by_role("heading", name=f"Lịch sử gửi: {name}").wait_for()
    page.get_by_label("Khoá cũ còn hiệu lực thêm").select_option(label="1 giờ")
    page.get_by_role("button", name="Đổi khoá bí mật", exact=True).click()
    rotated = page.get_by_test_id("credentials").locator("[data-credential=secret]")
    rotated.wait_for()
    assert rotated.inner_text().startswith("whsec_") and rotated.inner_text() != secret

    # An AMQP agency at 360 px: its broker credentials, long values wrapping inside the screen.
    phone = new_page(width=360)
    console_sign_in(phone, platform.env["OPERATOR_USERNAME"], platform.env["OPERATOR_PASSWORD"], "/operator/integrations")
    form = phone.get_by_test_id("register-agency")
    form.get_by_label("Tên cơ quan").fill(f"Kho dữ liệu {secrets.token_hex(2)}")
    form.get_by_label("Hàng đợi AMQP riêng").check()
    assert form.get_by_label("Địa chỉ webhook").count() == 0
    form.get_by_label(f"{tenant['code']} · Sở Thông tin và Truyền thông tỉnh Lạng Sơn").check()
    form.get_by_label("Nền tảng (khoá học dùng chung toàn quốc)").check()
    form.get_by_role("button", name="Đăng ký").click()
    shown = phone.get_by_test_id("credentials")
    shown.locator("[data-credential=password]").wait_for()
    labels = shown.locator("dt").all_inner_texts()
    assert labels[:2] == ["Tên đăng nhập AMQP", "Mật khẩu AMQP"] and "Hàng đợi" in labels
    assert_console_page_ok(phone)
    snapshot(phone, "operator-agency-credentials")


def test_operator_changes_a_national_courses_audience_in_the_course_editor(new_page, platform, operator):
    first, second = (operator.post(f"{API}/tenants", {
        "code": "AU" + secrets.token_hex(3).upper(), "name": name, "kind": "province",
        "focal_contact": {"full_name": "Lò Văn Sáng", "mobile": "0912345672", "email": "sang@example.vn"}})
        for name in ("Sở Nội vụ tỉnh Điện Biên", "Sở Nội vụ tỉnh Lai Châu"))
    code = "AU-" + secrets.token_hex(3)
    course = operator.post(f"{API}/courses", {
        "code": code, "title": "Văn hoá công vụ", "national": True, "audience_tenant_ids": [first["tenant_id"]],
        "lessons": [{"title": "Bài 1", "kind": "rich_text", "html": "<p>Nội dung</p>"}]})
    operator.post(f"{API}/courses/{course['course_id']}/publish")

    page = new_page(width=360)
    console_sign_in(page, platform.env["OPERATOR_USERNAME"], platform.env["OPERATOR_PASSWORD"], "/operator/courses")
    page.get_by_test_id("national-courses").locator(f"tr[data-code='{code}']").get_by_role("link").click()
    page.get_by_role("heading", name="Văn hoá công vụ").wait_for()
    audience = page.get_by_test_id("audience")
    assert audience.get_by_label("Chỉ các đơn vị được chọn").is_checked()
    assert audience.get_by_label(f"{first['code']} · Sở Nội vụ tỉnh Điện Biên").is_checked()
    assert_console_page_ok(page)

    audience.get_by_label(f"{second['code']} · Sở Nội vụ tỉnh Lai Châu").check()
    audience.get_by_label(f"{first['code']} · Sở Nội vụ tỉnh Điện Biên").uncheck()
    page.get_by_role("button", name="Lưu thay đổi").click()
    page.get_by_role("status").filter(has_text="Đã lưu khoá học.").wait_for()
    detail = operator.get(f"{API}/courses/{course['course_id']}")
    assert detail["audience_tenant_ids"] == [second["tenant_id"]] and detail["revision"] == 2
    assert detail["status"] == "published" and detail["sections"][0]["lessons"][0]["title"] == "Bài 1"

    audience.get_by_label(f"{second['code']} · Sở Nội vụ tỉnh Lai Châu").uncheck()  # nobody: refused here
    page.get_by_role("button", name="Lưu thay đổi").click()
    audience.get_by_text("Chọn ít nhất một đơn vị").wait_for()
    assert operator.get(f"{API}/courses/{course['course_id']}")["audience_tenant_ids"] == [second["tenant_id"]]
    audience.get_by_label("Mọi đơn vị").check()
    page.get_by_role("button", name="Lưu thay đổi").click()
    page.get_by_role("status").filter(has_text="Đã lưu khoá học.").wait_for()
    assert operator.get(f"{API}/courses/{course['course_id']}")["audience_tenant_ids"] is None
    assert_console_page_ok(page)
