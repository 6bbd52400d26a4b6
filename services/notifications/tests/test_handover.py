"""Accounts' private hand-over of activation codes, and the mails made from it (no I/O)."""
import datetime as dt
import json

import pytest
from marshmallow import ValidationError

from mooc_common.contracts import mail_handover
from services.notifications import domain
from services.notifications.dispatcher import MailDispatcher, MailSettings
from services.notifications.storage import NotificationsStore

EXPIRES = dt.datetime(2026, 12, 31, 17, 0, tzinfo=dt.timezone.utc)


def recipient(i, **fields):
    return dict({"user_id": f"{i:032x}", "email": f"hv.{i}@example.vn", "full_name": f"Nguyễn Thị Hồng {i}",
                 "username": f"hv.{i}", "locale": "vi", "code": f"CODE{i:06d}"}, **fields)


def test_a_chunk_goes_as_json_and_comes_back_as_it_was_sent():
    body = mail_handover.activation_message("t" * 32, "j" * 32, 3, EXPIRES, [recipient(1), recipient(2, locale="en")])
    loaded = mail_handover.ActivationMailsSchema().load(json.loads(json.dumps(body)))
    assert loaded["expires_at"] == EXPIRES and loaded["batch"] == 3
    assert [r["code"] for r in loaded["recipients"]] == ["CODE000001", "CODE000002"]
    assert loaded["recipients"][1]["locale"] == "en"


@pytest.mark.parametrize("recipients", [[], [recipient(i) for i in range(mail_handover.MAX_RECIPIENTS + 1)],
                                        [recipient(1, locale="fr")], [recipient(1, code=None)]])
def test_a_malformed_chunk_is_refused(recipients):
    body = {"tenant_id": "t" * 32, "import_id": "j" * 32, "batch": 1, "expires_at": EXPIRES.isoformat(),
            "recipients": recipients}
    with pytest.raises(ValidationError):
        mail_handover.ActivationMailsSchema().load(body)


def test_an_activation_mail_needs_no_lookup_and_links_to_the_activation_page():
    dispatcher = MailDispatcher.__new__(MailDispatcher)  # no container: only _recipient is used
    dispatcher.settings = MailSettings(public_base_url="https://mooc.example.vn/")
    mail = NotificationsStore.outbox_doc(
        domain.mail_id(domain.ACTIVATION, "j" * 32, "u" * 32), domain.ACTIVATION, "t" * 32,
        {"tenant_name": "Sở Nội vụ", "username": "hv.1", "code": "ABC123", "expires_on": EXPIRES.isoformat()},
        user_id="u" * 32, to="HV.1@Example.vn ", name="Nguyễn Văn A", locale="en")
    nothing = {"contacts": {}, "certificates": {}, "opted_out": {"u" * 32}}  # opt-out: activation is essential
    address, name, locale, extra = dispatcher._recipient(mail, nothing)
    assert (address, name, locale) == ("hv.1@example.vn", "Nguyễn Văn A", "en")
    assert extra["link"] == "https://mooc.example.vn/activate?username=hv.1&code=ABC123"
