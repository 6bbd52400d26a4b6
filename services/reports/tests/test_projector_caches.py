"""The projector's caches over a fake store: kept in step with each journal, copies per batch."""
import eventlet

from services.reports.projector_caches import (FactKeys, PartsBeingChanged, ProjectorCaches, References,
                                               TenantParts)


class FakeStore:
    def __init__(self, parts=None, facts=None):
        self.parts, self.facts, self.part_reads = parts or {}, facts or {}, 0

    def tenant_parts(self, tenant_id):
        self.part_reads += 1
        return dict(self.parts.get(tenant_id, {}))

    def find(self, collection):
        return list(self.facts.get(collection, {}).values())

    def fact_count(self):
        return sum(len(docs) for docs in self.facts.values())

    def fact_ids(self, collection):
        return list(self.facts.get(collection, {}))


def journal(parts=(), facts=(), reset_parts=()):
    return {"parts": list(parts), "facts": list(facts), "reset_parts": list(reset_parts), "tenants": []}


def test_tenant_parts_are_read_once_and_follow_the_journal():
    store = FakeStore(parts={"t1": {"course:c1": {"totals": {"enrollments": 1}}}})
    parts = TenantParts(store)
    assert parts.of("t1")["course:c1"] == {"totals": {"enrollments": 1}}
    parts.journal_applied(journal(parts=[{"tenant_id": "t1", "part": "unit:u1", "data": {"total": 2}}]))
    assert parts.of("t1") == {"course:c1": {"totals": {"enrollments": 1}}, "unit:u1": {"total": 2}}
    parts.journal_applied(journal(reset_parts=["t1"], parts=[{"tenant_id": "t1", "part": "year:2026", "data": {}}]))
    assert parts.of("t1") == {"year:2026": {}} and store.part_reads == 1


def test_parts_being_changed_are_copies_of_the_cached_parts():
    parts = TenantParts(FakeStore(parts={"t1": {"unit:u1": {"total": 2}}}))
    batch = PartsBeingChanged(parts)
    batch[("t1", "unit:u1")]["total"] = 3
    batch[("t1", "unit:u2")]["total"] = 1
    assert parts.of("t1") == {"unit:u1": {"total": 2}}  # a failed batch leaves the cache as it was


def test_references_are_grouped_by_owner_and_national_courses_belong_to_every_tenant():
    store = FakeStore(facts={"tenants": {"t1": {"_id": "t1", "code": "HN"}},
                             "courses": {"c1": {"_id": "c1", "owner": "t1"}, "n1": {"_id": "n1", "owner": "national"},
                                         "c2": {"_id": "c2", "owner": "t2"}},
                             "plans": {"p": {"_id": "p", "tenant_id": "t1", "year": 2026}}})
    refs = References(store)
    tenant, units, courses, intakes, plans = refs.of_tenant("t1")
    assert (tenant["code"], units, sorted(courses), intakes, list(plans)) == ("HN", {}, ["c1", "n1"], {}, ["2026"])
    refs.written("units", {"_id": "u1", "tenant_id": "t1"})
    refs.written("users", {"_id": "x", "tenant_id": "t1"})  # not a reference fact: ignored
    assert list(refs.of_tenant("t1")[1]) == ["u1"] and refs.of_tenant("t9")[0] == {"_id": "t9"}
    assert refs.tenant_ids() == ["t1"]


def test_fact_keys_know_every_stored_and_written_fact_once_scanned():
    keys = FactKeys(FakeStore(facts={"users": {"u1": {}}}))
    assert keys.may_exist("users", "nope")  # until the scan is done, every fact may exist
    eventlet.sleep(0.01)
    while not keys.ready:
        eventlet.sleep(0.01)
    assert keys.may_exist("users", "u1") and not keys.may_exist("users", "u2")
    keys.add("users", "u2")
    assert keys.may_exist("users", "u2")
    keys.close()


def test_caches_follow_a_journal_and_add_only_new_facts_to_the_filter():
    caches = ProjectorCaches(FakeStore())
    assert caches.references.of_tenant("t1")[1] == {}  # loaded (empty) before the journal
    caches.journal_applied(journal(facts=[{"c": "units", "doc": {"_id": "u1", "tenant_id": "t1"}, "new": True},
                                          {"c": "users", "doc": {"_id": "x", "tenant_id": "t1"}, "new": False}],
                                   parts=[{"tenant_id": "t1", "part": "unit:u1", "data": {"total": 1}}]))
    assert caches.fact_keys().added == 1 and caches.parts.of("t1") == {"unit:u1": {"total": 1}}
    assert list(caches.references.of_tenant("t1")[1]) == ["u1"]
    first = caches.fact_keys()
    assert caches.fact_keys() is first
    caches.close()
    assert caches.fact_keys() is not first
    caches.close()
