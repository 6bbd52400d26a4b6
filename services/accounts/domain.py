"""Accounts domain rules: pure functions, no I/O (unit-tested with plain values)."""
import unicodedata

from mooc_common.contracts.errors import PermissionDenied, QuotaExceeded

DEFAULT_LEARNER_QUOTA = 20_000
MIN_LEARNER_QUOTA = 20_000
MAX_LEARNER_QUOTA = 40_000  # above it only with an explicit, recorded override


def nfc(text):
    """Vietnamese text is stored NFC-normalised so that equal names compare equal."""
    return unicodedata.normalize("NFC", text.strip()) if isinstance(text, str) else text


def check_learner_quota(quota, override):
    """Return the error message for a quota outside the allowed range, or None."""
    if quota < MIN_LEARNER_QUOTA:
        return f"must be at least {MIN_LEARNER_QUOTA}"
    if quota > MAX_LEARNER_QUOTA and not override:
        return f"above {MAX_LEARNER_QUOTA} needs quota_override=true"
    return None


def require_operator(actor):
    if actor.get("role") != "operator_admin":
        raise PermissionDenied("Only the platform operator may do this.")


def require_tenant_admin_of(actor, tenant_id):
    """Operator, or the tenant's own admin. Other tenants' admins learn nothing."""
    if actor.get("role") == "operator_admin":
        return
    if actor.get("role") != "tenant_admin" or actor.get("tenant_id") != tenant_id:
        raise PermissionDenied("Only an administrator of this tenant may do this.")


def ensure_seats(quota, seats_used, requested):
    remaining = quota - seats_used
    if requested > remaining:
        raise QuotaExceeded(
            f"Learner quota exceeded: {requested} requested, {max(remaining, 0)} seat(s) remain.",
            {"seats_remaining": max(remaining, 0), "quota": quota})
