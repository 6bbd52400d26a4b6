"""Background assignment jobs: resolve the target learners, enroll them in batches.

The RPC stores the job and puts its id on a durable queue; the consumer runs it here. A job
redelivered after a crash runs again: the enrollments already written are skipped (natural
ids) and a batch's leftover outbox entry is published (see enrollment.py).

Where the time goes (docs/courses.md, "Assignment at scale"): the local store pushes only
``_id`` lookups down to SQLite, so any other filter reads the whole learner replica; a unit
subtree is therefore resolved with ONE read of the tenant's learners (not one per unit).
Each batch is one outbox entry, one bulk insert and one stream of events whose confirms are
awaited together; ``CONCURRENT_BATCHES`` batches run side by side so that one waits on the
broker while the next writes to the store.
"""
import logging
import time

import eventlet

from mooc_common.infra.metrics import JOB_DURATION
from mooc_common.infra.store import utcnow

from . import domain
from .enrollment import BATCH, enroll_batch

log = logging.getLogger(__name__)


CONCURRENT_BATCHES = 2


def _unit_learners(store, tenant_id, unit_id):
    units = {u["_id"] for u in store.units_of_tenant(tenant_id) if domain.in_subtree(u, unit_id)}
    return (l for l in store.learners_of_tenant(tenant_id) if l.get("unit_id") in units)


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


def side_by_side(calls):
    """The results of ``calls`` run on greenthreads; a failure is raised once all of them
    ended (none is left writing behind the job's redelivery, which redoes the same batches)."""
    threads = [eventlet.spawn(call) for call in calls]
    results, failures = [], []
    for thread in threads:
        try:
            results.append(thread.wait())
        except Exception as exc:  # re-raised below, after the others ended
            failures.append(exc)
    if failures:
        raise failures[0]
    return results


def run(store, outbox, job, course):
    started = time.monotonic()
    skipped = {"unknown": job.get("unresolved", 0), "not_enrollable": 0}
    learners = list(target_learners(store, job, skipped))
    resolved = time.monotonic() - started
    store.update_job(job["_id"], {"state": "running", "total": len(learners), "done": 0})

    def enroll(start):
        return lambda: enroll_batch(store, outbox, course, learners[start:start + BATCH], job.get("intake_id"),
                                    job["source"], f"job:{job['_id']}:{start}")
    created, starts = 0, range(0, len(learners), BATCH)
    for group in range(0, len(starts), CONCURRENT_BATCHES):
        created += sum(side_by_side([enroll(start) for start in starts[group:group + CONCURRENT_BATCHES]]))
        store.update_job(job["_id"], {"done": min(starts[group] + CONCURRENT_BATCHES * BATCH, len(learners))})
    result = {"enrolled": created, "already_enrolled": len(learners) - created, "skipped": skipped}
    store.update_job(job["_id"], {"state": "succeeded", "result": result, "finished_at": utcnow()})
    elapsed = time.monotonic() - started
    JOB_DURATION.labels("assignment", "succeeded").observe(elapsed)
    log.info("assignment job %s: %d learners in %.1f s (%.1f s resolving them)", job["_id"], len(learners),
             elapsed, resolved)
    return result
