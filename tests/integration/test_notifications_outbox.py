"""The notifications outbox over the real store (services/notifications/storage.py): a mail is
queued once for ever (the history decides, one bulk insert per batch), a mail whose queueing
crashed between the history and the outbox is queued again, and finishing a mail removes it,
with the code it carried, from the outbox."""
import pytest

from services.notifications import domain
from services.notifications.storage import NotificationsStore

pytestmark = pytest.mark.integration


@pytest.fixture
def store(fresh_database):
    return NotificationsStore(fresh_database("notifications_outbox"))


def _mails(ids):
    return [NotificationsStore.outbox_doc(domain.mail_id(domain.ACTIVATION, "job", i), domain.ACTIVATION, "t1",
                                          {"username": f"hv.{i}", "code": f"SECRET{i}"}, user_id=f"u{i}",
                                          to=f"hv.{i}@example.vn") for i in ids]


def test_a_mail_is_queued_once_even_after_it_was_sent(store):
    assert store.enqueue(_mails(range(5))) == 5
    assert store.enqueue(_mails(range(3, 8))) == 3  # a redelivered chunk overlapping a new one
    assert store.outbox_size() == 8
    first = store.outbox.find_one({"_id": _mails([0])[0]["_id"]})
    store.finish(first, "sent", attempts=1)
    assert store.outbox.find_one({"_id": first["_id"]}) is None
    assert store.mails.find_one({"_id": first["_id"]})["state"] == "sent"
    assert store.enqueue(_mails([0])) == 0  # sent once: never queued again
    assert "SECRET0" not in str(list(store.mails.find({})))


def test_a_mail_queued_in_the_history_but_not_in_the_outbox_is_queued_again(store):
    store.enqueue(_mails([1, 2]))
    lost = _mails([2])[0]
    store.outbox.delete_one({"_id": lost["_id"]})  # as if the worker died between the two inserts
    assert store.enqueue(_mails([1, 2])) == 1
    assert store.outbox.find_one({"_id": lost["_id"]})["context"]["code"] == "SECRET2"
