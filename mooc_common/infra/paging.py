"""The one page of every list: ``offset`` and ``limit``, with the same bounds everywhere.

The gateway reads it from the query string (gateway/pagination.py, which also writes the
``Link`` headers) and each service loads it again at its RPC boundary, so a service never
trusts a page it did not bound itself. A list answers either a plain list of items or
``{"items", "total", "offset", "limit"}`` when it knows its total.
"""
from marshmallow import Schema, fields, validate

DEFAULT_LIMIT = 50
MAX_LIMIT = 200
MAX_OFFSET = 10_000_000  # deep offsets cost a scan of everything skipped: bounded like every input


class PageSchema(Schema):
    offset = fields.Integer(load_default=0, validate=validate.Range(0, MAX_OFFSET),
                            metadata={"description": "items to skip"})
    limit = fields.Integer(load_default=DEFAULT_LIMIT, validate=validate.Range(1, MAX_LIMIT),
                           metadata={"description": f"items per page, at most {MAX_LIMIT}"})
