"""The event catalog is generated from the contracts: committed docs cannot drift."""
import subprocess
import sys
from pathlib import Path

from mooc_common.contracts.events import all_event_types
from services.integrations.catalog import asyncapi_document, example_envelope, public_event_types
from services.integrations.catalog_markdown import render_markdown

ROOT = Path(__file__).resolve().parents[2]
CONTACT_FIELDS = {"email", "phone", "mobile", "password", "full_name", "username"}


def test_committed_docs_events_md_is_current():
    assert (ROOT / "docs" / "events.md").read_text() == render_markdown(), \
        "docs/events.md is stale: run python scripts/gen_event_catalog.py"
    check = subprocess.run([sys.executable, "scripts/gen_event_catalog.py", "--check"], cwd=ROOT)
    assert check.returncode == 0


def test_internal_events_are_marked_and_left_out():
    doc = asyncapi_document()
    internal = [e.type for e in all_event_types() if not e.public]
    assert "courses.course.published.v1" in internal
    assert doc["x-internal-events"] == sorted(internal)
    for name in internal:
        assert name not in doc["components"]["messages"]
        assert not any(name in channel for channel in doc["channels"])
    assert len(doc["channels"]) == len(public_event_types()) == len(all_event_types()) - len(internal)


def _property_names(schema):
    for name, prop in schema.get("properties", {}).items():
        yield name
        yield from _property_names(prop.get("items", prop) if "items" in prop else prop)


def test_no_public_payload_has_contact_fields():
    for name, message in asyncapi_document()["components"]["messages"].items():
        names = set(_property_names(message["payload"]["properties"]["payload"]))
        assert not CONTACT_FIELDS & names, name


def test_every_message_has_a_valid_example_and_a_tenant_routing_key():
    doc = asyncapi_document()
    for event_type in public_event_types():
        example = example_envelope(event_type)
        assert event_type.parse(example)["type"] == event_type.type
        assert f"{{tenant}}.{event_type.type}" in doc["channels"]
        assert doc["components"]["messages"][event_type.type]["examples"][0]["payload"] == example
