"""SMTP client: ``SMTP_URL`` = ``smtp://[user:password@]host[:port][?starttls=1]`` or
``smtps://...`` (TLS from the first byte). STARTTLS is required, not opportunistic, when
asked for; credentials are only sent over TLS unless the server is on loopback.

Errors are sorted for the dispatcher: ``Outage`` (the server cannot be reached or dropped
the connection: every mail waits, none loses an attempt), ``Permanent`` (a 5xx for this mail:
a bounce, logged at once) and ``Transient`` (a 4xx for this mail: retried with backoff).
"""
import smtplib
import ssl
import urllib.parse
from dataclasses import dataclass


class Outage(Exception):
    pass


class Permanent(Exception):
    pass


class Transient(Exception):
    pass


@dataclass(frozen=True)
class SmtpSettings:
    host: str
    port: int
    username: str = None
    password: str = None
    starttls: bool = False
    implicit_tls: bool = False
    timeout_s: float = 10.0

    @classmethod
    def from_url(cls, url, timeout_s=10.0):
        parts = urllib.parse.urlsplit(url)
        if parts.scheme not in ("smtp", "smtps") or not parts.hostname:
            raise ValueError("SMTP_URL must look like smtp://host:port or smtps://user:password@host")
        query = urllib.parse.parse_qs(parts.query)
        starttls = (query.get("starttls") or ["0"])[0].lower() in ("1", "true", "yes")
        implicit = parts.scheme == "smtps"
        settings = cls(host=parts.hostname, port=parts.port or (465 if implicit else 25),
                       username=urllib.parse.unquote(parts.username) if parts.username else None,
                       password=urllib.parse.unquote(parts.password) if parts.password else None,
                       starttls=starttls, implicit_tls=implicit, timeout_s=timeout_s)
        loopback = parts.hostname in ("127.0.0.1", "::1", "localhost")
        if settings.username and not (starttls or implicit or loopback):
            raise ValueError("SMTP credentials need TLS: use smtps:// or ?starttls=1")
        return settings


class SmtpConnection:
    """One connection, opened on first use and again after any failure."""

    def __init__(self, settings):
        self.settings = settings
        self.client = None

    def _open(self):
        s = self.settings
        context = ssl.create_default_context()
        if s.implicit_tls:
            client = smtplib.SMTP_SSL(s.host, s.port, timeout=s.timeout_s, context=context)
        else:
            client = smtplib.SMTP(s.host, s.port, timeout=s.timeout_s)
        client.ehlo()
        if s.starttls:
            client.starttls(context=context)  # raises if the server does not offer it
            client.ehlo()
        if s.username:
            client.login(s.username, s.password or "")
        return client

    def send(self, message):
        try:
            if self.client is None:
                self.client = self._open()
            self.client.send_message(message)
        except smtplib.SMTPRecipientsRefused as exc:
            code = min(c for c, _ in exc.recipients.values())
            raise (Permanent if code >= 500 else Transient)(f"recipient refused ({code})") from None
        except (smtplib.SMTPDataError, smtplib.SMTPSenderRefused) as exc:
            raise (Permanent if exc.smtp_code >= 500 else Transient)(f"refused ({exc.smtp_code})") from None
        except smtplib.SMTPAuthenticationError as exc:
            self.close()
            raise Outage(f"authentication failed ({exc.smtp_code})") from None
        except (smtplib.SMTPException, OSError) as exc:
            self.close()
            raise Outage(f"{type(exc).__name__}: {exc}"[:200]) from None

    def close(self):
        if self.client is not None:
            try:
                self.client.close()
            except Exception:
                pass
            self.client = None
