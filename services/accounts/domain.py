"""Accounts domain rules: pure functions, no I/O (unit-tested with plain values)."""
import datetime as dt
import math
import re
import unicodedata
from pathlib import Path

from zxcvbn import zxcvbn

from mooc_common.contracts import roles
from mooc_common.contracts.errors import PermissionDenied, QuotaExceeded, ValidationFailed
from mooc_common.infra.text_search import accent_insensitive_pattern

DEFAULT_LEARNER_QUOTA = 20_000
MIN_LEARNER_QUOTA = 20_000
MAX_LEARNER_QUOTA = 40_000  # above it only with an explicit, recorded override

MAX_NAME_MATCHES = 2000  # learners one name search may return (courses' enrollments search)

# Failed sign-ins (docs/security.md, item 4). Counted per account, per client address and
# in all; a client that signed in to the account before is "known": other clients' failures
# on the account do not slow it down, so nobody can lock a user out by failing on purpose.
SIGN_IN_WINDOW_SECONDS = 15 * 60
MAX_FAILED_SIGN_INS = 5  # per account (or per known client and account) before delays start
FIRST_DELAY_SECONDS, MAX_DELAY_SECONDS = 30, 15 * 60
CLIENT_FREE_FAILURES = 100  # per client address, any account: offices share one NAT address
GLOBAL_MAX_FAILURES = 5_000  # across all accounts: then unknown clients wait
KNOWN_CLIENT_DAYS = 30


def check_learner_quota(quota, override):
    """Return the error message for a quota outside the allowed range, or None."""
    if quota < MIN_LEARNER_QUOTA:
        return f"must be at least {MIN_LEARNER_QUOTA}"
    if quota > MAX_LEARNER_QUOTA and not override:
        return f"above {MAX_LEARNER_QUOTA} needs quota_override=true"
    return None


# --- who may do what -----------------------------------------------------------------------

def require_operator(actor):
    roles.require_role(actor, (roles.OPERATOR_ADMIN,), "Only the platform operator may do this.")


def require_tenant_admin_of(actor, tenant_id):
    """Operator, or the tenant's own admin. Other tenants' admins learn nothing."""
    if roles.is_operator(actor):
        return
    if roles.role_of(actor) != roles.TENANT_ADMIN or actor.get("tenant_id") != tenant_id:
        raise PermissionDenied("Only an administrator of this tenant may do this.")


# What a tenant's own admin may change of its tenant (the year-end focal contact is theirs
# to keep current); everything else (name, kind, quotas) is the operator's.
TENANT_ADMIN_TENANT_FIELDS = frozenset({"focal_contact"})


def require_may_update_tenant(actor, tenant_id, fields):
    """Operator: any field. The tenant's own admin: only its focal contact. Others: 404 upstream."""
    if roles.is_operator(actor):
        return
    require_tenant_admin_of(actor, tenant_id)
    if not set(fields) <= TENANT_ADMIN_TENANT_FIELDS:
        raise PermissionDenied("A tenant administrator may change only the focal contact.")


def may_read_user(actor, user):
    return (roles.is_operator(actor) or actor.get("user_id") == user["_id"]
            or (roles.role_of(actor) == roles.TENANT_ADMIN and actor.get("tenant_id") == user.get("tenant_id")))


# --- learner seats -------------------------------------------------------------------------

def ensure_seats(quota, seats_used, requested):
    remaining = quota - seats_used
    if requested > remaining:
        raise QuotaExceeded(
            f"Learner quota exceeded: {requested} requested, {max(remaining, 0)} seat(s) remain.",
            {"seats_remaining": max(remaining, 0), "quota": quota})


def holds_seat(user):
    """Active and not-yet-activated learners hold a seat; deactivated ones free it."""
    return user.get("role") == roles.LEARNER and user.get("status") in ("active", "pending_activation")


# --- organisational units ------------------------------------------------------------------

def user_query(tenant_id, filters):
    """The store query of a users-list page: equality filters (FerretDB pushes them down to
    SQLite) and, for a search, a username prefix or a case- and accent-insensitive part of the
    full name (regexes are evaluated over the tenant's users, not pushed down; the text is
    escaped: mooc_common/infra/text_search.py)."""
    query = {"tenant_id": tenant_id}
    query.update({key: filters[key] for key in ("unit_id", "role", "status") if filters.get(key)})
    if filters.get("q"):
        text = filters["q"].strip()
        query["$or"] = [{"username": {"$regex": "^" + re.escape(text.lower())}},
                        {"full_name": {"$regex": accent_insensitive_pattern(text), "$options": "i"}}]
    return query


def unit_path(parent, unit_id):
    return (list(parent["path"]) if parent else []) + [unit_id]


def check_move(unit, new_parent):
    """A unit cannot move under itself or one of its descendants (no cycles)."""
    if new_parent is not None and unit["_id"] in new_parent["path"]:
        raise ValidationFailed("A unit cannot be moved under itself or one of its descendants.",
                               {"parent_id": ["would create a cycle"]})


def repath_subtree(units, moved_id, new_path):
    """New paths of the moved unit and of every unit below it: {unit_id: path}."""
    changed = {}
    for unit in units:
        path = unit["path"]
        if moved_id in path:
            changed[unit["_id"]] = list(new_path) + path[path.index(moved_id) + 1:]
    return changed


# --- passwords and sign-in -----------------------------------------------------------------

# Length over composition (NIST SP 800-63B, OWASP): no "one digit, one symbol" rules, but a
# minimum length, no username inside, and not guessable: zxcvbn estimates the guesses an
# attacker needs with its lists (30,000 breached passwords, English words and names) and
# the Vietnamese words of common_passwords_vi.txt, through l33t, digits and keyboard patterns.
PASSWORD_MIN, PASSWORD_MAX = 10, 128
MIN_STRENGTH = 3  # zxcvbn score: 3 = more than 10^8 guesses
ZXCVBN_MAX_LENGTH = 72  # zxcvbn refuses longer input; the first 72 characters are judged
VIETNAMESE_COMMON = tuple(
    line.strip() for line in (Path(__file__).with_name("common_passwords_vi.txt")
                              .read_text(encoding="utf-8").splitlines())
    if line.strip() and not line.startswith("#"))
CONTROL_CHARACTERS = re.compile(r"[\x00-\x1f\x7f-\x9f]")


def password_problems(password, username=None):
    """Every rule the password breaks, in words a user understands (empty list: fine)."""
    problems = []
    if len(password) < PASSWORD_MIN:
        problems.append(f"must be at least {PASSWORD_MIN} characters long")
    if len(password) > PASSWORD_MAX:
        problems.append(f"must be at most {PASSWORD_MAX} characters long")
    if CONTROL_CHARACTERS.search(password):
        problems.append("must not contain control characters")
    if username and username.lower() in password.lower():
        problems.append("must not contain the username")
    elif len(password) >= PASSWORD_MIN and _strength(password) < MIN_STRENGTH:
        problems.append("is too easy to guess (a common or breached password, or a simple pattern); "
                        "choose a longer phrase")
    return problems


def _strength(password):
    text = unicodedata.normalize("NFC", password)[:ZXCVBN_MAX_LENGTH]
    return zxcvbn(text, user_inputs=VIETNAMESE_COMMON, max_length=ZXCVBN_MAX_LENGTH)["score"]


def check_password(password, username=None, field="password"):
    problems = password_problems(password, username)
    if problems:
        raise ValidationFailed("The password does not meet the rules.", {field: problems})


def sign_in_retry_after(failure_times, now, free=None, window_seconds=None):
    """Seconds to wait before the next attempt (0: go ahead), growing with the failures.

    The first ``free`` failures in the window cost nothing; then every further attempt waits
    FIRST_DELAY_SECONDS, doubling with each failure, up to MAX_DELAY_SECONDS after the last
    failure: guessing slows down exponentially, a user who mistyped waits half a minute.
    """
    free = MAX_FAILED_SIGN_INS if free is None else free
    window_start = now - dt.timedelta(seconds=window_seconds or SIGN_IN_WINDOW_SECONDS)
    recent = sorted(t for t in failure_times if t > window_start)
    if len(recent) < free:
        return 0
    delay = min(FIRST_DELAY_SECONDS * 2 ** (len(recent) - free), MAX_DELAY_SECONDS)
    wait = (recent[-1] + dt.timedelta(seconds=delay) - now).total_seconds()
    return max(0, math.ceil(wait))


def global_retry_after(failure_count, oldest, limit, now, window_seconds=None):
    """Under a credential-stuffing wave (``limit`` failures across all accounts in the window),
    clients unknown to the account wait until the oldest counted failure leaves the window."""
    if failure_count < limit or oldest is None:
        return 0
    leaves = oldest + dt.timedelta(seconds=window_seconds or SIGN_IN_WINDOW_SECONDS)
    return max(1, math.ceil((leaves - now).total_seconds()))
