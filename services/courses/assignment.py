"""Background assignment jobs: resolve the target learners, enroll them in batches.

The RPC stores the job and puts its id on a durable queue; the consumer runs it here. A job
redelivered after a crash runs again: the enrollments already written are skipped (natural
ids) and a batch's leftover outbox entry is published (see enrollment.py).
"""
import logging
import time

from mooc_common.infra.metrics import JOB_DURATION
from mooc_common.infra.store import utcnow

from . import domain
from .enrollment import BATCH, enroll_batch

log = logging.getLogger(__name__)


def _unit_learners(store, tenant_id, unit_id):
    units = [u["_id"] for u in store.units_of_tenant(tenant_id) if domain.in_subtree(u, unit_id)]
    for unit in units:
        yield from store.learners_in_unit(unit)


def _listed_learners(store, learner_ids, skipped):
    for learner_id in dict.fromkeys(learner_ids):
        learner = store.get_replica("learners", learner_id)
        if learner is None:
            skipped["unknown"] += 1
        else:
            yield learner


def target_learners(store, job, skipped):
    """The learners a job targets, from the replica (only the job's tenant, only enrollable)."""
    spec, tenant_id = job["spec"], job["tenant_id"]
    if "unit_id" in spec:
        found = _unit_learners(store, tenant_id, spec["unit_id"])
    elif "category" in spec:
        found = (l for l in store.learners_of_tenant(tenant_id) if l.get("category") == spec["category"])
    else:
        found = _listed_learners(store, spec.get("learner_ids") or job.get("resolved_ids") or [], skipped)
    for learner in found:
        if learner.get("tenant_id") != tenant_id:
            skipped["unknown"] += 1
        elif not domain.enrollable(learner):
            skipped["not_enrollable"] += 1
        else:
            yield learner


def run(store, outbox, job, course):
    started = time.monotonic()
    skipped = {"unknown": job.get("unresolved", 0), "not_enrollable": 0}
    learners = list(target_learners(store, job, skipped))
    store.update_job(job["_id"], {"state": "running", "total": len(learners), "done": 0})
    created = 0
    for start in range(0, len(learners), BATCH):
        batch = learners[start:start + BATCH]
        created += enroll_batch(store, outbox, course, batch, job.get("intake_id"),
                                job["source"], f"job:{job['_id']}:{start}")
        store.update_job(job["_id"], {"done": start + len(batch)})
    result = {"enrolled": created, "already_enrolled": len(learners) - created, "skipped": skipped}
    store.update_job(job["_id"], {"state": "succeeded", "result": result, "finished_at": utcnow()})
    elapsed = time.monotonic() - started
    JOB_DURATION.labels("assignment", "succeeded").observe(elapsed)
    log.info("assignment job %s: %d learners in %.1f s", job["_id"], len(learners), elapsed)
    return result
