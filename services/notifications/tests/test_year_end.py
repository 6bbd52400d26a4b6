"""The year-end schedule with a fake store and a fake accounts service: once per step,
only for tenants that have not submitted, restarts and repeated runs send nothing more."""
import datetime as dt

from services.notifications import year_end
from services.notifications.dispatcher import MailSettings


class FakeStore:
    def __init__(self, tenants):
        self.tenants, self.outbox, self.ledger, self.submissions = tenants, {}, set(), set()

    def tenant_admin_ids(self, tenant_id):
        return [f"admin-{tenant_id}"]

    def active_tenant_ids(self):
        return [t["tenant_id"] for t in self.tenants if t["status"] == "active"]

    def submitted(self, tenant_ids, year):
        return {t for t in tenant_ids if (t, year) in self.submissions}

    def ledger_has(self, key):
        return key in self.ledger

    def ledger_add(self, key, queued):
        self.ledger.add(key)

    def enqueue(self, docs):
        new = [d for d in docs if d["_id"] not in self.outbox]
        self.outbox.update({d["_id"]: d for d in new})
        return len(new)


class FakeAccounts:
    def __init__(self, tenants):
        self.tenants, self.calls = tenants, 0

    def tenant_mail_contacts(self):
        self.calls += 1
        return self.tenants


def _tenant(code, status="active"):
    return {"tenant_id": code.lower(), "code": code, "name": f"Tỉnh {code}", "status": status,
            "focal_contact": {"full_name": "Đầu mối", "email": f"focal@{code.lower()}.vn"}}


def test_each_step_once_for_the_tenants_without_a_submission():
    tenants = [_tenant("A"), _tenant("B"), _tenant("C", status="suspended")]
    store, accounts = FakeStore(tenants), FakeAccounts(tenants)
    store.submissions.add(("b", 2026))
    settings = MailSettings(operator_email="op@mooc.vn")

    assert year_end.run(store, accounts, settings, dt.date(2026, 11, 30))["step"] is None
    first = year_end.run(store, accounts, settings, dt.date(2026, 12, 1))
    assert (first["step"], first["tenants"], first["queued"]) == ("reminder_1", 1, 3)  # 2 people of A + summary
    assert {d["to"] or d["user_id"] for d in store.outbox.values()} == {"focal@a.vn", "admin-a", "op@mooc.vn"}
    summary = next(d for d in store.outbox.values() if d["kind"] == "year_end_summary")
    assert [t["code"] for t in summary["context"]["missing"]] == ["A"]

    calls = accounts.calls
    for day in (1, 2, 7):  # restarts and later runs before the 8th: nothing more, no scan of accounts
        assert year_end.run(store, accounts, settings, dt.date(2026, 12, day))["queued"] == 0
    assert accounts.calls == calls

    steps = [year_end.run(store, accounts, settings, dt.date(2026, 12, d))["step"] for d in (8, 14, 16, 20)]
    assert steps == ["reminder_8", "reminder_14", "overdue", "overdue"]
    kinds = sorted(d["kind"] for d in store.outbox.values() if d["to"] == "focal@a.vn")
    assert kinds == ["year_end_overdue"] + ["year_end_reminder"] * 3
    assert not [d for d in store.outbox.values() if d["tenant_id"] in ("b", "c")]


def test_no_summary_before_any_tenant_exists():
    store, accounts = FakeStore([]), FakeAccounts([])
    settings = MailSettings(operator_email="op@mooc.vn")
    assert year_end.run(store, accounts, settings, dt.date(2026, 12, 1))["queued"] == 0
    assert not store.ledger
