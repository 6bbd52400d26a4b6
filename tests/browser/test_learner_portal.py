"""The learner portal in real headless Chromium: activation, sign-in, catalog, the course
player (video to the end, document, quiz failed then passed), 100 %, the certificate PDF and
its public verification; at desktop and phone widths; a network failure in the middle; the
English locale; tenant isolation. axe-core runs on every page visited."""
import re

import jwt
import pytest

from api_client import ApiClient
from tests.browser.conftest import (API, PASSWORD, RIGHT, WRONG, activated, assert_accessible, sign_in,
                                    snapshot)
from tests.polling import eventually

# The first and last tests also carry the session's platform start and stop (and the CSV
# import) inside their timeout: room for a loaded machine.
pytestmark = [pytest.mark.e2e, pytest.mark.timeout(600)]


def lesson_link(page, title):
    return page.get_by_role("navigation", name="Nội dung khoá học").get_by_role("link", name=re.compile(title))


def wait_done(page, title):
    """The contents list marks the lesson done once the server applied the activity."""
    # Generous: on a loaded machine the progress service may apply a backlog for a while.
    lesson_link(page, title).filter(has_text="Đã xong").wait_for(timeout=70_000)


def watch_video_to_the_end(page):
    video = page.locator("video")
    video.wait_for()
    page.wait_for_function("() => document.querySelector('video').readyState >= 1")
    page.evaluate("() => { const v = document.querySelector('video'); v.muted = true; v.playbackRate = 2; return v.play(); }")
    page.wait_for_function("() => document.querySelector('video').ended", timeout=30_000)


def answer_quiz(page, option):
    page.get_by_role("radio", name=option).check()
    page.get_by_role("button", name=re.compile("Nộp bài|Làm lại")).click()
    return page.get_by_test_id("quiz-result")


@pytest.mark.parametrize("width", [1280, 360], ids=["desktop", "phone-360px"])
def test_learner_activates_learns_and_gets_a_verifiable_certificate(
        new_page, platform, course_a, learner, width):
    username, full_name, code = learner
    page = new_page(width=width)
    course_bodies = []
    page.on("response", lambda r: course_bodies.append(r.json()) if re.search(
        r"/api/v1/courses/[0-9a-f]+$", r.url) and r.ok else None)

    # Activation: the link in the letter prefills the form; the rules update as one types.
    page.goto(f"/activate?username={username}&code={code}")
    assert page.get_by_label("Mã kích hoạt").input_value() == code
    assert page.get_by_label("Tên đăng nhập").input_value() == username
    page.get_by_label("Mật khẩu mới").fill("ngắn")
    assert page.locator(".rules li.unmet", has_text="Từ 10 đến 128 ký tự").count() == 1
    assert page.get_by_role("button", name="Kích hoạt").is_disabled()
    assert_accessible(page)
    page.get_by_label("Mật khẩu mới").fill(PASSWORD)
    page.get_by_label("Nhập lại mật khẩu").fill(PASSWORD)
    assert page.locator(".rules li.met").count() == 3
    snapshot(page, "activate")
    page.get_by_role("button", name="Kích hoạt").click()
    page.get_by_role("heading", name="Khoá học của tôi").wait_for()
    page.get_by_text("Bạn chưa ghi danh khoá học nào.").wait_for()
    page.locator(".who", has_text=full_name).wait_for()  # the name from GET /users/{id}

    # Sign out, then sign in with the new password (a wrong one first: a clear message).
    page.get_by_role("button", name="Đăng xuất").click()
    page.get_by_role("heading", name="Đăng nhập").wait_for()
    page.get_by_label("Tên đăng nhập").fill(username)
    page.get_by_label("Mật khẩu").fill("không phải mật khẩu")
    page.get_by_role("button", name="Đăng nhập").click()
    page.get_by_role("alert").filter(has_text="Tên đăng nhập hoặc mật khẩu không đúng.").wait_for()
    assert_accessible(page)
    sign_in(page, username)
    assert_accessible(page)

    # The catalog: search without accents, then enroll.
    page.get_by_role("link", name="Danh mục khoá học", exact=True).click()
    page.get_by_role("heading", name="Danh mục khoá học").wait_for()
    page.get_by_label("Tìm khoá học").fill("ky nang so")
    card = page.locator(".course-card", has_text="Kỹ năng số cho cán bộ, công chức")
    card.wait_for()
    assert_accessible(page)
    snapshot(page, "catalog")
    card.get_by_role("button", name=re.compile("Ghi danh")).click()

    # The player: the video lesson first, watched to the end.
    page.get_by_role("heading", name="Video giới thiệu").wait_for()
    assert_accessible(page)
    watch_video_to_the_end(page)
    wait_done(page, "Video giới thiệu")

    # The document: the PDF shown inline, marked as read.
    lesson_link(page, "Tài liệu đọc thêm").click()
    page.locator("iframe.pdf").wait_for()
    snapshot(page, "course-player-document")
    page.get_by_role("button", name="Tải tài liệu xuống").wait_for()
    assert_accessible(page)
    # Once Chromium's PDF viewer (an out-of-process frame) is shown, headless Chromium under
    # Playwright routes neither synthetic mouse clicks nor key presses to the page (seen here:
    # no handler ran, no request left); the button's own click event is what a user's click
    # produces, so it is dispatched directly.
    page.get_by_role("button", name="Đánh dấu đã học xong").dispatch_event("click")
    wait_done(page, "Tài liệu đọc thêm")

    # The (optional) reading: sanitised rich text, reached with the "next lesson" button.
    page.get_by_role("button", name="Bài tiếp").dispatch_event("click")  # the PDF viewer is still shown
    page.get_by_role("heading", name="Bài đọc", exact=True).wait_for()
    page.locator(".rich-text strong", has_text="quan trọng").wait_for()
    page.get_by_role("button", name="Đánh dấu đã học xong").click()
    wait_done(page, "Bài đọc")

    # The quiz: no answer key in the page; failed, then passed, as the server scored it.
    lesson_link(page, "Bài kiểm tra cuối khoá").click()
    page.get_by_text("Còn 3 lượt làm bài").wait_for()
    options = [o for body in course_bodies for s in body["sections"] for l in s["lessons"]
               for q in (l.get("quiz") or {}).get("questions", []) for o in q["options"]]
    assert options and all("correct" not in o for o in options)  # the page never had the key
    assert_accessible(page)
    result = answer_quiz(page, WRONG)
    result.filter(has_text="Điểm lần 1: 0 % — Chưa đạt").wait_for()
    page.get_by_text("Còn 2 lượt làm bài").wait_for()
    result = answer_quiz(page, RIGHT)
    result.filter(has_text="Điểm lần 2: 100 % — Đạt").wait_for()
    snapshot(page, "course-player-quiz")

    # 100 % and the certificate.
    page.get_by_test_id("course-percent").filter(has_text="100%").wait_for(timeout=30_000)
    button = page.get_by_role("button", name="Tải chứng chỉ (PDF)")
    button.wait_for(timeout=30_000)
    with page.expect_download() as download:
        button.click()
    with open(download.value.path(), "rb") as pdf:
        assert pdf.read(5) == b"%PDF-"
    assert download.value.suggested_filename.startswith("CC-")
    assert_accessible(page)

    # My courses and certificates pages show it.
    page.get_by_role("link", name="Khoá học của tôi", exact=True).click()
    page.locator(".course-card", has_text="Đã hoàn thành").wait_for()
    assert_accessible(page)
    snapshot(page, "my-courses")
    page.get_by_role("link", name="Chứng chỉ", exact=True).click()
    verify_link = page.get_by_role("link", name="Trang xác minh công khai")
    verify_link.wait_for()
    assert_accessible(page)
    verify_path = verify_link.get_attribute("href")

    # Anyone, signed out, verifies it.
    visitor = new_page(width=width)
    visitor.goto(verify_path)
    visitor.get_by_text("Chứng chỉ hợp lệ").wait_for()
    assert visitor.get_by_text(full_name).count() == 1
    assert visitor.get_by_text("Kỹ năng số cho cán bộ, công chức").count() == 1
    assert_accessible(visitor)
    snapshot(visitor, "verify")
    visitor.goto("/verify/AAAAAAAAAAAAAAAA")
    visitor.get_by_text("Chứng chỉ không hợp lệ").wait_for()
    assert_accessible(visitor)
    if width == 360:  # nothing wider than the phone's screen
        assert page.evaluate("() => document.documentElement.scrollWidth") <= 360
        assert visitor.evaluate("() => document.documentElement.scrollWidth") <= 360


def test_a_network_failure_loses_no_activity(new_page, platform, course_a, learner):
    client = activated(platform, learner)
    course_id = course_a["course_id"]
    client.post(f"{API}/courses/{course_id}/enrollments", {})
    page = new_page()
    sign_in(page, learner[0])
    sent = []
    page.on("request", lambda r: sent.append(r.post_data_json) if r.url.endswith("/activities/batch") else None)
    page.goto(f"/courses/{course_id}")
    page.get_by_role("heading", name="Video giới thiệu").wait_for()

    page.route("**/api/v1/activities/batch", lambda route: route.abort("internetdisconnected"))
    watch_video_to_the_end(page)
    lesson_link(page, "Bài đọc").click()
    page.get_by_role("heading", name="Bài đọc", exact=True).wait_for()
    page.get_by_role("button", name="Đánh dấu đã học xong").click()
    page.get_by_text("Mất kết nối").wait_for()
    pending = page.evaluate("(key) => JSON.parse(localStorage.getItem(key))", f"mooc.activities.{client_user_id(client)}")
    kinds = {a["kind"] for a in pending}
    assert {"lesson_opened", "video_progress", "lesson_completed"} <= kinds
    assert any(a.get("percent") == 100 for a in pending)

    page.unroute("**/api/v1/activities/batch")
    eventually(lambda: page.evaluate("(key) => JSON.parse(localStorage.getItem(key) || '[]').length",
                                     f"mooc.activities.{client_user_id(client)}") == 0, timeout=40)
    resent = {a["activity_id"] for body in sent if body for a in body["activities"]}
    assert {a["activity_id"] for a in pending} <= resent  # the same ids, sent again

    def applied():
        progress = client.get(f"{API}/me/courses/{course_id}/progress")
        return {l["lesson_id"] for l in progress["lessons"] if l["done"]} >= {
            l["lesson_id"] for l in progress["lessons"] if l["kind"] in ("video", "rich_text")}
    eventually(applied, timeout=30)


def client_user_id(client):
    token = client.session.headers["Authorization"].split()[1]
    return jwt.decode(token, options={"verify_signature": False})["sub"]


def test_english_is_chosen_and_remembered(new_page, platform, course_a, learner):
    activated(platform, learner)
    page = new_page()
    sign_in(page, learner[0])
    assert page.evaluate("document.documentElement.lang") == "vi"
    page.get_by_label("Ngôn ngữ").select_option("en")
    page.get_by_role("heading", name="My courses").wait_for()
    assert page.evaluate("document.documentElement.lang") == "en"
    page.reload()
    page.get_by_role("heading", name="My courses").wait_for()
    page.get_by_role("link", name="Course catalog", exact=True).click()
    page.get_by_role("heading", name="Course catalog").wait_for()
    page.get_by_role("button", name=re.compile("^Enroll")).first.wait_for()
    assert_accessible(page)


def test_another_tenants_course_is_a_not_found_page(new_page, platform, course_a, course_b, learner):
    activated(platform, learner)
    page = new_page()
    sign_in(page, learner[0])
    page.goto(f"/courses/{course_b['course_id']}")
    page.get_by_role("heading", name="Không tìm thấy trang").wait_for()
    page.get_by_role("button", name="Đăng xuất").wait_for()
    assert page.get_by_text("Khoá học riêng của Bộ Tư pháp").count() == 0
    assert_accessible(page)
    page.goto("/no/such/page")
    page.get_by_role("heading", name="Không tìm thấy trang").wait_for()
    # A full page load restores the session with the stored refresh token (rotated): wait
    # for it before leaving, as a learner's next click would.
    page.get_by_role("button", name="Đăng xuất").wait_for()
    # Its catalog lists only its own tenant's (and national) courses.
    page.goto("/catalog")
    page.locator(".course-card").first.wait_for()
    assert page.get_by_text("Khoá học riêng của Bộ Tư pháp").count() == 0


def test_signed_out_visitors_are_sent_to_sign_in_and_back(new_page, platform, course_a, learner):
    activated(platform, learner)
    page = new_page(width=360)
    page.goto(f"/courses/{course_a['course_id']}")
    page.get_by_role("heading", name="Đăng nhập").wait_for()
    assert_accessible(page)
    page.get_by_label("Tên đăng nhập").fill(learner[0])
    page.get_by_label("Mật khẩu").fill(PASSWORD)
    page.get_by_role("button", name="Đăng nhập").click()
    page.get_by_text("Bạn chưa ghi danh khoá học này.").wait_for()  # back where they were going
    assert_accessible(page)
    assert ApiClient(platform.base_url).get("/health")["status"] == "ok"
