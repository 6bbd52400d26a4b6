#!/usr/bin/env python3
"""Times a 40,000-row learner import through the gateway (must finish in under 60 s).

    .venv/bin/python bench/accounts_import.py [--rows 40000]

Starts its own platform on a fresh vhost and database prefix (like the tests; needs
`make infra`), creates a tenant with a 40,000 quota and one unit, uploads the CSV and polls
the job. Prints the seconds from upload to done, and the time to download the codes.
"""
import argparse
import csv
import io
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "scripts")]

from api_client import ApiClient  # noqa: E402
from isolated_env import isolated_env, started_platform  # noqa: E402
from platformctl import read_env_file  # noqa: E402

API = "/api/v1"


def learners_csv(rows):
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["username", "full_name", "email", "phone", "unit_code", "category", "job_title"])
    for i in range(rows):
        writer.writerow([f"hv.bench.{i}", f"Nguyễn Thị Hồng Nhung {i}", f"hv{i}@example.vn",
                         "0912345678", "SO-NV", "civil_servant", "Chuyên viên"])
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def run(base_url, operator_username, operator_password, rows):
    operator = ApiClient(base_url, timeout=60).signed_in(operator_username, operator_password)
    tenant = operator.post(f"{API}/tenants", {
        "code": f"B{int(time.time()) % 100000}", "name": "Bộ Nội vụ", "kind": "ministry",
        "learner_quota": 40_000,
        "focal_contact": {"full_name": "Nguyễn Văn Ân", "mobile": "0912345678", "email": "an@example.vn"}})
    operator.post(f"{API}/tenants/{tenant['tenant_id']}/units", {"code": "SO-NV", "name": "Vụ Tổ chức"})
    content = learners_csv(rows)
    started = time.monotonic()
    job = operator.request("POST", f"{API}/tenants/{tenant['tenant_id']}/imports", data=content,
                           headers={"Content-Type": "text/csv"}, expect=(202,))
    while job["state"] not in ("done", "failed"):
        time.sleep(0.5)
        job = operator.get(f"{API}/imports/{job['job_id']}")
    elapsed = time.monotonic() - started
    print(f"import of {rows} rows: {job['state']} {job['result']} in {elapsed:.1f} s")
    started = time.monotonic()
    operator.session.get(f"{base_url}{API}/imports/{job['job_id']}/activation-codes", timeout=60)
    print(f"activation codes download: {time.monotonic() - started:.1f} s")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=40_000)
    args = parser.parse_args()
    infra = read_env_file(ROOT / "var" / "infra.env")
    with isolated_env(infra, "bench") as env, started_platform(env, ROOT / "var" / "log" / "bench") as plat:
        run(plat.base_url, env["OPERATOR_USERNAME"], env["OPERATOR_PASSWORD"], args.rows)


if __name__ == "__main__":
    main()
