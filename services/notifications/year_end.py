"""Year-end reminders: what the scheduler queues on a given day (Vietnam time), once.

The ledger row ``<tenant>:<year>:<step>`` is written after that step's mails are queued;
mail ids are derived from tenant, year, step and address, so a crash between the two
queues the same mails again, which the outbox and the history keep single.
"""
import hashlib

from . import domain
from .storage import NotificationsStore

OPERATOR_KEY = "operator"


def _address_key(email):
    return hashlib.sha256(email.encode()).hexdigest()[:16]


def _all_received(store, settings, year, step):
    """The cheap check (the tenant replica and the ledger): accounts is asked for the contacts,
    a scan of its users, only when some tenant, or the operator, still has this step to receive.
    Returns (all received, how many tenants have not submitted)."""
    known = store.active_tenant_ids()
    waiting = set(known) - store.submitted(known, year)
    summary_due = bool(settings.operator_email and known) and not store.ledger_has(
        domain.ledger_key(OPERATOR_KEY, year, step))
    received = not summary_due and all(store.ledger_has(domain.ledger_key(t, year, step)) for t in waiting)
    return received, len(waiting)


def _remind_tenants(store, plan, kind, today, step, web):
    """Queue each tenant's mails of this step once (the ledger row); (tenants reminded, mails queued)."""
    year, reminded, queued = today.year, 0, 0
    for tenant, recipients in plan:
        key = domain.ledger_key(tenant["tenant_id"], year, step)
        if store.ledger_has(key):
            continue
        context = {"tenant_name": tenant["name"], "year": year, "days_left": domain.days_left(today),
                   "link": f"{web}/api/v1/tenants/{tenant['tenant_id']}/year-end-reports/{year}"}
        queued += store.enqueue([NotificationsStore.outbox_doc(
            domain.mail_id(kind, tenant["tenant_id"], year, step, r["user_id"] or _address_key(r["email"])), kind,
            tenant["tenant_id"], context, user_id=r["user_id"], to=r["email"], name=r.get("full_name"),
            locale=r.get("locale") or "vi")
            for r in recipients])
        store.ledger_add(key, len(recipients))
        reminded += 1
    return reminded, queued


def _summarise_for_operator(store, settings, missing, today, step, web):
    """The operator's one summary of the tenants still missing; the number of mails queued."""
    year, key = today.year, domain.ledger_key(OPERATOR_KEY, today.year, step)
    context = {"tenant_name": "Bộ Thông tin và Truyền thông", "year": year, "step_label": step,
               "today": today.isoformat(), "link": f"{web}/api/v1/reports/national?year={year}",
               "missing": [{"name": t["name"], "code": t["code"]} for t in missing]}
    queued = store.enqueue([NotificationsStore.outbox_doc(
        domain.mail_id(domain.YEAR_END_SUMMARY, OPERATOR_KEY, year, step), domain.YEAR_END_SUMMARY,
        None, context, to=settings.operator_email, name="Operator")])
    store.ledger_add(key, 1)
    return queued


def run(store, accounts, settings, today):
    step = domain.year_end_step(today)
    if step is None:
        return {"date": today.isoformat(), "step": None, "tenants": 0, "queued": 0}
    year, web = today.year, settings.public_base_url.rstrip("/")
    received, waiting = _all_received(store, settings, year, step)
    if received:
        return {"date": today.isoformat(), "step": step, "tenants": 0, "missing": waiting, "queued": 0}
    tenants = [dict(t, admin_ids=store.tenant_admin_ids(t["tenant_id"])) for t in accounts.tenant_mail_contacts()]
    submitted = store.submitted([t["tenant_id"] for t in tenants], year)
    step, plan, missing = domain.year_end_plan(today, tenants, submitted)
    kind = domain.YEAR_END_OVERDUE if step == "overdue" else domain.YEAR_END_REMINDER
    reminded, queued = _remind_tenants(store, plan, kind, today, step, web)
    if settings.operator_email and tenants and not store.ledger_has(domain.ledger_key(OPERATOR_KEY, year, step)):
        queued += _summarise_for_operator(store, settings, missing, today, step, web)
    return {"date": today.isoformat(), "step": step, "tenants": reminded, "missing": len(missing),
            "queued": queued}
