"""Bulk import of learners: validation report, dry run, background job, activation codes."""
import csv
import io
import secrets

import openpyxl
import pymongo
import pytest

from api_client import ApiClient, ApiError
from tests.e2e.accounts_fixtures import API, event_tap, new_tenant  # noqa: F401
from tests.polling import eventually

pytestmark = pytest.mark.e2e

COLUMNS = ["username", "full_name", "email", "phone", "unit_code", "category", "job_title"]


def csv_bytes(rows, bom=True, columns=COLUMNS):
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(columns)
    writer.writerows(rows)
    return (("\ufeff" if bom else "") + out.getvalue()).encode("utf-8")


def learner_rows(prefix, count, unit_code="SO-GD", email=True):
    """``email=False``: reachable by phone only (no activation mail; the code is in the CSV)."""
    return [[f"{prefix}.{i}", f"Nguyễn Thị Hồng Nhung {i}", f"{prefix}.{i}@example.vn" if email else "",
             "" if email else "0912345678", unit_code, "public_employee", "Giáo viên"] for i in range(count)]


def upload(client, tenant_id, content, dry_run=False, content_type="text/csv"):
    return client.request("POST", f"{API}/tenants/{tenant_id}/imports",
                          params={"dry_run": "true"} if dry_run else None, data=content,
                          headers={"Content-Type": content_type}, expect=(202,))


def finished(client, job_id, timeout=30):
    return eventually(lambda: (lambda j: j if j["state"] in ("done", "failed") else None)(
        client.get(f"{API}/imports/{job_id}")), timeout=timeout)


@pytest.fixture(scope="module")
def tenant(operator):
    tenant = new_tenant(operator)
    operator.post(f"{API}/tenants/{tenant['tenant_id']}/units", {"code": "SO-GD", "name": "Sở Giáo dục"})
    return tenant


def seats(operator, tenant):
    return operator.get(f"{API}/tenants/{tenant['tenant_id']}")["seats_used"]


def test_template_lists_the_columns(operator):
    response = operator.session.get(f"{operator.base_url}{API}/import-template")
    assert response.status_code == 200 and response.headers["Content-Type"].startswith("text/csv")
    text = response.content.decode("utf-8-sig")
    assert text.splitlines()[0].split(",") == COLUMNS


def test_invalid_rows_create_nothing_and_every_error_is_reported(operator, tenant):
    prefix = "bad" + secrets.token_hex(3)
    rows = learner_rows(prefix, 5)
    rows[1][0] = "X"                     # row 3: bad username
    rows[2][4] = "NO-SUCH-UNIT"          # row 4: unknown unit
    rows[3][0] = rows[0][0]              # row 5: duplicate of row 2
    rows[4][2] = ""                      # row 6: neither email nor phone
    rows[4][5] = "alien"                 # row 6: bad category
    before = seats(operator, tenant)
    job = finished(operator, upload(operator, tenant["tenant_id"], csv_bytes(rows))["job_id"])
    assert job["state"] == "failed" and job["result"]["created"] == 0
    found = {(e["row"], e["column"]) for e in job["errors"]}
    assert found == {(3, "username"), (4, "unit_code"), (5, "username"), (6, "email"), (6, "category")}
    assert all(e["message"] for e in job["errors"])
    assert seats(operator, tenant) == before


def test_missing_column_and_unreadable_file(operator, tenant):
    job = finished(operator, upload(operator, tenant["tenant_id"],
                                    csv_bytes([["a.b.c", "X"]], columns=["username", "full_name"]))["job_id"])
    assert {(e["row"], e["column"]) for e in job["errors"]} == {(1, "unit_code"), (1, "category")}
    job = finished(operator, upload(operator, tenant["tenant_id"], b"\xff\xfe\x00garbage")["job_id"])
    assert job["state"] == "failed" and job["errors"][0]["column"] == "file"


def test_dry_run_reports_without_creating(operator, tenant):
    rows = learner_rows("dry" + secrets.token_hex(3), 3)
    job = finished(operator, upload(operator, tenant["tenant_id"], csv_bytes(rows, bom=False), dry_run=True)["job_id"])
    assert (job["state"], job["dry_run"], job["result"]) == ("done", True, {"valid": True, "would_create": 3})
    with pytest.raises(ApiError):
        ApiClient(operator.base_url).post(f"{API}/auth/token", {"username": rows[0][0], "password": "x" * 12})
    assert job["rows_total"] == 3


def test_import_activation_and_same_file_twice(platform, operator, tenant, event_tap):
    tap = event_tap("accounts.users.imported.v1")
    prefix = "imp" + secrets.token_hex(3)
    rows = learner_rows(prefix, 3)
    rows[0][1] = "Nguye\u0302\u0303n Va\u0306n Đức"  # NFD in the file: stored NFC
    content = csv_bytes(rows)
    before = seats(operator, tenant)
    job = finished(operator, upload(operator, tenant["tenant_id"], content)["job_id"])
    assert (job["state"], job["result"]["created"], job["rows_done"]) == ("done", 3, 3)
    assert seats(operator, tenant) == before + 3
    event = tap.drain(1)[0]
    assert event["payload"]["import_id"] == job["job_id"] and len(event["payload"]["users"]) == 3

    again = finished(operator, upload(operator, tenant["tenant_id"], content)["job_id"])
    assert again["state"] == "failed" and again["result"]["created"] == 0
    assert seats(operator, tenant) == before + 3

    codes_url = f"{operator.base_url}{API}/imports/{job['job_id']}/activation-codes"
    response = operator.session.get(codes_url)
    assert response.status_code == 200
    codes = {r["username"]: r for r in csv.DictReader(io.StringIO(response.content.decode("utf-8-sig")))}
    assert codes[rows[0][0]]["full_name"] == "Nguyễn Văn Đức"
    assert operator.session.get(codes_url).status_code == 409  # shown once only

    anonymous = ApiClient(platform.base_url)
    code = codes[rows[1][0]]["activation_code"]
    with pytest.raises(ApiError) as err:  # before activation: no password, no sign-in
        anonymous.post(f"{API}/auth/token", {"username": rows[1][0], "password": "x" * 12})
    assert err.value.status == 401
    with pytest.raises(ApiError) as err:
        anonymous.post(f"{API}/auth/activate", {"code": code, "password": "short"})
    assert err.value.status == 422 and "password" in err.value.body["errors"]
    new_password = "Mật khẩu rất dài 2026"
    assert anonymous.post(f"{API}/auth/activate", {"code": code, "password": new_password})["activated"]
    with pytest.raises(ApiError) as err:  # one-time
        anonymous.post(f"{API}/auth/activate", {"code": code, "password": new_password})
    assert err.value.status == 401
    assert anonymous.signed_in(rows[1][0], new_password)


def test_xlsx_import_keeps_vietnamese(operator, tenant):
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(COLUMNS)
    username = "xl" + secrets.token_hex(3)
    sheet.append([username, "Hoàng Thị Thu Hương", None, "0912345678", "so-gd", "worker", "Kế toán"])
    buffer = io.BytesIO()
    workbook.save(buffer)
    job = finished(operator, upload(operator, tenant["tenant_id"], buffer.getvalue(),
                                    content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")["job_id"])
    assert job["state"] == "done", job
    users = operator.get(f"{API}/tenants/{tenant['tenant_id']}/users", params={"limit": 200})
    assert any(u["username"] == username and u["full_name"] == "Hoàng Thị Thu Hương"
               and u["status"] == "pending_activation" for u in users)


def _seats_already_taken(platform, tenant_id, count):
    """The tenant as if ``count`` of its seats were in use (the accounts store's own counter)."""
    client = pymongo.MongoClient(platform.env["MONGO_URI"])
    client[f"{platform.env['MONGO_DB_PREFIX']}accounts"]["tenants"].update_one(
        {"_id": tenant_id}, {"$set": {"seats_used": count}})


def test_an_import_fills_the_quota_exactly(operator, platform):
    """An import that takes the last 2,500 seats of a 20,000-seat tenant (three insert
    batches of 1,000, the last partial). Then the quota holds: a further learner is refused
    with the seats remaining, and of 10 concurrent creations after 5 deactivations exactly
    5 succeed. The 40,000-row import is timed by bench/accounts_import.py (``make bench``'s
    scale scenarios), no longer here.

    The learners have phones, not e-mails: this test is about the import and the quota.
    Imports with e-mails are mailed (tests/e2e/test_notifications.py: one mail per learner,
    a working code); the 40,000-row import with its 40,000 mails going out is timed by
    bench/accounts_import.py and the mail rate by bench/notifications_send.py."""
    from concurrent.futures import ThreadPoolExecutor
    quota, rows = 20_000, 2_500
    tenant = new_tenant(operator, learner_quota=quota)
    _seats_already_taken(platform, tenant["tenant_id"], quota - rows)
    operator.post(f"{API}/tenants/{tenant['tenant_id']}/units", {"code": "SO-GD", "name": "Sở Giáo dục"})
    job = upload(operator, tenant["tenant_id"], csv_bytes(learner_rows("big" + secrets.token_hex(3), rows, email=False)))
    job = finished(operator, job["job_id"], timeout=240)
    assert (job["state"], job["result"]["created"], job["rows_done"]) == ("done", rows, rows)
    assert seats(operator, tenant) == quota

    users_path = f"{API}/tenants/{tenant['tenant_id']}/users"

    def create(i):
        try:
            operator.post(users_path, {"username": f"extra.{tenant['code'].lower()}.{i}", "full_name": "Đinh Văn Tú",
                                       "phone": "0987654321", "category": "worker"})
            return "created"
        except ApiError as exc:
            assert exc.body["code"] == "quota_exceeded", exc.body
            return int(exc.body["errors"]["seats_remaining"])
    assert create("first") == 0

    for user in operator.get(users_path, params={"limit": 5}):
        operator.post(f"{API}/users/{user['user_id']}/deactivate")
    assert seats(operator, tenant) == quota - 5
    with ThreadPoolExecutor(10) as pool:
        outcomes = list(pool.map(create, range(10)))
    assert outcomes.count("created") == 5 and outcomes.count(0) == 5
    assert seats(operator, tenant) == quota
