"""Mail templates: languages, escaping, one-line subjects."""
import email
import email.policy

import pytest

from services.notifications import domain, messages

CONTEXT = {
    domain.ACTIVATION: {"code": "ABCDEFGH", "expires_on": "2026-12-31", "link": "http://x/activate?code=A", "username": "hv01"},
    domain.ENROLLED: {"course_title": "Kỹ năng số", "intake_name": "Đợt 1", "starts_on": "2026-12-02",
                      "ends_on": "2026-12-30", "web_url": "http://x", "prefs_link": "http://x/p"},
    domain.CERTIFICATE: {"course_title": "Kỹ năng số", "serial": "2026-000001", "link": "http://x/verify/K", "prefs_link": "p"},
    domain.PASSWORD_CHANGED: {"username": "hv01", "changed_at": "09:00 01/12/2026"},
    domain.IMPORT_FINISHED: {"import_id": "j1", "state": "done", "dry_run": False, "created": 3, "error_count": 0,
                             "link": "http://x/j1", "prefs_link": "p"},
    domain.YEAR_END_REMINDER: {"year": 2026, "days_left": 14, "link": "http://x/r"},
    domain.YEAR_END_OVERDUE: {"year": 2026, "link": "http://x/r"},
    domain.YEAR_END_SUMMARY: {"year": 2026, "step_label": "reminder_1", "today": "2026-12-01", "link": "l",
                              "missing": [{"name": "Tỉnh A", "code": "A"}]},
}


@pytest.mark.parametrize("kind", domain.KINDS)
@pytest.mark.parametrize("locale", domain.LOCALES)
def test_every_kind_renders_in_both_languages(kind, locale):
    subject, text, html = messages.render(kind, locale, dict(CONTEXT[kind], tenant_name="Sở TT&TT Hà Nội",
                                                             full_name="Nguyễn Văn A"))
    assert subject and "\n" not in subject
    assert text.strip() and "<html" in html and f'lang="{locale}"' in html
    assert "Sở TT&amp;TT Hà Nội" in html or kind == domain.YEAR_END_SUMMARY


def test_vietnamese_is_the_default_and_unknown_locales_fall_back_to_it():
    ctx = dict(CONTEXT[domain.ACTIVATION], tenant_name="T", full_name="A")
    assert messages.render(domain.ACTIVATION, "fr", ctx) == messages.render(domain.ACTIVATION, "vi", ctx)
    assert "Kích hoạt" in messages.render(domain.ACTIVATION, "vi", ctx)[0]
    assert "Activate" in messages.render(domain.ACTIVATION, "en", ctx)[0]


def test_html_is_escaped_and_the_subject_cannot_carry_headers():
    ctx = dict(CONTEXT[domain.ENROLLED], tenant_name="T", full_name="<script>alert(1)</script>",
               course_title="Khóa\r\nBcc: victim@example.com")
    subject, _, html = messages.render(domain.ENROLLED, "vi", ctx)
    assert "<script>" not in html and "&lt;script&gt;" in html
    assert "\r" not in subject and "\n" not in subject
    message = messages.build_message("enrolled:e:u", "a <no-reply@mooc.local>", "hv@x.vn", "A", subject, "t", html,
                                     "mooc.local")
    parsed = email.message_from_bytes(message.as_bytes(), policy=email.policy.default)
    assert parsed["Bcc"] is None and parsed["Message-ID"] == domain.message_id("enrolled:e:u", "mooc.local")


def test_dates_are_written_the_vietnamese_way():
    _, text, _ = messages.render(domain.ENROLLED, "vi", dict(CONTEXT[domain.ENROLLED], tenant_name="T", full_name="A"))
    assert "từ 02/12/2026 đến 30/12/2026" in text
