"""Item 2: operator injection through ids. Every id is checked at the boundary (32 lowercase
hex digits, declared once as mooc_common.infra.boundary.Id): in every schema, in every path
parameter (gateway/path_ids.py), in the enrollment body and in the courses service's RPC."""
import pytest
from marshmallow import validate

from api_client import ApiError
from gateway.tests.test_app import FakeRpc, auth, client
from mooc_common.contracts.errors import ValidationFailed
from mooc_common.infra.boundary import OBJECT_ID, Id, load_ids
from tests.e2e.courses_fixtures import TenantKit, published_course
from tests.security.schema_scan import input_fields

INJECTIONS = [{"$in": ["a" * 32]}, {"$regex": "^a"}, {"$where": "sleep(100)"}, {"$ne": None},
              "a" * 31, "A" * 32, "$where", "a" * 32 + "\n", ["a" * 32]]
# Keys an author's client chooses for a course's parts (not platform ids).
# keys a client makes (authors' keys inside a course; a cmi5 launch's activity IRI)
CLIENT_KEYS = {"lesson_id", "section_id", "question_id", "option_id", "activity_id"}


@pytest.mark.parametrize("value", INJECTIONS)
def test_the_id_field_refuses_anything_but_an_id(value):
    with pytest.raises(ValidationFailed):
        load_ids(learner_id=value)
    assert load_ids(learner_id="0123456789abcdef" * 2, intake_id=None)["intake_id"] is None


def test_every_id_field_of_every_input_schema_is_an_id():
    wrong = [f"{where}.{name}" for where, name, field in input_fields()
             if (name.endswith("_id") or name.endswith("_ids")) and name not in CLIENT_KEYS
             and not (isinstance(field, Id) or OBJECT_ID in field.validators)]
    client_keys = [f"{where}.{name}" for where, name, field in input_fields() if name in CLIENT_KEYS
                   and not any(isinstance(v, validate.Regexp) for v in field.validators)]
    assert wrong == [] and client_keys == []


@pytest.mark.parametrize("path", ["/api/v1/courses/$where", "/api/v1/users/..%2F..", "/api/v1/tenants/ABC",
                                  "/api/v1/integrations/subscribers/x/deliveries/y"])
def test_malformed_path_ids_answer_404_before_any_rpc(path):
    rpc = FakeRpc()
    result = client(rpc).simulate_get(path, headers=auth("operator_admin"))
    assert result.status_code == 404 and result.json["code"] == "not_found"
    assert [c for c in rpc.calls if c[1] not in ("suspended_tenants", "revoked_access")] == []


@pytest.mark.parametrize("body", [{"learner_id": {"$in": ["a" * 32]}}, {"learner_id": {"$regex": "^a"}},
                                  {"learner_id": {"$where": "1"}}, {"intake_id": {"$ne": None}}, ["x"]])
def test_the_enrollment_body_is_checked_in_the_gateway(body):
    rpc = FakeRpc()
    result = client(rpc).simulate_post(f"/api/v1/courses/{'c' * 32}/enrollments", json=body,
                                       headers=auth("tenant_admin"))
    assert result.status_code == 422 and result.json["code"] == "validation_failed"
    assert not [c for c in rpc.calls if c[1] == "enroll"]


@pytest.mark.e2e
def test_operator_injection_in_an_enrollment_is_a_422(platform, operator):
    kit = TenantKit(operator, platform)
    course = published_course(kit.instructor)
    admin = kit.admin
    for body in ({"learner_id": {"$regex": "^[0-9a-f]"}}, {"learner_id": {"$in": ["a" * 32]}},
                 {"learner_id": {"$where": "sleep(1000)"}}):
        with pytest.raises(ApiError) as err:
            admin.post(f"/api/v1/courses/{course['course_id']}/enrollments", body)
        assert err.value.status == 422, err.value.body
    with pytest.raises(ApiError) as err:  # an id-shaped path parameter that names nothing
        admin.get("/api/v1/courses/" + "%24where")
    assert err.value.status == 404
    with pytest.raises(ApiError) as err:  # ids inside bodies
        operator.post(f"/api/v1/tenants/{kit.tenant_id}/users",
                      {"username": "x.injected", "full_name": "An", "email": "x@example.vn",
                       "role": "instructor", "unit_id": {"$ne": None}})
    assert err.value.status == 422 and "unit_id" in err.value.body["errors"]
