"""Item 1: XLSX import bombs. The archive is checked before parsing, every row read counts
(empty ones too), the workbook is parsed in a memory- and time-capped child process, and a
poisoned import fails its job with a clear error while sign-in keeps working."""
import pytest

from mooc_common.contracts.errors import ValidationFailed
from mooc_common.infra.zip_limits import ArchiveRefused, check_zip
from services.accounts import imports
from tests.e2e.accounts_fixtures import API, make_user, new_tenant
from tests.e2e.test_accounts_import import finished, upload
from tests.security import xlsx_files

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def file_error(content, **kwargs):
    with pytest.raises(ValidationFailed) as err:
        imports.read_rows(content) if not kwargs else imports._xlsx_rows(content, **kwargs)
    return err.value.errors["file"][0]


def test_a_highly_compressed_entry_is_refused_before_parsing():
    bomb = xlsx_files.inflating(80)
    assert len(bomb) < 1024 * 1024  # fits the body limit
    assert "compressed more than" in file_error(bomb) or "inflates" in file_error(bomb)


def test_archive_limits_count_entries_and_total_size():
    with pytest.raises(ArchiveRefused, match="more than 2 files"):
        check_zip(xlsx_files.workbook(), max_entries=2)
    with pytest.raises(ArchiveRefused, match="inflates"):
        check_zip(xlsx_files.workbook(), max_total_bytes=1000)
    with pytest.raises(ArchiveRefused, match="readable"):
        check_zip(b"PK\x03\x04 not really a zip")


def test_empty_rows_count_towards_the_row_limit():
    message = file_error(xlsx_files.empty_rows(imports.MAX_READ_ROWS + 5))
    assert "empty rows count" in message


def test_a_sheet_with_some_blank_lines_is_still_read():
    header, rows = imports.read_rows(xlsx_files.workbook(
        [["a.b.c", "Nguyễn Văn An", "a@x.vn", None, "SO", "cadre", None], [None] * 7,
         ["d.e.f", "Lê Thị Hoa", "d@x.vn", None, "SO", "cadre", None]]))
    assert header == xlsx_files.COLUMNS and [r[0] for r in rows] == ["a.b.c", "d.e.f"]


def test_the_parse_runs_in_a_memory_capped_child():
    """With the archive checks relaxed, the child process hits its address-space cap and the
    service (this process) gets a clear error instead of growing."""
    message = file_error(xlsx_files.inflating(60),
                         archive_limits={"max_total_bytes": 10 ** 9, "max_ratio": 10 ** 6},
                         child_limits={"memory_bytes": 200 * 1024 ** 2, "cpu_seconds": 20,
                                       "wall_seconds": 60})
    assert "more memory or time" in message


def test_the_parse_is_time_capped():
    message = file_error(xlsx_files.empty_rows(imports.MAX_READ_ROWS),
                         child_limits={"memory_bytes": 768 * 1024 ** 2, "cpu_seconds": 20,
                                       "wall_seconds": 0.05})
    assert "longer than" in message


@pytest.mark.e2e
def test_poisoned_imports_fail_their_job_and_sign_in_keeps_working(platform, operator):
    tenant = new_tenant(operator)
    _, learner = make_user(operator, tenant["tenant_id"], "tenant_admin")
    for content, expected in ((xlsx_files.inflating(80), "inflates to more than"),
                              (xlsx_files.empty_rows(imports.MAX_READ_ROWS + 5), "empty rows count")):
        job = finished(operator, upload(operator, tenant["tenant_id"], content, dry_run=True,
                                        content_type=XLSX)["job_id"], timeout=60)
        assert job["state"] == "failed", job
        assert job["errors"][0]["column"] == "file" and expected in job["errors"][0]["message"]
    signed_in = operator.__class__(platform.base_url).signed_in(learner["username"], learner["password"])
    assert signed_in.get(f"{API}/tenants/{tenant['tenant_id']}")["tenant_id"] == tenant["tenant_id"]
