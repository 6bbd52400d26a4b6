"""CSV bodies of usernames: a stray carriage return once made the csv module raise (a 500, found
by fuzzing); now any line ending is read, and what cannot be read is a 422."""
import pytest

from gateway.tests.test_app import FakeRpc, client, token

ASSIGNMENTS = f"/api/v1/courses/{'c1' * 16}/assignments"  # ids in paths are 32 hex digits


@pytest.mark.parametrize("body", [b"\x17\xc2\x9f\xf1\xa3\x9f\x97\x15\r\x01{", b""])
def test_a_csv_without_usernames_is_refused(body):
    rpc = FakeRpc()
    result = client(rpc).simulate_post(ASSIGNMENTS, body=body,
                                       headers={"Authorization": f"Bearer {token('tenant_admin')}",
                                                "Content-Type": "text/csv"})
    assert result.status_code == 422 and result.json["code"] == "validation_failed"
    assert "file" in result.json["errors"]
    assert not [c for c in rpc.calls if c[1] == "assign"]


def test_a_readable_csv_is_assigned():
    rpc = FakeRpc({("courses", "assign"): {"job_id": "j1"}})
    result = client(rpc).simulate_post(ASSIGNMENTS, body=b"username\r\nAn.Nguyen\rb.tran\n",
                                       headers={"Authorization": f"Bearer {token('tenant_admin')}",
                                                "Content-Type": "text/csv"})
    assert result.status_code == 202
    assert [c[2][2]["usernames"] for c in rpc.calls if c[1] == "assign"] == [["an.nguyen", "b.tran"]]
