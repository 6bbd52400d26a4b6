"""Event schemas only evolve additively: compared with the committed snapshot."""
import copy

from marshmallow import Schema, fields

from mooc_common.contracts.envelope import EnvelopeSchema
from mooc_common.contracts.events import all_event_types
from mooc_common.contracts.schema_snapshot import (breaking_changes, compare_with_snapshot,
                                                   describe_all, describe_schema)


def test_current_schemas_have_no_breaking_change_against_the_snapshot():
    assert compare_with_snapshot() == []


def test_every_event_type_is_declared_once_with_a_versioned_name():
    names = [e.type for e in all_event_types()]
    assert len(names) == len(set(names))
    for event in all_event_types():
        assert event.type == f"{event.producer}.{event.name}.v{event.version}"


def test_public_payloads_carry_no_contact_data():
    for event in all_event_types():
        assert not {"email", "phone", "mobile", "password"} & set(event.payload_schema().fields)


class Before(Schema):
    a = fields.String(required=True)
    b = fields.Integer(allow_none=True)
    items = fields.List(fields.Nested(type("Item", (Schema,), {"x": fields.String(required=True)})))


def _changed(**overrides):
    new = type("After", (Before,), overrides)
    return breaking_changes(describe_schema(Before), describe_schema(new))


def test_additive_optional_field_passes():
    assert _changed(c=fields.String()) == []


def test_removed_field_is_breaking():
    old = describe_schema(Before)
    new = copy.deepcopy(old)
    del new["a"]
    assert breaking_changes(old, new) == ["a: removed"]


def test_changed_type_new_required_field_and_lost_null_are_breaking():
    assert _changed(a=fields.Integer(required=True)) == ["a: type String -> Integer"]
    assert _changed(c=fields.String(required=True)) == ["c: new field is required (add it as optional)"]
    assert _changed(b=fields.Integer()) == ["b: no longer accepts null"]


def test_nested_list_changes_are_found():
    item = type("Item2", (Schema,), {"x": fields.Integer(required=True)})
    assert _changed(items=fields.List(fields.Nested(item))) == ["items[].x: type String -> Integer"]


def test_removed_event_type_is_breaking():
    snapshot = describe_all()
    current = dict(snapshot)
    removed = sorted(current)[0]
    del current[removed]
    assert compare_with_snapshot(current, snapshot) == [f"{removed}: event type removed"]


def test_envelope_round_trip_keeps_vietnamese_text_and_types():
    from mooc_common.contracts.events.accounts import TENANT_CREATED
    envelope = TENANT_CREATED.build({
        "tenant_id": "t1", "code": "LCI", "name": "Tỉnh Lào Cai", "kind": "province",
        "learner_quota": 20000, "storage_quota_bytes": 1, "status": "active"}, "t1")
    loaded = TENANT_CREATED.parse(envelope)
    assert loaded["payload"]["name"] == "Tỉnh Lào Cai"
    assert loaded["type"] == "accounts.tenant.created.v1"
    assert loaded["occurred_at"].tzinfo is not None
    assert set(EnvelopeSchema().fields) == {"event_id", "type", "occurred_at", "tenant_id", "producer",
                                             "schema_version", "correlation_id", "payload"}
