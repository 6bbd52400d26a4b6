"""Integrations at the service layer (services/integrations/service.py over the real store).

Subscribers: a webhook subscriber gets its secret once, an AMQP one its broker credentials; a
failed broker set-up leaves the subscriber ``failed`` and the half-made agency revoked;
unknown tenants are refused before anything is stored; a rotation keeps the previous secret
for the grace period only. The RabbitMQ management API (``broker``) and the accounts RPCs are
fakes here (the real agency path runs in tests/e2e/test_integrations_amqp.py).

cmi5: registrations change only through Cmi5Store.change_registration (this process's lock
plus a compare-and-set on the registration's revision): an AU's completed and passed sent in
two racing requests both count and satisfy the course once; a second launch abandons the
first session; statements of an unknown registration are refused.
"""
import copy
import datetime as dt
import uuid
from types import SimpleNamespace

import eventlet
import pytest

from mooc_common.contracts import xapi
from mooc_common.contracts.errors import NotFound, PermissionDenied, ValidationFailed
from services.integrations.cmi5_sessions import Cmi5Store
from services.integrations.service import IntegrationsService
from services.integrations.storage import IntegrationsStore

pytestmark = pytest.mark.service

OPERATOR = {"user_id": "op", "role": "operator_admin", "tenant_id": None}
TENANT, LEARNER, COURSE = "a" * 32, "b" * 32, "c" * 32
BASE = "https://hoc.example.gov.vn"


class FakeAccounts:
    def get_tenant(self, actor, tenant_id):
        if tenant_id != TENANT:
            raise NotFound("Tenant not found.")
        return {"tenant_id": tenant_id}


class FakeBroker:
    """The management API's agency calls, recorded; ``fail`` makes the set-up fail."""

    vhost = "mooc"

    def __init__(self, fail=False):
        self.fail, self.created, self.revoked = fail, [], []

    def create_agency(self, subscriber_id, password, tenants, event_types):
        self.created.append(subscriber_id)
        if self.fail:
            raise RuntimeError("management API answered 500")
        return f"agency-{subscriber_id}"

    def revoke_agency(self, subscriber_id):
        self.revoked.append(subscriber_id)


class FakeLrs:
    """The LRS forwarder as the service uses it: its settings and the statements it queues."""

    settings = SimpleNamespace(public_base_url=BASE, allow_loopback_http=False)

    def __init__(self):
        self.queued = []

    def enqueue_statements(self, tenant_key, statements, source):
        self.queued += [(source, s) for s in statements]

    def verbs(self, source):
        return [s["verb"]["id"].rsplit("/", 1)[-1] for src, s in self.queued if src == source]


@pytest.fixture
def integrations(service_worker):
    def make(broker=None):
        worker, _ = service_worker(IntegrationsService, IntegrationsStore, stores={"cmi5": Cmi5Store},
                                   accounts=FakeAccounts(), broker=broker or FakeBroker(), lrs=FakeLrs(),
                                   webhooks=SimpleNamespace(settings=SimpleNamespace(allow_loopback_http=False)))
        return worker
    return make


# ---- subscribers --------------------------------------------------------------------------

def test_a_webhook_subscriber_gets_its_secret_once_and_a_rotation_keeps_the_old_one_for_the_grace(integrations):
    worker = integrations()
    created = worker.register_subscriber(OPERATOR, {"name": "Sở Nội vụ", "kind": "webhook", "tenants": [TENANT],
                                                    "url": "https://dongbo.example.gov.vn/hook"})
    secret = created["credentials"]["secret"]
    assert created["status"] == "active" and secret.startswith("whsec_")
    assert "secret" not in worker.get_subscriber(OPERATOR, created["subscriber_id"])  # shown once
    rotated = worker.rotate_secret(OPERATOR, created["subscriber_id"], {"grace_seconds": 3600})
    stored = worker.store.get_subscriber(created["subscriber_id"])
    assert stored["secret"] == rotated["secret"] != secret and stored["previous_secret"] == secret
    assert stored["previous_secret_until"] > dt.datetime.now(dt.timezone.utc) + dt.timedelta(minutes=59)
    worker.rotate_secret(OPERATOR, created["subscriber_id"], {"grace_seconds": 0})
    assert worker.store.get_subscriber(created["subscriber_id"])["previous_secret"] is None
    learner = {"user_id": LEARNER, "role": "learner", "tenant_id": TENANT}
    with pytest.raises(PermissionDenied):
        worker.rotate_secret(learner, created["subscriber_id"], {"grace_seconds": 0})


def test_an_amqp_subscriber_gets_broker_credentials_and_a_failed_set_up_leaves_nothing_half_made(integrations):
    broker = FakeBroker()
    worker = integrations(broker)
    created = worker.register_subscriber(OPERATOR, {"name": "Bộ Nội vụ", "kind": "amqp", "tenants": [TENANT]})
    assert created["credentials"]["username"] == f"agency-{created['subscriber_id']}"
    assert worker.store.get_subscriber(created["subscriber_id"])["status"] == "active"
    worker.revoke_subscriber(OPERATOR, created["subscriber_id"])
    assert broker.revoked == [created["subscriber_id"]]

    failing = FakeBroker(fail=True)
    worker = integrations(failing)
    with pytest.raises(RuntimeError):
        worker.register_subscriber(OPERATOR, {"name": "Bộ Nội vụ", "kind": "amqp", "tenants": [TENANT]})
    (subscriber,) = worker.store.list_subscribers()
    assert subscriber["status"] == "failed" and failing.revoked == failing.created == [subscriber["_id"]]


def test_unknown_tenants_are_refused_before_anything_is_stored(integrations):
    worker = integrations()
    with pytest.raises(ValidationFailed) as refused:
        worker.register_subscriber(OPERATOR, {"name": "X", "kind": "webhook", "tenants": [TENANT, "d" * 32],
                                              "url": "https://dongbo.example.gov.vn/hook"})
    assert refused.value.errors == {"tenants": [f"unknown tenant {'d' * 32}"]}
    assert worker.store.list_subscribers() == []


# ---- cmi5 ---------------------------------------------------------------------------------

LEARNER_ACTOR = {"user_id": LEARNER, "role": "learner", "tenant_id": TENANT}
ACTIVITY = xapi.lesson_activity_id(BASE, COURSE, "au1")


def _launch(worker, registration, move_on="CompletedAndPassed"):
    launched = worker.create_cmi5_launch(LEARNER_ACTOR, {
        "course_id": COURSE, "lesson_id": "au1", "registration": registration, "activity_id": ACTIVITY,
        "move_on": move_on, "return_url": f"{BASE}/learn", "launch_url": "https://noidung.example.vn/au1/index.html",
        "au_lessons": ["au1"]})
    auth = worker.redeem_cmi5_fetch(launched["fetch_token"])["auth_token"]
    return launched, auth


def _statement(registration, session_id, verb, result=None):
    categories = [xapi.CMI5_CATEGORY] + ([xapi.CMI5_MOVEON_CATEGORY] if verb in ("completed", "passed") else [])
    doc = {"id": str(uuid.uuid4()), "actor": xapi.actor(BASE, TENANT, LEARNER), "verb": {"id": xapi.VERBS[verb][0]},
           "object": {"id": ACTIVITY},
           "context": {"registration": registration, "extensions": {xapi.CMI5_SESSION_ID: session_id},
                       "contextActivities": {"category": [{"id": c} for c in categories]}}}
    return dict(doc, result=result) if result else doc


def test_completed_and_passed_sent_in_racing_requests_both_count_and_satisfy_the_course_once(integrations):
    worker = integrations()
    registration = str(uuid.uuid4())
    launched, auth = _launch(worker, registration)
    session = launched["session_id"]
    worker.cmi5_statements(auth, [_statement(registration, session, "initialized")])
    answers = list(eventlet.GreenPool(2).imap(lambda batch: worker.cmi5_statements(auth, batch), [
        [_statement(registration, session, "completed", {"completion": True})],
        [_statement(registration, session, "passed", {"success": True})]]))
    assert sorted(a["moved_on"] for a in answers) == [False, True]  # the second of the two meets moveOn
    reg = worker.cmi5.get_registration(registration)
    assert reg["aus"]["au1"]["completed"] and reg["aus"]["au1"]["passed"] and reg["course_satisfied"]
    assert reg["rev"] == 4  # the launch, initialized, then one write per racing request
    assert worker.lrs.verbs("cmi5.lms").count("satisfied") == 1
    assert worker.lrs.verbs("cmi5.au") == ["initialized", "completed", "passed"] or \
        worker.lrs.verbs("cmi5.au") == ["initialized", "passed", "completed"]


def test_a_second_launch_abandons_the_first_session_and_a_refused_batch_changes_nothing(integrations):
    worker = integrations()
    registration = str(uuid.uuid4())
    first, first_auth = _launch(worker, registration)
    worker.cmi5_statements(first_auth, [_statement(registration, first["session_id"], "initialized")])
    second, second_auth = _launch(worker, registration)
    assert worker.lrs.verbs("cmi5.lms") == ["launched", "abandoned", "launched"]
    before = worker.cmi5.get_registration(registration)
    with pytest.raises(PermissionDenied) as refused:  # the first session is over
        worker.cmi5_statements(first_auth, [_statement(registration, first["session_id"], "completed",
                                                       {"completion": True})])
    assert "abandoned" in str(refused.value.errors)
    assert worker.cmi5.get_registration(registration) == before


def test_a_registration_stored_before_revisions_is_changed_and_an_unknown_one_refused(integrations):
    worker = integrations()
    registration = str(uuid.uuid4())
    launched, auth = _launch(worker, registration, move_on="NotApplicable")
    assert launched["moved_on"] and worker.lrs.verbs("cmi5.lms") == ["launched", "satisfied"]
    worker.cmi5.registrations.update_one({"_id": registration}, {"$unset": {"rev": ""}})  # as stored before
    answer = worker.cmi5_statements(auth, [_statement(registration, launched["session_id"], "initialized")])
    assert answer["accepted"] == 1
    assert worker.cmi5.get_registration(registration)["rev"] == 1

    worker.cmi5.registrations.delete_one({"_id": registration})
    with pytest.raises(PermissionDenied):
        worker.cmi5_statements(auth, [_statement(registration, launched["session_id"], "terminated")])
    assert worker.cmi5.get_registration(registration) is None


def test_a_registration_changed_by_another_instance_meanwhile_is_changed_again_not_overwritten(integrations,
                                                                                                monkeypatch):
    """What MongoDB needs across instances (which the process lock cannot see): this instance
    read revision 1, another one wrote revision 2 meanwhile; the compare-and-set refuses the
    stale write and the change is applied again to revision 2 (where it breaks a rule)."""
    worker = integrations()
    registration = str(uuid.uuid4())
    launched, auth = _launch(worker, registration)
    session = launched["session_id"]
    stale = worker.cmi5.get_registration(registration)
    other = copy.deepcopy(stale)
    other["sessions"][session].update(state="initialized", verbs=["initialized"])
    worker.cmi5.registrations.replace_one({"_id": registration}, dict(other, rev=2))
    reads, read = iter([stale]), worker.cmi5.get_registration
    monkeypatch.setattr(worker.cmi5, "get_registration", lambda reg_id: next(reads, None) or read(reg_id))
    with pytest.raises(PermissionDenied) as refused:
        worker.cmi5_statements(auth, [_statement(registration, session, "initialized")])
    assert "initialized was already sent" in str(refused.value.errors)
    assert read(registration)["rev"] == 2
