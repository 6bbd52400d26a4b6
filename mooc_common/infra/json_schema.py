"""JSON Schema post-processing shared by the generated documents (OpenAPI, AsyncAPI)."""


def open_objects(schema):
    """Drop ``additionalProperties: false`` (apispec writes it for marshmallow's RAISE):
    documents grow additively, so clients and consumers must ignore fields they do not know."""
    if isinstance(schema, dict):
        if schema.get("additionalProperties") is False:
            del schema["additionalProperties"]
        for value in schema.values():
            open_objects(value)
    elif isinstance(schema, list):
        for value in schema:
            open_objects(value)
    return schema
