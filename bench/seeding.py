"""Synthetic data for the benchmarks, made through the platform's API.

``seed``: one province, its learners created one by one and signed in (the ingestion and
end-to-end scenarios: 200 learners). ``seed_tenants``: the scale curve (up to 100 tenants,
5,000 learners): per tenant one bulk import (a CSV upload, no password hashed) and one unit
assignment of the course; the learners' access tokens are then issued by the bench with the
platform's own signing key and issuer function (services/accounts/security.py), exactly what
sign-in would return, because 5,000 activations and sign-ins would hash 10,000 Argon2
passwords (minutes of CPU on this machine) to measure nothing the scale curve is about.
"""
import concurrent.futures
import csv
import io
import secrets
import time

from api_client import ApiClient
from mooc_common.infra.signing_keys import SigningKey
from services.accounts.security import issue_access_token

import queues

API = "/api/v1"
FOCAL = {"full_name": "Nguyễn Văn Bình", "mobile": "0912345678", "email": "bench@example.vn"}


def operator_client(platform):
    return ApiClient(platform.base_url, timeout=60).signed_in(platform.env["OPERATOR_USERNAME"],
                                                              platform.env["OPERATOR_PASSWORD"])


def published_course(admin, lessons):
    course = admin.post(f"{API}/courses", {"code": "BENCH-01", "title": "Kỹ năng số (benchmark)", "lessons": [
        {"title": f"Bài {i}", "kind": "rich_text"} for i in range(1, lessons + 1)]})
    admin.post(f"{API}/courses/{course['course_id']}/publish")
    return course


def seed(platform, learners, lessons):
    """A province with `learners` learners enrolled in one published course of `lessons` lessons."""
    operator = operator_client(platform)
    code = "B" + secrets.token_hex(3).upper()
    tenant = operator.post(f"{API}/tenants", {"code": code, "name": "Tỉnh Bắc Kạn (benchmark)", "kind": "province",
                                             "learner_quota": 40000, "focal_contact": FOCAL})
    users = f"{API}/tenants/{tenant['tenant_id']}/users"
    admin_pw = secrets.token_urlsafe(12)
    operator.post(users, {"username": f"admin.{code.lower()}", "full_name": "Quản trị", "email": "qt@example.vn",
                          "role": "tenant_admin", "password": admin_pw})
    admin = ApiClient(platform.base_url).signed_in(f"admin.{code.lower()}", admin_pw)
    course = published_course(admin, lessons)
    lesson_ids = [lesson["lesson_id"] for lesson in course["lessons"]]

    def make_learner(index):
        password = secrets.token_urlsafe(12)
        user = operator.post(users, {"username": f"hv{index}.{code.lower()}", "full_name": f"Học viên {index}",
                                     "phone": "0987654321", "category": "civil_servant", "password": password})
        admin.post(f"{API}/courses/{course['course_id']}/enrollments", {"learner_id": user["user_id"]})
        client = ApiClient(platform.base_url).signed_in(user["username"], password)
        return {"user_id": user["user_id"], "client": client, "course_id": course["course_id"],
                "lessons": lesson_ids, "token": client.session.headers["Authorization"].split()[1]}

    with concurrent.futures.ThreadPoolExecutor(8) as pool:
        made = list(pool.map(make_learner, range(1, learners + 1)))
    return {"tenant": tenant, "admin": admin, "course": course, "learners": made}


def learners_csv(code, count, unit_code):
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["username", "full_name", "phone", "unit_code", "category"])
    for i in range(count):
        writer.writerow([f"hv{i}.{code.lower()}", f"Nguyễn Thị Hồng Nhung {i}", "0912345678", unit_code,
                         "civil_servant"])
    return ("\ufeff" + out.getvalue()).encode("utf-8")


class Minter:
    """Access tokens as accounts issues them at sign-in (same key, same issuer function)."""

    def __init__(self, env):
        self.key = SigningKey(env["ACCESS_TOKEN_SIGNING_KEY"])

    def token(self, user_id, tenant_id, role):
        return issue_access_token(self.key, user_id, tenant_id, role)


def seed_tenants(platform, tenants, learners_per_tenant, lessons, workers=8):
    """``tenants`` provinces, each with ``learners_per_tenant`` imported learners assigned one
    published course of ``lessons`` lessons; every queue drained afterwards. Returns
    ``{"tenants": [...], "learners": [...], "seconds": ...}`` (learners as ``seed`` gives them)."""
    started, operator, minter = time.monotonic(), operator_client(platform), Minter(platform.env)
    with concurrent.futures.ThreadPoolExecutor(workers) as pool:
        made = list(pool.map(lambda _: _imported_tenant(platform, operator, minter, learners_per_tenant, lessons),
                             range(tenants)))
    queues.wait_drained(platform.env)  # courses and progress know every learner
    with concurrent.futures.ThreadPoolExecutor(workers) as pool:
        learners = [l for group in pool.map(lambda t: _assigned(platform, minter, t, lessons), made) for l in group]
    queues.wait_drained(platform.env)  # progress knows every enrollment
    return {"tenants": made, "learners": learners, "seconds": round(time.monotonic() - started, 1)}


def _imported_tenant(platform, operator, minter, learners, lessons):
    code = "S" + secrets.token_hex(4).upper()
    tenant = operator.post(f"{API}/tenants", {"code": code, "name": f"Tỉnh {code} (benchmark)", "kind": "province",
                                             "learner_quota": max(learners, 20000), "focal_contact": FOCAL})
    tenant_id = tenant["tenant_id"]
    unit = operator.post(f"{API}/tenants/{tenant_id}/units", {"code": "XA-1", "name": "Xã Tả Van"})
    admin = operator.post(f"{API}/tenants/{tenant_id}/users", {
        "username": f"admin.{code.lower()}", "full_name": "Quản trị", "email": "qt@example.vn", "role": "tenant_admin"})
    admin_client = ApiClient(platform.base_url, minter.token(admin["user_id"], tenant_id, "tenant_admin"), timeout=60)
    course = published_course(admin_client, lessons)
    job = operator.request("POST", f"{API}/tenants/{tenant_id}/imports", data=learners_csv(code, learners, "XA-1"),
                           headers={"Content-Type": "text/csv"}, expect=(202,))
    while job["state"] not in ("done", "failed"):
        time.sleep(0.5)
        job = operator.get(f"{API}/imports/{job['job_id']}")
    if job["state"] != "done":
        raise RuntimeError(f"the import of tenant {code} failed: {job}")
    return {"tenant_id": tenant_id, "unit_id": unit["unit_id"], "admin": admin_client, "course": course,
            "learner_ids": _learner_ids(operator, tenant_id, learners)}


def _learner_ids(client, tenant_id, count, page=200):
    ids = []
    while len(ids) < count:
        batch = client.get(f"{API}/tenants/{tenant_id}/users", params={"role": "learner", "offset": len(ids),
                                                                       "limit": page})
        if not batch:
            break
        ids += [user["user_id"] for user in batch]
    return ids


def _assigned(platform, minter, tenant, lessons):
    """The tenant's learners once the course's unit assignment has enrolled them all."""
    course_id = tenant["course"]["course_id"]
    job = tenant["admin"].post(f"{API}/courses/{course_id}/assignments", {"unit_id": tenant["unit_id"]},
                               expect=(202,))
    while job["state"] not in ("succeeded", "failed"):
        time.sleep(0.5)
        job = tenant["admin"].get(f"{API}/assignment-jobs/{job['job_id']}")
    if job["state"] != "succeeded":
        raise RuntimeError(f"the assignment of tenant {tenant['tenant_id']} failed: {job}")
    lesson_ids = [lesson["lesson_id"] for lesson in tenant["course"]["lessons"]]
    learners = []
    for user_id in tenant["learner_ids"]:
        token = minter.token(user_id, tenant["tenant_id"], "learner")
        learners.append({"user_id": user_id, "client": ApiClient(platform.base_url, token), "token": token,
                         "course_id": course_id, "lessons": lesson_ids, "tenant_id": tenant["tenant_id"]})
    return learners
