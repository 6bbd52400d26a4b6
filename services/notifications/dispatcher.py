"""Sends the outbox over SMTP: global rate, per-recipient rate, bounded retries with
backoff, outages waited out, failures logged for the tenant's admins.

The service's timer calls ``run`` (one worker at a time: nameko's timer waits for the previous
run), which sends what is due for a few seconds and returns. Addresses and names are asked
from accounts (and verification codes from progress) for each batch, just before sending;
activation mails come with theirs (accounts' private hand-over of each import chunk).

Once: a mail reaches the outbox only if the history had never seen it (storage.enqueue), so
nothing is read per mail before sending. At least once: a mail leaves the outbox after the
SMTP server accepted it and the history recorded it. A crash in between (a few milliseconds per mail, at most the mails in hand:
``SMTP_CONNECTIONS`` x ``WORKERS_PER_CONNECTION``) sends those again, with the same Message-ID. Several replicas would share the
outbox without coordination: run one (docs/notifications.md).
"""
import datetime as dt
import hashlib
import logging
import time
from dataclasses import dataclass

import eventlet
from eventlet.greenpool import GreenPool
from eventlet.queue import LightQueue
from nameko.extensions import DependencyProvider

from mooc_common.infra.settings import settings_from
from mooc_common.infra.store import service_database, utcnow

from . import domain, mailer, messages
from .storage import NotificationsStore

log = logging.getLogger(__name__)

SCAN_LIMIT = 200
RPC_CHUNK = 500
WORKERS_PER_CONNECTION = 4
LOOKUP_TIMEOUT_S = 120


@dataclass(frozen=True)
class MailSettings:
    smtp_url: str = "smtp://127.0.0.1:8025"
    sender: str = "Nền tảng đào tạo trực tuyến <no-reply@mooc.local>"
    message_domain: str = "mooc.local"
    public_base_url: str = "http://localhost:8000"
    operator_email: str = ""
    rate_per_second: float = 50.0
    per_recipient_per_hour: int = 30
    max_attempts: int = 6
    backoff_base_s: float = 30.0
    backoff_max_s: float = 3600.0
    outage_backoff_max_s: float = 60.0
    connections: int = 4
    run_seconds: float = 5.0

    @classmethod
    def from_config(cls, config):
        return settings_from(cls, config, {
            "smtp_url": ("SMTP_URL", str), "sender": ("MAIL_FROM", str),
            "message_domain": ("MAIL_MESSAGE_DOMAIN", str), "public_base_url": ("PUBLIC_BASE_URL", str),
            "operator_email": ("OPERATOR_EMAIL", str),
            "rate_per_second": ("MAIL_RATE_PER_SECOND", float),
            "per_recipient_per_hour": ("MAIL_PER_RECIPIENT_PER_HOUR", int),
            "max_attempts": ("MAIL_MAX_ATTEMPTS", int),
            "backoff_base_s": ("MAIL_BACKOFF_BASE_SECONDS", float),
            "backoff_max_s": ("MAIL_BACKOFF_MAX_SECONDS", float),
            "outage_backoff_max_s": ("MAIL_OUTAGE_BACKOFF_MAX_SECONDS", float),
            "connections": ("SMTP_CONNECTIONS", int)})


def recipient_key(address):
    """The per-recipient rate is kept under a hash: no address in memory dumps or logs."""
    return hashlib.sha256(address.encode()).hexdigest()[:24]


def _chunks(items, size):
    items = list(dict.fromkeys(i for i in items if i))
    return [items[i:i + size] for i in range(0, len(items), size)]


class MailDispatcher(DependencyProvider):
    def setup(self):
        config = self.container.config
        self.settings = MailSettings.from_config(config)
        self.smtp = mailer.SmtpSettings.from_url(self.settings.smtp_url)
        self.store = NotificationsStore(service_database(config, self.container.service_name))
        self.bucket = domain.TokenBucket(self.settings.rate_per_second,
                                         max(1.0, self.settings.rate_per_second), time.monotonic())
        self.window = domain.RecipientWindow(self.settings.per_recipient_per_hour, 3600)
        self.connections = LightQueue()
        for _ in range(self.settings.connections):
            self.connections.put(mailer.SmtpConnection(self.smtp))
        self.inflight = set()
        self.outage_until, self.outages = 0.0, 0
        self.stats = {"sent": 0, "failed": 0, "skipped": 0, "deferred": 0}

    def stop(self):
        while not self.connections.empty():
            self.connections.get().close()

    def get_dependency(self, worker_ctx):
        return self

    # -- one run (called by the timer) ----------------------------------------------------
    def run(self, accounts, progress, seconds=None):
        deadline = time.monotonic() + (seconds or self.settings.run_seconds)
        before = dict(self.stats)
        # More mails in hand than SMTP connections: each also waits on the store (history
        # update, outbox delete), which would otherwise idle the connections.
        pool = GreenPool(self.settings.connections * WORKERS_PER_CONNECTION)
        while time.monotonic() < deadline:
            if self.outage_until > time.monotonic():
                eventlet.sleep(min(self.outage_until, deadline) - time.monotonic())
                continue
            due = self._due()
            if not due:
                if not self.inflight:
                    break
                eventlet.sleep(0.05)
                continue
            # nameko's RpcProxy has no timeout: a lost reply must not hold the dispatcher forever
            with eventlet.Timeout(LOOKUP_TIMEOUT_S, TimeoutError(f"lookups took over {LOOKUP_TIMEOUT_S}s")):
                lookups = self._lookups(due, accounts, progress)
            self._hand_out(pool, due, lookups, deadline)
        pool.waitall()
        done = {k: v - before[k] for k, v in self.stats.items() if v != before[k]}
        if done:
            log.info("dispatcher run: %s", ", ".join(f"{v} {k}" for k, v in done.items()))

    def _due(self):
        """The next mails due and not in hand. The mails being sent are still at the head: read
        past them, so that the next batch's lookups overlap the current batch's sending. Those
        in hand when the read starts are left out, not those in hand when it returns: one sent
        and deleted while the read was on its way may still be in what it returns, and would
        go out twice."""
        moment = utcnow()
        busy = set(self.inflight)
        return [m for m in self.store.outbox_head(SCAN_LIMIT + len(busy))
                if m["due_at"] <= moment and m["_id"] not in busy][:SCAN_LIMIT]

    def _hand_out(self, pool, due, lookups, deadline):
        """Each mail to a sending green thread at the global rate, until an outage or the deadline."""
        for mail in due:
            if self.outage_until > time.monotonic() or time.monotonic() >= deadline:
                return
            self._wait_for_rate()
            self.inflight.add(mail["_id"])
            pool.spawn(self._send_one, mail, lookups)

    def _wait_for_rate(self):
        while True:
            wait = self.bucket.wait_time(time.monotonic())
            if not wait:
                return
            eventlet.sleep(wait)

    def _lookups(self, mails, accounts, progress):
        # Mails that carry their address (activation, focal contacts, the operator) need no lookup.
        optional = [m["user_id"] for m in mails if m["kind"] not in domain.ESSENTIAL]
        contacts, certificates = {}, {}
        for chunk in _chunks([m["user_id"] for m in mails if not m.get("to")], RPC_CHUNK):
            contacts.update(accounts.mail_contacts(chunk))
        for chunk in _chunks([m["ref"] for m in mails if m["kind"] == domain.CERTIFICATE], RPC_CHUNK):
            certificates.update(progress.certificate_for_mail(chunk))
        return {"contacts": contacts, "certificates": certificates, "opted_out": self.store.opted_out(optional)}

    # -- one mail -------------------------------------------------------------------------
    def _send_one(self, mail, lookups):
        try:
            self._deliver(mail, lookups)
        except Exception:  # store trouble: the mail stays in the outbox and is tried again
            log.exception("mail %s: unexpected error; it stays queued", mail["_id"])
        finally:
            self.inflight.discard(mail["_id"])

    def _finish(self, mail, state, reason=None, address=None, attempts=None):
        if state == "failed":
            self.store.log_failure(mail, address, reason, attempts or mail["attempts"])
        self.store.finish(mail, state, reason, attempts)
        self.stats[state] += 1
        # one line per mail sent would be 40,000 lines for one import: sent ones are counted in
        # the run's summary line; the others (skipped, failed) are each worth a line
        log.log(logging.DEBUG if state == "sent" else logging.INFO, "mail %s %s%s", mail["_id"], state,
                f" ({reason})" if reason else "")

    def _deliver(self, mail, lookups):
        recipient = self._recipient(mail, lookups)
        if isinstance(recipient, str):
            self._finish(mail, "skipped", recipient)
            return
        address, name, locale, extra = recipient
        if not domain.valid_address(address):
            self._finish(mail, "failed", "invalid_address", address)
            return
        key, moment = recipient_key(address), time.time()
        allowed_at = self.window.next_allowed(key, moment)
        if allowed_at:
            self.stats["deferred"] += 1
            self.store.postpone(mail["_id"], utcnow() + _seconds(allowed_at - moment))
            return
        if self._send(mail, self._message(mail, address, name, locale, extra), address):
            self.outages = 0
            self.window.record(key, moment)
            self._finish(mail, "sent", attempts=mail["attempts"] + 1)

    def _message(self, mail, address, name, locale, extra):
        subject, text, html = messages.render(mail["kind"], locale, dict(
            mail["context"], **extra, full_name=name, web_url=self.settings.public_base_url,
            prefs_link=f"{self.settings.public_base_url.rstrip('/')}/api/v1/me/notification-preferences"))
        return messages.build_message(mail["_id"], self.settings.sender, address, name, subject,
                                      text, html, self.settings.message_domain)

    def _send(self, mail, message, address):
        """True when the server accepted the message; otherwise the failure is dealt with here
        (an outage pauses everyone, a bounce fails the mail, a transient error retries it)."""
        connection = self.connections.get()
        try:
            connection.send(message)
        except mailer.Outage as exc:
            self._outage(exc)
            return False
        except mailer.Permanent as exc:
            self._finish(mail, "failed", f"bounced: {exc}", address, mail["attempts"] + 1)
            return False
        except mailer.Transient as exc:
            self._retry(mail, address, str(exc))
            return False
        finally:
            self.connections.put(connection)
        return True

    def _recipient(self, mail, lookups):
        """(address, name, locale, extra context) or the reason the mail is skipped."""
        kind, user_id = mail["kind"], mail.get("user_id")
        extra = {}
        if kind not in domain.ESSENTIAL and user_id in lookups["opted_out"]:
            return "opted_out"
        if mail.get("to"):
            address, name, locale = mail["to"], mail.get("name"), mail.get("locale")
        else:
            contact = lookups["contacts"].get(user_id)
            if not contact:
                return "unknown_user"
            address, name, locale = contact.get("email"), contact.get("full_name"), contact.get("locale")
            extra["username"] = contact.get("username")
        if not address:
            return "no_address"
        if kind == domain.ACTIVATION:
            context = mail["context"]
            extra["link"] = domain.activation_link(self.settings.public_base_url, context["username"], context["code"])
        elif kind == domain.CERTIFICATE:
            certificate = lookups["certificates"].get(mail.get("ref"))
            if not certificate:
                return "unknown_certificate"
            extra.update(serial=certificate["serial"], course_title=certificate["course_title"],
                         link=domain.verification_link(self.settings.public_base_url,
                                                       certificate["verification_code"]))
        return address.strip().lower(), name or "", locale or "vi", extra

    def _retry(self, mail, address, error):
        attempts = mail["attempts"] + 1
        if attempts >= self.settings.max_attempts:
            self._finish(mail, "failed", f"gave up: {error}", address, attempts)
            return
        delay = domain.backoff(attempts, self.settings.backoff_base_s, self.settings.backoff_max_s)
        self.store.postpone(mail["_id"], utcnow() + _seconds(delay), attempts, error)
        log.warning("mail %s: attempt %d failed (%s); next in %.0fs", mail["_id"], attempts, error, delay)

    def _outage(self, exc):
        """The server is unreachable: nobody loses an attempt; everything waits, longer each time."""
        self.outages += 1
        wait = min(self.settings.outage_backoff_max_s, 0.5 * 2 ** min(self.outages, 10))
        self.outage_until = max(self.outage_until, time.monotonic() + wait)
        log.warning("SMTP server unavailable (%s); sending paused for %.1fs", exc, wait)


def _seconds(value):
    return dt.timedelta(seconds=value)
