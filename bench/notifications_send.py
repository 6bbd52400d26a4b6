#!/usr/bin/env python3
"""Mails per second for the assignment of a 40,000-learner unit to a course.

Starts its own platform (fresh vhost and databases, its own local SMTP server), imports the
learners by CSV (real accounts with e-mail addresses: the mailer asks accounts for them),
waits until their activation mails are out, then assigns the unit and times the
``enrolled`` mails from the assignment's 202 until the last one reached the SMTP server.
The global rate limit is lifted for the run (``--rate``) so that the number is the
pipeline's capacity: events -> outbox -> accounts lookups -> templates -> SMTP.

    .venv/bin/python bench/notifications_send.py [--learners 40000] [--rate 100000]
"""
import argparse
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "scripts")]

import eventlet  # noqa: E402

eventlet.monkey_patch()

from api_client import ApiClient  # noqa: E402
from isolated_env import isolated_env, started_platform  # noqa: E402
from platformctl import read_env_file  # noqa: E402
from tests.e2e.courses_fixtures import published_course  # noqa: E402
from tests.e2e.notifications_fixtures import rpc  # noqa: E402
from tests.e2e.test_notifications import Tenant  # noqa: E402
from tests.polling import eventually  # noqa: E402


def delivered(mail_dir, kind):
    log = Path(mail_dir) / "received.log"
    if not log.exists():
        return 0
    return sum(1 for line in log.read_text().splitlines() if f" {kind} " in line)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--learners", type=int, default=40_000)
    parser.add_argument("--rate", type=float, default=100_000)
    args = parser.parse_args()
    infra = read_env_file(ROOT / "var" / "infra.env")
    settings = {"MAIL_RATE_PER_SECOND": str(args.rate), "OPERATOR_EMAIL": ""}
    with isolated_env(infra, "bench-mail", **settings) as env, \
            started_platform(env, ROOT / "var" / "log" / "bench-mail") as platform:
        operator = ApiClient(platform.base_url, timeout=120).signed_in(env["OPERATOR_USERNAME"], env["OPERATOR_PASSWORD"])
        tenant = Tenant(platform, operator, learner_quota=max(args.learners, 20_000))
        started = time.monotonic()
        tenant.import_learners("bm", args.learners)
        eventually(lambda: delivered(platform.mail_dir, "activation") >= args.learners, timeout=7200, interval=2)
        elapsed = time.monotonic() - started
        print(f"import + {args.learners} activation mails: {elapsed:.1f} s")
        course = published_course(tenant.admin)
        started = time.monotonic()
        tenant.admin.post(f"/api/v1/courses/{course['course_id']}/assignments",
                          {"unit_id": tenant.unit["unit_id"]}, expect=(202,))
        eventually(lambda: delivered(platform.mail_dir, "enrolled") >= args.learners, timeout=7200, interval=1)
        elapsed = time.monotonic() - started
        status = rpc(platform, "notifications", "outbox_status")
        print(f"assignment of {args.learners} learners -> {args.learners} 'enrolled' mails at the SMTP server: "
              f"{elapsed:.1f} s ({args.learners / elapsed:.0f} mails/s end to end), dispatcher {status}")


if __name__ == "__main__":
    main()
