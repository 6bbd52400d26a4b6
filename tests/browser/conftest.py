"""Browser tests of the web app: Debian's Chromium driven by Playwright (never downloaded),
against the platform started as `make run` starts it (tests/conftest.py::platform), with
learners imported and activated the way a tenant really onboards them.

Every page checked is also run through axe-core (from web/node_modules), and a failing
test leaves a screenshot of each open page under var/screenshots/.
"""
import csv
import io
import os
import re
import secrets
from pathlib import Path

import pytest
from fpdf import FPDF
from playwright.sync_api import sync_playwright

from api_client import ApiClient
from tests.polling import eventually

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
AXE = ROOT / "web" / "node_modules" / "axe-core" / "axe.min.js"
SCREENSHOTS = ROOT / "var" / "screenshots"
API = "/api/v1"
PASSWORD = "Hoa sen nở trong đầm 2026"
RIGHT = "Hà Nội"
WRONG = "Huế"


@pytest.fixture(scope="session")
def browser():
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: run 'make test' (it installs Debian's chromium)")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, args=["--autoplay-policy=no-user-gesture-required", "--no-sandbox"])
        yield browser
        browser.close()


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item, call):
    report = yield
    if report.when == "call" and report.failed:
        for index, page in enumerate(item.funcargs.get("_pages", [])):
            SCREENSHOTS.mkdir(parents=True, exist_ok=True)
            name = re.sub(r"[^\w.-]", "_", item.nodeid.split("::")[-1])
            (SCREENSHOTS / f"{name}-{index}.log").write_text("\n".join(getattr(page, "messages", [])))
            try:
                page.screenshot(path=str(SCREENSHOTS / f"{name}-{index}.png"), full_page=True)
            except Exception:  # a closed page: nothing to keep
                pass
    return report


@pytest.fixture
def _pages():
    return []


@pytest.fixture
def new_page(browser, platform, _pages):
    """A fresh browser context (no storage shared with other tests) at a given width."""
    contexts = []

    def make(width=1280, height=900, locale="vi-VN"):
        context = browser.new_context(viewport={"width": width, "height": height}, locale=locale,
                                      timezone_id="Asia/Ho_Chi_Minh", base_url=platform.base_url,
                                      accept_downloads=True)
        context.set_default_timeout(30_000)
        contexts.append(context)
        page = context.new_page()
        # The page's console errors and uncaught exceptions, written beside the screenshot.
        page.messages = []
        page.on("console", lambda m: page.messages.append(f"{m.type}: {m.text}") if m.type in ("error", "warning") else None)
        page.on("pageerror", lambda e: page.messages.append(f"pageerror: {e}"))
        _pages.append(page)
        return page
    yield make
    for context in contexts:
        context.close()


def snapshot(page, name):
    """With WEB_SCREENSHOTS=<dir> set, keeps a picture of the page (the README's images are
    made so: WEB_SCREENSHOTS=docs/img make test-web)."""
    target = os.environ.get("WEB_SCREENSHOTS")
    if target:
        Path(target).mkdir(parents=True, exist_ok=True)
        width = page.viewport_size["width"]
        page.screenshot(path=str(Path(target) / f"{name}-{width}px.png"), full_page=True)


def axe_violations(page):
    """Serious and critical WCAG 2.1 A/AA violations on the page as it is now."""
    if not page.evaluate("() => !!window.axe"):
        # Evaluated by the DevTools protocol, not as a <script> tag: the platform's CSP
        # (script-src 'self', no inline scripts) rightly blocks inline tags, and the pages are
        # checked under the CSP they are served with.
        page.evaluate(AXE.read_text(encoding="utf-8") + "\n;true")
    # iframes: false -- the only frame is Chromium's own PDF viewer showing a lesson's PDF
    # (not the platform's markup); axe would wait a minute for it to answer.
    result = page.evaluate("""() => axe.run(document, {iframes: false, runOnly: {type: 'tag',
        values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']}})""")
    return [{"id": v["id"], "impact": v["impact"], "nodes": [n["target"] for n in v["nodes"]][:3]}
            for v in result["violations"] if v["impact"] in ("serious", "critical")]


def assert_accessible(page):
    violations = axe_violations(page)
    assert violations == [], f"axe-core on {page.url}: {violations}"


def pdf_bytes(text):
    pdf = FPDF()
    pdf.add_page()
    font_dir = os.environ.get("CERTIFICATE_FONT_DIR", "/usr/share/fonts/truetype/dejavu")
    pdf.add_font("DejaVu", fname=f"{font_dir}/DejaVuSans.ttf")
    pdf.set_font("DejaVu", size=14)
    pdf.multi_cell(0, 10, text)
    return bytes(pdf.output())


class Tenant:
    """A tenant with a unit, an instructor and a published course of every lesson kind the
    flow needs; learners are imported from a CSV and get activation codes."""

    def __init__(self, operator, platform, name):
        self.platform = platform
        self.operator = operator
        self.tenant = operator.post(f"{API}/tenants", {
            "code": "W" + secrets.token_hex(3).upper(), "name": name, "kind": "province",
            "focal_contact": {"full_name": "Trần Văn Bình", "mobile": "0912345678", "email": "b@example.vn"}})
        self.id = self.tenant["tenant_id"]
        operator.post(f"{API}/tenants/{self.id}/units", {"code": "SO-NV", "name": "Sở Nội vụ"})
        username, password = f"gv.{secrets.token_hex(4)}", secrets.token_urlsafe(12)
        operator.post(f"{API}/tenants/{self.id}/users", {"username": username, "full_name": "Giảng viên",
                                                         "email": "gv@example.vn", "role": "instructor",
                                                         "password": password})
        self.instructor = ApiClient(platform.base_url).signed_in(username, password)

    def publish_course(self, title, topic="Chuyển đổi số"):
        author = self.instructor
        course = author.post(f"{API}/courses", {"code": "W-" + secrets.token_hex(3), "title": title,
                                                "description": "Khoá học thử", "topic": topic,
                                                "estimated_hours": 2, "lessons": [
                                                    {"title": "Mở đầu", "kind": "rich_text",
                                                     "html": "<p>Xin chào</p>", "required": False}]})
        path = f"{API}/courses/{course['course_id']}"
        document = author.request("POST", f"{path}/documents", params={"filename": "tai-lieu.pdf"},
                                  data=pdf_bytes("Tài liệu học tập: Kỹ năng số cho cán bộ, công chức"),
                                  headers={"Content-Type": "application/octet-stream"}, expect=(201,))
        author.request("PUT", path, json={
            "title": title, "description": "Khoá học thử", "topic": topic, "estimated_hours": 2,
            "sections": [{"title": "Phần 1: Làm quen", "lessons": [
                {"title": "Video giới thiệu", "kind": "video", "duration_seconds": 4,
                 "video_url": f"{self.platform.base_url}/media/sample-lesson.webm"},
                {"title": "Tài liệu đọc thêm", "kind": "document", "document_id": document["document_id"]}]},
                {"title": "Phần 2: Kiểm tra", "lessons": [
                    {"title": "Bài đọc", "kind": "rich_text", "required": False,
                     "html": "<h3>Dịch vụ công</h3><p>Nội dung <strong>quan trọng</strong>.</p>"},
                    {"title": "Bài kiểm tra cuối khoá", "kind": "quiz", "quiz": {
                        "pass_mark": 100, "max_attempts": 3, "questions": [
                            {"text": "Thủ đô của Việt Nam là?", "kind": "single",
                             "options": [{"text": RIGHT, "correct": True}, {"text": WRONG}]}]}}]}]})
        return author.post(f"{path}/publish")

    def import_learners(self, count):
        """{username: (full_name, activation_code)} of ``count`` learners imported from a CSV."""
        prefix = f"hv{secrets.token_hex(3)}"
        out = io.StringIO()
        writer = csv.writer(out)
        writer.writerow(["username", "full_name", "email", "phone", "unit_code", "category", "job_title"])
        names = ["Nguyễn Thị Ánh", "Trần Văn Đức", "Lê Hoàng Yến", "Phạm Minh Khôi"]
        for i in range(count):
            writer.writerow([f"{prefix}.{i}", names[i % len(names)], f"{prefix}.{i}@example.vn", "",
                             "SO-NV", "civil_servant", "Chuyên viên"])
        job = self.operator.request("POST", f"{API}/tenants/{self.id}/imports", data=out.getvalue().encode(),
                                    headers={"Content-Type": "text/csv"}, expect=(202,))
        eventually(lambda: self.operator.get(f"{API}/imports/{job['job_id']}")["state"] == "done", timeout=60)
        response = self.operator.session.get(f"{self.platform.base_url}{API}/imports/{job['job_id']}/activation-codes")
        response.raise_for_status()
        rows = csv.DictReader(io.StringIO(response.content.decode("utf-8-sig")))
        return {r["username"]: (r["full_name"], r["activation_code"]) for r in rows}


@pytest.fixture(scope="session")
def tenant_a(operator, platform):
    return Tenant(operator, platform, "Sở Thông tin và Truyền thông tỉnh Lào Cai")


@pytest.fixture(scope="session")
def course_a(tenant_a):
    return tenant_a.publish_course("Kỹ năng số cho cán bộ, công chức")


@pytest.fixture(scope="session")
def learners_a(tenant_a):
    return tenant_a.import_learners(6)


@pytest.fixture(scope="session")
def course_b(operator, platform):
    return Tenant(operator, platform, "Bộ Tư pháp").publish_course("Khoá học riêng của Bộ Tư pháp")


@pytest.fixture
def learner(learners_a):
    """One imported, not yet activated learner per test: (username, full_name, code)."""
    username = next(u for u in sorted(learners_a) if not learners_a[u][1].startswith("used:"))
    full_name, code = learners_a[username]
    learners_a[username] = (full_name, "used:" + code)
    return username, full_name, code


def activated(platform, learner):
    """The learner activated through the API (for tests that are not about activation)."""
    username, _, code = learner
    ApiClient(platform.base_url).post(f"{API}/auth/activate", {"code": code, "password": PASSWORD})
    return ApiClient(platform.base_url).signed_in(username, PASSWORD)


def sign_in(page, username):
    page.goto("/signin")
    page.get_by_label("Tên đăng nhập").fill(username)
    page.get_by_label("Mật khẩu").fill(PASSWORD)
    page.get_by_role("button", name="Đăng nhập").click()
    page.get_by_role("heading", name="Khoá học của tôi").wait_for()
