"""Validation at a service boundary: marshmallow errors become the wire ValidationFailed."""
import unicodedata

from marshmallow import ValidationError, fields

from mooc_common.contracts.errors import ValidationFailed


def load(schema, data, **kwargs):
    try:
        return schema.load(data if data is not None else {}, **kwargs)
    except ValidationError as exc:
        raise ValidationFailed("The request has invalid fields.", exc.messages) from exc


class NfcString(fields.String):
    """A string field that strips and NFC-normalises Vietnamese text, so that the same name
    typed with combining marks or precomposed letters is stored (and compared) the same."""

    def _deserialize(self, value, attr, data, **kwargs):
        return unicodedata.normalize("NFC", super()._deserialize(value, attr, data, **kwargs).strip())
