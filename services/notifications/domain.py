"""Pure rules of the notifications service: which mails exist, when year-end reminders are
due, how fast and how often mail may go out. No I/O; time is always passed in."""
import collections
import datetime as dt
import hashlib
import re
import urllib.parse

from marshmallow import ValidationError, validate

from mooc_common.contracts import roles
from mooc_common.contracts.events.accounts import LOCALES  # noqa: F401 (the languages of the templates)


def require_failure_reader(actor, tenant_id):
    """A tenant's failure log: its admins and the operator; another tenant's answers 404."""
    roles.require_same_tenant(actor, tenant_id, "Tenant not found.")
    roles.require_role(actor, roles.ADMINS, "Only the tenant's administrators see its notifications.")


# Kinds of mail. Essential ones go out even to a user who opted out of notifications.
ACTIVATION = "activation"
ENROLLED = "enrolled"
CERTIFICATE = "certificate"
PASSWORD_CHANGED = "password_changed"
IMPORT_FINISHED = "import_finished"
YEAR_END_REMINDER = "year_end_reminder"
YEAR_END_OVERDUE = "year_end_overdue"
YEAR_END_SUMMARY = "year_end_summary"
KINDS = (ACTIVATION, ENROLLED, CERTIFICATE, PASSWORD_CHANGED, IMPORT_FINISHED,
         YEAR_END_REMINDER, YEAR_END_OVERDUE, YEAR_END_SUMMARY)
ESSENTIAL = frozenset({ACTIVATION, PASSWORD_CHANGED, YEAR_END_REMINDER, YEAR_END_OVERDUE,
                       YEAR_END_SUMMARY})

# Year-end report (due 15 December): reminders on the 1st, 8th and 14th, overdue notice on the
# 16th. A reminder stays due until the next one's date, so a service that was down on its day
# sends it late, once; a later one replaces an earlier one that was never sent.
YEAR_END_STEPS = ((1, "reminder_1"), (8, "reminder_8"), (14, "reminder_14"), (16, "overdue"))
DEADLINE_DAY = 15


def year_end_step(today):
    """The year-end step due on ``today`` (a date in Vietnam), or None outside December."""
    if today.month != 12:
        return None
    due = None
    for day, step in YEAR_END_STEPS:
        if today.day >= day:
            due = step
    return due


def days_left(today):
    return (dt.date(today.year, 12, DEADLINE_DAY) - today).days


def year_end_plan(today, tenants, submitted):
    """What the scheduler sends on ``today``: ``(step, [(tenant, recipients)], missing)``.

    ``tenants``: the active tenants with their ``recipients`` (focal contact and admins);
    ``submitted``: ids of tenants that submitted this year's report. The operator's summary
    lists ``missing`` (every active tenant without a submission)."""
    step = year_end_step(today)
    if step is None:
        return None, [], []
    missing = sorted((t for t in tenants if t["status"] == "active" and t["tenant_id"] not in submitted),
                     key=lambda t: t["code"])
    return step, [(t, recipients_of(t)) for t in missing], missing


def recipients_of(tenant):
    """The focal contact (by address) and the tenant's active admins (by user id: their
    address is asked from accounts when sending, like any user's)."""
    focal = tenant.get("focal_contact") or {}
    email = (focal.get("email") or "").strip().lower()
    people = [{"user_id": None, "email": email, "full_name": focal.get("full_name"), "locale": "vi"}] if email else []
    return people + [{"user_id": user_id, "email": None} for user_id in sorted(set(tenant.get("admin_ids") or ()))]


def ledger_key(tenant_id, year, step):
    return f"{tenant_id}:{year}:{step}"


def mail_id(kind, *parts):
    """Deterministic: the same event (or reminder) for the same recipient is the same mail."""
    return ":".join([kind, *map(str, parts)])


def message_id(mail_id_, domain):
    """A stable Message-ID: a mail sent again after a crash carries the same one."""
    return f"<{hashlib.sha256(mail_id_.encode()).hexdigest()[:40]}@{domain}>"


_email = validate.Email()
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


def valid_address(address):
    if not address or len(address) > 254 or _CONTROL.search(address):
        return False
    try:
        _email(address)
    except ValidationError:
        return False
    return True


def backoff(attempt, base_s, max_s):
    """Exponential: base, 2 base, 4 base... capped."""
    return min(max_s, base_s * 2 ** max(0, attempt - 1))


def activation_link(public_base_url, username, code):
    query = urllib.parse.urlencode({"username": username, "code": code})
    return f"{public_base_url.rstrip('/')}/activate?{query}"


def verification_link(public_base_url, code):
    return f"{public_base_url.rstrip('/')}/verify/{urllib.parse.quote(code, safe='')}"


class TokenBucket:
    """The global send rate: ``rate`` mails per second, bursts of at most ``burst``."""

    def __init__(self, rate, burst, now):
        self.rate, self.burst = float(rate), float(burst)
        self.tokens, self.at = float(burst), now

    def wait_time(self, now):
        """Seconds to wait before the next mail may go (0: take it now)."""
        self.tokens = min(self.burst, self.tokens + (now - self.at) * self.rate)
        self.at = now
        if self.tokens >= 1 - 1e-9:  # float sums of refills land a hair below 1
            self.tokens = max(0.0, self.tokens - 1)
            return 0.0
        return (1 - self.tokens) / self.rate


class RecipientWindow:
    """At most ``limit`` mails per recipient in any ``window_s`` seconds (in memory, per
    instance: a restart forgets it, so the limit is a guard against loops, not a quota)."""

    def __init__(self, limit, window_s):
        self.limit, self.window_s = limit, window_s
        self.sent = collections.defaultdict(collections.deque)

    def _prune(self, key, now):
        times = self.sent[key]
        while times and times[0] <= now - self.window_s:
            times.popleft()
        if not times:
            del self.sent[key]
        return times

    def next_allowed(self, key, now):
        """0 if a mail to ``key`` may go now, else the time when it may."""
        times = self._prune(key, now) if key in self.sent else ()
        return 0 if len(times) < self.limit else times[0] + self.window_s

    def record(self, key, now):
        self.sent[key].append(now)
