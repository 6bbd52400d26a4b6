"""What the projector keeps in memory between batches, so that a batch reads from the store
only what it cannot know: the tenants' parts, the reference facts reports are assembled with,
and which facts may exist. All three are exact because the projector is the only writer of
facts and parts; they are kept in step with each journal it commits (``journal_applied``)
and dropped together when a process (re)takes the projector lease (a new ``ProjectorCaches``).
"""
import copy
import logging

import eventlet
from rbloom import Bloom

from mooc_common.contracts.tenancy import NATIONAL

from .storage import FACT_COLLECTIONS, key

log = logging.getLogger(__name__)

RETRY_SECONDS = 1.0  # pause before scanning the fact ids again after an error
MIN_FACT_KEYS = 1_000_000  # capacity of the fact-key filter (grows with the store: see FactKeys)


class TenantParts:
    """{tenant: {part: data}} as stored, read once per tenant."""

    def __init__(self, store):
        self.store, self.by_tenant = store, {}

    def of(self, tenant_id):
        if tenant_id not in self.by_tenant:
            self.by_tenant[tenant_id] = self.store.tenant_parts(tenant_id)
        return self.by_tenant[tenant_id]

    def journal_applied(self, journal):
        for tenant in journal["reset_parts"]:
            self.by_tenant[tenant] = {}
        for part in journal["parts"]:
            self.of(part["tenant_id"])[part["part"]] = part["data"]


class PartsBeingChanged(dict):
    """{(tenant, part): data} for one batch: copies, loaded on first use, so a batch that
    fails half-way leaves the cached parts as they were."""

    def __init__(self, parts):
        super().__init__()
        self.parts = parts

    def __missing__(self, ref):
        tenant, part = ref
        self[ref] = copy.deepcopy(self.parts.of(tenant).get(part, {}))
        return self[ref]


class FactKeys:
    """Which facts may exist: a Bloom filter of their keys, so that the projector reads from
    the store only facts that may be there. Most events name a fact that does not exist yet (a
    new enrollment, a first completion), and one store read per fact was what limited
    projection (1.3 ms each on FerretDB under load).

    Filled by a background scan of every fact collection's ids at the start of a tenure (until
    it is done, every fact is read) and by every fact the projector writes. It has no false
    negatives, because the projector is the only writer of facts; a false positive (1%) or a
    fact deleted by a rebuild costs one read. Sized at twice the facts stored; past its
    capacity the projector starts a new one."""
    FALSE_POSITIVES = 0.01

    def __init__(self, store):
        self.store, self.ready, self.added = store, False, 0
        self.capacity = max(MIN_FACT_KEYS, 2 * store.fact_count())
        self.keys = Bloom(self.capacity, self.FALSE_POSITIVES)
        self.scan = eventlet.spawn(self._scan)

    def _scan(self):
        while not self.ready:
            try:
                for collection in FACT_COLLECTIONS:
                    for fact_id in self.store.fact_ids(collection):
                        self.add(collection, fact_id)
                self.ready = True
            except Exception:
                log.exception("scanning the fact ids failed; retrying (meanwhile every fact is read)")
                eventlet.sleep(RETRY_SECONDS)

    def add(self, collection, fact_id):
        self.keys.add(key(collection, fact_id))
        self.added += 1

    def may_exist(self, collection, fact_id):
        return not self.ready or key(collection, fact_id) in self.keys

    @property
    def full(self):
        return self.added > self.capacity

    def close(self):
        self.scan.kill()


class References:
    """The small reference facts a report is assembled with (tenants, units, courses,
    intakes, plans), by owner: read once per tenure (FerretDB answers any filter but ``_id``
    by converting the whole collection) and kept in step with the journal, whose projector is
    their only writer."""
    OWNER = {"tenants": "_id", "units": "tenant_id", "plans": "tenant_id", "courses": "owner", "intakes": "owner"}

    def __init__(self, store):
        self.store, self.by_owner = store, None

    def _loaded(self):
        if self.by_owner is None:
            self.by_owner = {collection: {} for collection in self.OWNER}
            for collection in self.OWNER:
                for doc in self.store.find(collection):
                    self.written(collection, doc)
        return self.by_owner

    def written(self, collection, doc):
        if self.by_owner is not None and collection in self.OWNER:
            self.by_owner[collection].setdefault(doc.get(self.OWNER[collection]), {})[doc["_id"]] = doc

    def of_tenant(self, tenant_id):
        """(tenant, units, courses, intakes, plans) as ``domain.assemble`` takes them."""
        refs = self._loaded()
        mine = lambda collection, *owners: {k: v for o in owners for k, v in refs[collection].get(o, {}).items()}  # noqa: E731
        tenant = refs["tenants"].get(tenant_id, {}).get(tenant_id) or {"_id": tenant_id}
        return (tenant, mine("units", tenant_id), mine("courses", tenant_id, NATIONAL),
                mine("intakes", tenant_id, NATIONAL),
                {str(p["year"]): p for p in mine("plans", tenant_id).values()})

    def tenant_ids(self):
        return list(self._loaded()["tenants"])


class ProjectorCaches:
    """The three caches of one tenure of the projector."""

    def __init__(self, store):
        self.store = store
        self.parts = TenantParts(store)
        self.references = References(store)
        self._fact_keys = None  # started on first use: its scan reads every fact id

    def fact_keys(self):
        if self._fact_keys is None or self._fact_keys.full:
            self.close()
            self._fact_keys = FactKeys(self.store)
        return self._fact_keys

    def journal_applied(self, journal):
        """Bring the caches in step with a journal just written to the store."""
        self.parts.journal_applied(journal)
        keys = self.fact_keys()
        for entry in journal["facts"]:
            self.references.written(entry["c"], entry["doc"])
            if entry["new"]:  # a changed fact is in the filter already, or its scan will find it
                keys.add(entry["c"], entry["doc"]["_id"])

    def close(self):
        if self._fact_keys is not None:
            self._fact_keys.close()
            self._fact_keys = None
