"""Pure rules of the integrations edge: who manages what, endpoint policy, matching, backoff and signatures."""
import datetime as dt
import hashlib
import hmac
import ipaddress
import json
import random
import socket
import urllib.parse

from mooc_common.contracts import roles
from mooc_common.contracts.envelope import EnvelopeSchema
from mooc_common.contracts.errors import ValidationFailed

SIGNATURE_VERSION = "v1"


# --- who manages what (mooc_common/contracts/roles.py) -------------------------------------

def require_operator(actor):
    """Subscribers, deliveries and replays are the operator's."""
    roles.require_role(actor, (roles.OPERATOR_ADMIN,), "Integrations are managed by the operator.")


def require_lrs_manager(actor, scope):
    """An LRS scope is a tenant id (its admins, the operator) or every tenant's (the operator):
    another tenant's scope, or every tenant's for a tenant's user, answers 404."""
    roles.require_same_tenant(actor, scope, "Tenant not found.")
    roles.require_role(actor, roles.ADMINS, "Only the tenant's administrators manage its LRS.")


def endpoint_host(url):
    """The URL's host as a resolver sees it: lowercase, without a trailing dot
    (``localhost.`` is ``localhost``)."""
    return (urllib.parse.urlsplit(url).hostname or "").rstrip(".").lower()


def ip_literal(host):
    """The address if ``host`` is an IP literal in any form a resolver accepts (``127.1``,
    ``2130706433``, ``0x7f.0.0.1``, ``::ffff:127.0.0.1``), else None."""
    try:
        return ipaddress.ip_address(host)
    except ValueError:
        pass
    try:
        return ipaddress.ip_address(socket.inet_aton(host))  # the classic BSD forms
    except OSError:
        return None


def is_public(address, allow_loopback=False):
    if address.version == 6 and address.ipv4_mapped:
        address = address.ipv4_mapped
    return address.is_global or (allow_loopback and address.is_loopback)


INTERNAL_SUFFIXES = (".localhost", ".local", ".internal", ".localdomain", ".lan", ".home.arpa", ".svc",
                     ".cluster.local")


def check_endpoint(url, allow_loopback_http=False):
    """HTTPS only, to a public host, at registration. ``allow_loopback_http`` (tests, local
    runs) also admits ``http://`` to a loopback address. IP literals (in every spelling) must
    be public; internal names (single labels, .local, .internal...) are refused. Names are
    resolved again at each delivery, and only public addresses are connected to
    (webhooks.pinned_target): DNS can change after registration."""
    parts = urllib.parse.urlsplit(url)
    host = endpoint_host(url)
    literal = ip_literal(host) if host else None
    if allow_loopback_http and parts.scheme == "http" and literal is not None and literal.is_loopback:
        return url
    if parts.scheme != "https" or not host or parts.username or parts.password:
        raise ValidationFailed("The endpoint is not accepted.",
                               {"url": ["must be an https:// URL without credentials"]})
    problem = _host_problem(host, literal)
    if problem:
        raise ValidationFailed("The endpoint is not accepted.", {"url": [problem]})
    return url


def _host_problem(host, literal):
    """Why an https endpoint's host is not public: an internal name, or a private address."""
    if literal is not None:
        return None if is_public(literal) else "must be a public address"
    if host == "localhost" or "." not in host or host.endswith(INTERNAL_SUFFIXES):
        return "must be a public host"
    return None


def wants(subscriber, event_type, tenant):
    return tenant in subscriber["tenants"] and event_type in subscriber["event_types"]


def wire_body(event_type, envelope):
    """The envelope as sent to agencies: canonical JSON (UTF-8, sorted keys), signed as is."""
    doc = EnvelopeSchema().dump({k: v for k, v in envelope.items() if k != "payload"} | {"payload": {}})
    doc["payload"] = event_type.payload_schema().dump(envelope["payload"])
    return json.dumps(doc, ensure_ascii=False, sort_keys=True, separators=(",", ":"))


def backoff(attempt, base_ms, cap_ms, rand=random.random):
    """Delay before attempt ``attempt + 1``: exponential with +-20% jitter, capped."""
    delay = min(cap_ms, base_ms * 2 ** (attempt - 1))
    return dt.timedelta(milliseconds=delay * (0.8 + 0.4 * rand()))


def sign(secret, timestamp, body):
    message = f"{timestamp}.".encode() + body.encode()
    return hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()


def signature_header(secrets_in_force, timestamp, body):
    """``v1=<hex>`` per secret in force (two during a rotation's grace period)."""
    return ", ".join(f"{SIGNATURE_VERSION}={sign(s, timestamp, body)}" for s in secrets_in_force)


def verify(secret, timestamp, body, header, now, tolerance_s=300):
    """What a receiver does (documented in docs/integrations.md; used by the tests)."""
    if abs(now - int(timestamp)) > tolerance_s:
        return False
    expected = sign(secret, timestamp, body)
    candidates = [p.strip().partition("=") for p in header.split(",")]
    return any(v == SIGNATURE_VERSION and hmac.compare_digest(expected, sig)
               for v, _, sig in candidates)


def secrets_in_force(subscriber, now):
    secrets = [subscriber["secret"]]
    until = subscriber.get("previous_secret_until")
    if subscriber.get("previous_secret") and until and until > now:
        secrets.append(subscriber["previous_secret"])
    return secrets


def hour_bucket(moment):
    return moment.astimezone(dt.timezone.utc).strftime("%Y%m%d%H")


def hours_between(since, until):
    """Every UTC hour bucket from ``since`` to ``until`` inclusive (replay walks them)."""
    hour = since.astimezone(dt.timezone.utc).replace(minute=0, second=0, microsecond=0)
    while hour <= until:
        yield hour_bucket(hour)
        hour += dt.timedelta(hours=1)
