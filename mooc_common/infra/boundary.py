"""Validation at a service boundary: marshmallow errors become the wire ValidationFailed."""
from marshmallow import ValidationError

from mooc_common.contracts.errors import ValidationFailed


def load(schema, data, **kwargs):
    try:
        return schema.load(data if data is not None else {}, **kwargs)
    except ValidationError as exc:
        raise ValidationFailed("The request has invalid fields.", exc.messages) from exc
