"""Frozen descriptions of event payload schemas, and the rule for what may change.

A snapshot is committed in ``snapshots/events.json``. Compared with it, a schema may only
grow: new event types and new optional fields pass; a removed field, a changed type, a field
that became required or stopped accepting null, or a removed event type is breaking.
"""
import json
from pathlib import Path

from marshmallow import fields

from .events import all_event_types

SNAPSHOT = Path(__file__).parent / "snapshots" / "events.json"


def describe_field(field):
    desc = {"type": type(field).__name__, "required": field.required, "allow_none": field.allow_none}
    if isinstance(field, fields.Nested):
        desc["fields"] = describe_schema(field.nested)
    elif isinstance(field, fields.List):
        desc["items"] = describe_field(field.inner)
    return desc


def describe_schema(schema):
    schema = schema() if isinstance(schema, type) else schema
    return {name: describe_field(field) for name, field in sorted(schema.fields.items())}


def describe_all():
    return {e.type: {"public": e.public, "payload": describe_schema(e.payload_schema)}
            for e in all_event_types()}


def breaking_changes(old, new, path=""):
    """List the ways ``new`` (field descriptions) breaks consumers written against ``old``."""
    problems = []
    for name, before in old.items():
        where = f"{path}{name}"
        after = new.get(name)
        if after is None:
            problems.append(f"{where}: removed")
            continue
        if after["type"] != before["type"]:
            problems.append(f"{where}: type {before['type']} -> {after['type']}")
        if after["required"] and not before["required"]:
            problems.append(f"{where}: became required")
        if before["allow_none"] and not after["allow_none"]:
            problems.append(f"{where}: no longer accepts null")
        if "fields" in before:
            problems += breaking_changes(before["fields"], after.get("fields", {}), f"{where}.")
        if "items" in before:
            problems += breaking_changes({"[]": before["items"]}, {"[]": after.get("items", {})}, f"{where}")
    for name, after in new.items():
        if name not in old and after["required"]:
            problems.append(f"{path}{name}: new field is required (add it as optional)")
    return problems


def compare_with_snapshot(current=None, snapshot=None):
    current = current or describe_all()
    snapshot = snapshot if snapshot is not None else json.loads(SNAPSHOT.read_text())
    problems = []
    for event_type, before in snapshot.items():
        if event_type not in current:
            problems.append(f"{event_type}: event type removed")
            continue
        problems += [f"{event_type}: {p}" for p in
                     breaking_changes(before["payload"], current[event_type]["payload"])]
    return problems
