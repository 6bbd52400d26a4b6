"""The event catalog: an AsyncAPI 2.6 document generated from the event contracts.

Everything comes from ``mooc_common.contracts.events`` (type, producer, description, payload
schema, public flag), so the catalog cannot drift from what is published. Payload schemas
are converted by apispec's marshmallow converter (JSON Schema as in OpenAPI 3.1, where
nullable fields are ``["string", "null"]``). Internal events are listed by name, marked
internal, and never described or offered.
"""
import copy
import datetime as dt

from apispec.ext.marshmallow import OpenAPIConverter
from marshmallow import fields

from mooc_common.contracts.envelope import EnvelopeSchema
from mooc_common.contracts.events import all_event_types
from mooc_common.infra.json_schema import open_objects as _open

from .routing import EXCHANGE, PLATFORM_KEY, routing_key

ASYNCAPI_VERSION = "2.6.0"
CATALOG_VERSION = "1.0.0"
EXAMPLE_TIME = "2026-11-23T09:00:00+00:00"
EXAMPLE_TENANT = "8f14e45fceea167a5a36dedd4bea2543"


def public_event_types():
    return [e for e in all_event_types() if e.public]


def internal_event_types():
    return [e for e in all_event_types() if not e.public]


def _converter():
    # Resolver returning None: nested schemas are inlined (each message is self-contained).
    return OpenAPIConverter(openapi_version="3.1.0", schema_name_resolver=lambda schema: None, spec=None)


def payload_json_schema(event_type):
    return _open(_converter().schema2jsonschema(event_type.payload_schema))


def envelope_json_schema(event_type):
    envelope = _open(_converter().schema2jsonschema(EnvelopeSchema))
    envelope["properties"]["type"] = {"type": "string", "const": event_type.type}
    envelope["properties"]["producer"] = {"type": "string", "const": event_type.producer}
    envelope["properties"]["schema_version"] = {"type": "integer", "const": event_type.version}
    envelope["properties"]["payload"] = payload_json_schema(event_type)
    return envelope


_EXAMPLE_VALUES = {
    fields.AwareDateTime: EXAMPLE_TIME, fields.DateTime: EXAMPLE_TIME, fields.Date: "2026-11-23",
    fields.Integer: 1, fields.Float: 1.0, fields.Boolean: True, fields.UUID: "3f2b6c1e-2a5d-4e8f-9b7c-1d2e3f4a5b6c",
}


def _example_value(name, field):
    if isinstance(field, fields.Nested):
        return example_payload_of(field.schema)
    if isinstance(field, fields.List):
        return [_example_value(name, field.inner)]
    for kind, value in _EXAMPLE_VALUES.items():
        if isinstance(field, kind):
            return value
    if name.endswith("_id") or name == "submitted_by":
        return EXAMPLE_TENANT if name.endswith("tenant_id") else f"<{name}>"
    return f"<{name}>"


def example_payload_of(schema):
    schema = schema() if isinstance(schema, type) else schema
    return {name: _example_value(name, field) for name, field in schema.fields.items()}


def example_envelope(event_type):
    """The declared example if any, else one made from the schema; validated by ``build``."""
    payload = copy.deepcopy(event_type.example) or example_payload_of(event_type.payload_schema)
    return event_type.build(event_type.payload_schema().load(payload), EXAMPLE_TENANT,
                            correlation_id="<correlation id>",
                            event_id="6a1f0c8e-93b4-4d2a-8a57-0b6f2c9d4e11",
                            occurred_at=dt.datetime.fromisoformat(EXAMPLE_TIME))


def _message(event_type):
    return {
        "name": event_type.type,
        "title": f"{event_type.producer}: {event_type.name} (v{event_type.version})",
        "summary": event_type.description,
        "contentType": "application/json",
        "payload": envelope_json_schema(event_type),
        "examples": [{"name": "example", "payload": example_envelope(event_type)}],
    }


def _channel(event_type):
    return {
        "description": event_type.description,
        "parameters": {"tenant": {"$ref": "#/components/parameters/tenant"}},
        "subscribe": {
            "operationId": "receive_" + event_type.type.replace(".", "_"),
            "summary": event_type.description,
            "message": {"$ref": f"#/components/messages/{event_type.type}"},
        },
        "bindings": {"amqp": {
            "is": "routingKey",
            "exchange": {"name": EXCHANGE, "type": "topic", "durable": True, "autoDelete": False},
            "bindingVersion": "0.2.0",
        }},
    }


def asyncapi_document():
    """The catalog as a JSON-serialisable dict (deterministic: same contracts, same bytes)."""
    public = public_event_types()
    return {
        "asyncapi": ASYNCAPI_VERSION,
        "id": "urn:mooc:integration-events",
        "info": {
            "title": "Training platform: integration events",
            "version": CATALOG_VERSION,
            "description": (
                "Public events of the national online-training platform, republished for "
                f"integrating agencies on the topic exchange `{EXCHANGE}` (AMQP 0-9-1) and by "
                "signed webhooks. Routing key: `<tenant>.<producer>.<entity>.<action>.v<N>`, where "
                f"`<tenant>` is the tenant id, or `{PLATFORM_KEY}` for national events without a "
                "tenant. Delivery is at least once (deduplicate on `event_id`); ordering is not "
                "promised. Payloads evolve additively: ignore unknown fields."),
        },
        "defaultContentType": "application/json",
        "servers": {"broker": {
            "url": "{host}:5671", "protocol": "amqps", "protocolVersion": "0.9.1",
            "description": "The platform's broker; vhost, user and password are issued per agency.",
            "variables": {"host": {"default": "broker.example.gov.vn"}},
        }},
        "channels": {routing_key(e.type, "{tenant}"): _channel(e) for e in public},
        "components": {
            "messages": {e.type: _message(e) for e in public},
            "parameters": {"tenant": {
                "description": f"Tenant id (32 hex characters), or `{PLATFORM_KEY}` for national events.",
                "schema": {"type": "string", "pattern": f"^([0-9a-f]{{32}}|{PLATFORM_KEY})$"},
            }},
        },
        "x-internal-events": sorted(e.type for e in internal_event_types()),
    }
