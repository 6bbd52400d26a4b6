"""The resources' one base: every route refuses the roles its ``@operation`` does not declare
(before any RPC), routes that leave the decision to the service reach it, calls carry the
actor, and downloads are written one way."""
import base64
import re
import uuid

import pytest

from gateway.openapi.operation import ANY_ROLE, PUBLIC
from gateway.tests.test_app import BOOKKEEPING, T1, FakeRpc, auth, client
from gateway.tests.test_openapi import NOT_IN_THE_API
from mooc_common.contracts import roles

PATH_VALUES = {"year": "2026", "version": "1", "lesson_id": "l1", "delivery_id": f"{T1}:{uuid.uuid4()}",
               "code": "ABC123", "token": "t0k3n"}


def _path(template):
    return re.sub(r"\{(\w+)(?::\w+)?\}", lambda m: PATH_VALUES.get(m.group(1), T1), template)


def _responders(app):
    """(path, method, operation) of every documented responder the router serves."""
    found, stack = [], list(app._router._roots)
    while stack:
        node = stack.pop()
        stack.extend(node.children)
        if node.resource is None or node.uri_template in NOT_IN_THE_API:
            continue
        for method, responder in node.method_map.items():
            op = getattr(responder, "openapi", None)
            if op is not None:
                found.append((_path(node.uri_template), method, op))
    return found


def _service_calls(rpc):
    return [call for call in rpc.calls if (call[0], call[1]) not in BOOKKEEPING]


def test_every_route_refuses_the_roles_it_does_not_declare_before_any_rpc():
    checked, rpc = 0, FakeRpc()
    http = client(rpc)
    for path, method, op in _responders(http.app):
        if op.service_checks_role or op.roles in (PUBLIC, tuple(ANY_ROLE)):
            continue
        for role in set(roles.ROLES) - set(op.roles):
            rpc.calls.clear()
            result = http.simulate_request(method, path, json={}, headers=auth(role))
            assert result.status_code == 403, (method, path, role, result.status_code, result.text)
            assert result.json["code"] == "permission_denied"
            assert _service_calls(rpc) == [], (method, path, role)
            checked += 1
    assert checked > 150  # every restricted route, with every role it refuses (162 today)


@pytest.mark.parametrize("path, role, method", [
    (f"/api/v1/tenants/{T1}/notifications", roles.LEARNER, ("notifications", "list_failures")),
    (f"/api/v1/assignment-jobs/{T1}", roles.INSTRUCTOR, ("courses", "get_job")),
    (f"/api/v1/tenants/{T1}/xapi/lrs", roles.REPORT_VIEWER, ("integrations", "get_lrs_config")),
])
def test_a_route_the_service_checks_reaches_the_service_as_the_actor(path, role, method):
    rpc = FakeRpc({("notifications", "list_failures"): {"items": [], "total": 0}})
    assert client(rpc).simulate_get(path, headers=auth(role)).status_code == 200
    (service, name, args), = _service_calls(rpc)
    assert (service, name) == method
    assert args[0] == {"user_id": "u1", "tenant_id": "t1", "role": role}


def test_downloads_are_attachments_with_their_media_type_and_vietnamese_name():
    pdf = b"%PDF-1.7 certificate"
    rpc = FakeRpc({
        ("accounts", "import_activation_codes"): "\ufeffusername,code\r\nhv.nguyen,123\r\n",
        ("progress", "get_my_certificate_pdf"): {"filename": "chứng-chỉ.pdf",
                                                 "data": base64.b64encode(pdf).decode("ascii")},
        ("reports", "year_end_report"): {"format": "xlsx", "media_type": "application/x-test",
                                         "filename": "báo-cáo.xlsx", "base64": base64.b64encode(b"PK").decode()},
    })
    c = client(rpc)
    codes = c.simulate_get(f"/api/v1/imports/{T1}/activation-codes", headers=auth(roles.TENANT_ADMIN))
    assert codes.headers["content-type"] == "text/csv; charset=utf-8"
    assert codes.headers["content-disposition"].startswith("attachment")
    assert codes.text.endswith("hv.nguyen,123\r\n")
    certificate = c.simulate_get(f"/api/v1/me/courses/{T1}/certificate.pdf", headers=auth(roles.LEARNER))
    assert certificate.headers["content-type"] == "application/pdf" and certificate.content == pdf
    assert "filename*=UTF-8''ch%E1%BB%A9ng-ch%E1%BB%89.pdf" in certificate.headers["content-disposition"]
    report = c.simulate_get(f"/api/v1/tenants/{T1}/year-end-reports/2026?format=xlsx",
                            headers=auth(roles.REPORT_VIEWER))
    assert report.headers["content-type"] == "application/x-test" and report.content == b"PK"


def test_an_upload_is_bounded_and_never_empty():
    rpc = FakeRpc()
    c = client(rpc)
    headers = dict(auth(roles.TENANT_ADMIN), **{"Content-Type": "text/csv"})
    empty = c.simulate_post(f"/api/v1/tenants/{T1}/imports", body=b"", headers=headers)
    assert empty.status_code == 422 and empty.json["errors"] == {"file": ["send the CSV or XLSX file as the request body"]}
    ok = c.simulate_post(f"/api/v1/tenants/{T1}/imports?dry_run=true", body=b"username\nhv\n", headers=headers)
    assert ok.status_code == 202
    (_, name, args), = _service_calls(rpc)
    assert name == "start_import" and base64.b64decode(args[2]) == b"username\nhv\n" and args[3] is True
