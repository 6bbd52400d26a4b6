"""Mail texts: Jinja2 templates in ``templates/<locale>/<kind>.txt`` (first line: the subject)
and ``<kind>.html``. HTML is autoescaped (names and titles come from users); plain text is
not, and the subject is folded to one line so that no value can add a header."""
import datetime as dt
import re
from email.message import EmailMessage
from email.utils import formataddr
from pathlib import Path

import jinja2

from . import domain

TEMPLATES = Path(__file__).resolve().parent / "templates"

_env = jinja2.Environment(
    loader=jinja2.FileSystemLoader(str(TEMPLATES)),
    autoescape=jinja2.select_autoescape(enabled_extensions=("html",), default_for_string=False),
    undefined=jinja2.StrictUndefined, trim_blocks=True, lstrip_blocks=True, keep_trailing_newline=True)


def _vnd_date(value):
    """dd/mm/yyyy, the Vietnamese way, of a date or an ISO date(-time) string."""
    if isinstance(value, str):
        value = dt.date.fromisoformat(value[:10])
    return value.strftime("%d/%m/%Y") if value else ""


_env.filters["vnd_date"] = _vnd_date
_WHITESPACE = re.compile(r"\s+")


def render(kind, locale, context):
    """(subject, text, html) of a mail of ``kind`` in ``locale`` (Vietnamese if unknown)."""
    if kind not in domain.KINDS:
        raise ValueError(f"unknown mail kind {kind}")
    locale = locale if locale in domain.LOCALES else "vi"
    text = _env.get_template(f"{locale}/{kind}.txt").render(**context)
    subject, _, body = text.partition("\n")
    subject = _WHITESPACE.sub(" ", subject).strip()
    html = _env.get_template(f"{locale}/{kind}.html").render(**context, lang=locale, title=subject)
    return subject, body.lstrip("\n"), html


def build_message(mail_id, sender, to_address, to_name, subject, text, html, message_domain):
    message = EmailMessage()
    message["From"] = sender
    message["To"] = formataddr((_WHITESPACE.sub(" ", to_name or "").strip(), to_address))
    message["Subject"] = subject
    message["Message-ID"] = domain.message_id(mail_id, message_domain)
    message["X-Mooc-Mail-Kind"] = mail_id.split(":", 1)[0]
    message.set_content(text)
    message.add_alternative(html, subtype="html")
    return message
