"""The scale curve (issue 15 item 5): end-to-end rate and report lag as the number of active
tenants and of concurrent learners grows, on the platform `make bench` started.

Each point seeds its own tenants through the API (bench/seeding.py: bulk import and unit
assignment), drains every queue, then has all its learners complete a course of ``lessons``
lessons at the offered rate (bench/end_to_end.py), bounded by ``timeout`` seconds after the
last send: a point that does not finish in time reports how many completions were visible.
"""
import time

import end_to_end
import seeding

# (name, tenants, learners per tenant): the same 1,000 learners spread over more tenants,
# then 200 and 5,000 learners active at once in one tenant.
POINTS = (("1 tenant", 1, 1000), ("10 tenants", 10, 100), ("100 tenants", 100, 10),
          ("200 learners", 1, 200), ("5,000 learners", 1, 5000))


def scaled_points(scale):
    """POINTS with every learner count multiplied by ``scale`` (at least one learner): a
    short check of the scripts runs them small."""
    return tuple((name, tenants, max(1, int(per_tenant * scale))) for name, tenants, per_tenant in POINTS)


def run(platform, activities_per_s, lessons=5, timeout=120, scale=1.0, log=print):
    curve = {}
    for name, tenants, per_tenant in scaled_points(scale):
        log(f"scale curve: {name} ({tenants} x {per_tenant} learners) ...")
        started = time.monotonic()
        seeded = seeding.seed_tenants(platform, tenants, per_tenant, lessons)
        point = end_to_end.run(platform, seeded["learners"], [t["tenant_id"] for t in seeded["tenants"]],
                               activities_per_s, timeout)
        point.update(seed_seconds=seeded["seconds"], total_seconds=round(time.monotonic() - started, 1))
        curve[name] = point
    return curve
