"""SMTP_URL: TLS modes and credentials."""
import pytest

from services.notifications.mailer import SmtpSettings


def test_plain_local_server():
    s = SmtpSettings.from_url("smtp://127.0.0.1:8025")
    assert (s.host, s.port, s.starttls, s.implicit_tls, s.username) == ("127.0.0.1", 8025, False, False, None)


def test_submission_with_starttls_and_credentials():
    s = SmtpSettings.from_url("smtp://no-reply%40mooc.gov.vn:p%40ss@smtp.mooc.gov.vn:587?starttls=1")
    assert (s.host, s.port, s.starttls, s.username, s.password) == (
        "smtp.mooc.gov.vn", 587, True, "no-reply@mooc.gov.vn", "p@ss")


def test_implicit_tls_defaults_to_465():
    s = SmtpSettings.from_url("smtps://u:p@smtp.mooc.gov.vn")
    assert (s.port, s.implicit_tls) == (465, True)


@pytest.mark.parametrize("url", ["smtp://u:p@smtp.mooc.gov.vn:587", "http://smtp.mooc.gov.vn", "smtp://", "mooc"])
def test_credentials_without_tls_and_other_schemes_are_refused(url):
    with pytest.raises(ValueError):
        SmtpSettings.from_url(url)
