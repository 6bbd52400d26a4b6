"""Control characters (C0 except TAB/LF/CR, DEL, C1) are refused with 422 in every text field:
one field type, mooc_common.infra.boundary.NfcString, is used for every free-text field."""
import pytest
from marshmallow import Schema, ValidationError, fields, validate

from api_client import ApiError
from mooc_common.infra.boundary import Id, NfcString
from tests.e2e.accounts_fixtures import API, new_tenant
from tests.security.schema_scan import input_fields

# Fields whose value is never shown, exported or compared as text: hashed as given.
SECRETS = {"password"}


class Text(Schema):
    text = NfcString()


@pytest.mark.parametrize("char", ["\x00", "\x07", "\x08", "\x0b", "\x1b", "\x7f", "\x85", "\x9f"])
def test_control_characters_are_refused(char):
    with pytest.raises(ValidationError) as err:
        Text().load({"text": f"Nguyễn{char}Văn"})
    assert err.value.messages == {"text": ["must not contain control characters"]}


def test_tab_and_line_breaks_are_text_and_nfc_still_applies():
    assert Text().load({"text": "Dòng 1\r\nDòng\t2"})["text"] == "Dòng 1\r\nDòng\t2"
    assert Text().load({"text": " Nguye\u0302\u0303n "})["text"] == "Nguyễn"


def test_every_free_text_field_of_every_input_schema_is_checked():
    closed = (validate.Regexp, validate.OneOf)
    free = [f"{where}.{name}" for where, name, field in input_fields()
            if type(field) is fields.String and name not in SECRETS
            and not any(isinstance(v, closed) for v in field.validators)]
    assert free == []
    assert all(isinstance(f, (NfcString, Id)) or type(f) is not fields.String or name in SECRETS
               or any(isinstance(v, closed) for v in f.validators) for _, name, f in input_fields())


@pytest.mark.e2e
def test_a_nul_in_a_name_and_a_bel_in_a_title_are_422(operator):
    with pytest.raises(ApiError) as err:
        new_tenant(operator, name="Sở Nội vụ\u0007")
    assert err.value.status == 422 and err.value.body["errors"] == {"name": ["must not contain control characters"]}
    tenant = new_tenant(operator)
    with pytest.raises(ApiError) as err:
        operator.post(f"{API}/tenants/{tenant['tenant_id']}/users",
                      {"username": "nul.name", "full_name": "Nguyễn\u0000Văn", "email": "n@example.vn",
                       "role": "instructor"})
    assert err.value.status == 422 and "full_name" in err.value.body["errors"]
    assert operator.get(f"{API}/tenants/{tenant['tenant_id']}/users") == []
