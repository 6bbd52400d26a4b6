"""Fault injection on a platform of its own: no human step after any crash.

A broker and a store of the suite's own (private_infra.py: never the machine's shared ones)
and the services and gateway under the local supervisor, as `make run` runs them. For each
fault in turn, learners stream activities through the gateway into a fresh course while one
part is killed with SIGKILL mid-stream: each service, the gateway (the supervisor restarts
them), the broker and the store (restarted here, on their own data, after a few seconds).
Every activity answered 202 is kept in a ledger; a 503 (or a refused connection while the
gateway restarts) is retried with the same activity id, as a client would. Afterwards, with
no manual step, the suite waits for convergence and checks against the ledger:
- lost: accepted activities missing from the progress store;
- duplicated: quiz attempts counted more than submitted, certificates issued twice;
- 500s: any 5xx answer other than 503;
- dead letters: messages in any dead-letter queue;
- convergence: seconds from the last activity accepted until every learner's progress,
  certificate and the tenant report are right (the stream goes on while the part is down and
  after it is back: that time is in its own column).
The table of these figures is printed and written to var/faults/table.md
(docs/reliability.md keeps the last one). A poison-message case checks that undecodable
messages on each kind of consumer are dead-lettered and block nothing, and an outbox case
kills accounts between its write and its publish (its failpoint): the event still arrives.

Convergence: the same stream first runs with no fault (the control); each fault must converge
less than CONVERGENCE_GOAL (30 s) later than the control did, after its last 202: that is
what the fault costs, whatever the machine's load makes the backlog's drain take. The table
shows both times and when each part (progress, certificates, report) was first right.
"""
import concurrent.futures
import json
import os
import secrets
import sys
import threading
import time
from pathlib import Path

import pymongo
import pytest
import requests
from kombu import Connection, Exchange, Queue

from api_client import ApiClient
from isolated_env import started_platform
from mooc_common.contracts import activities as contract
from mooc_common.contracts.events.accounts import TENANT_CREATED
from mooc_common.contracts.events.progress import CERTIFICATE_ISSUED
from mooc_common.infra.outbox import FAILPOINT_ENV
from platformctl import SERVICES, platform_keys
from tests.e2e.progress_fixtures import RIGHT, WRONG, Events, activity

sys.path.insert(0, str(Path(__file__).resolve().parent))
from private_infra import PrivateFerret, PrivateRabbit  # noqa: E402

ROOT = Path(__file__).resolve().parents[2]
LEARNERS = int(os.environ.get("FAULT_LEARNERS", "50"))
OPENS_PER_LEARNER = int(os.environ.get("FAULT_OPENS", "55"))  # extra lesson_opened activities each
CONVERGENCE_DEADLINE = float(os.environ.get("FAULT_CONVERGENCE_DEADLINE", "180"))  # how long we look
CONVERGENCE_GOAL = float(os.environ.get("FAULT_CONVERGENCE_GOAL", "30"))  # what is asserted (issue 22)
BROKER_STORE_OUTAGE = 5.0  # seconds the broker or the store stays down
# "none" first: the same stream with no fault, the control each fault is compared with.
FAULTS = ("none", "accounts", "courses", "progress", "reports", "integrations", "notifications", "gateway",
          "broker", "store")
SETTINGS = {"EVENT_RETRY_DELAY_MS": "500", "EVENT_MAX_ATTEMPTS": "5", "EVENT_RETRY_MAX_DELAY_MS": "4000",
            "RPC_TIMEOUT_SECONDS": "10"}
ROWS = []
CONTROL = {}  # the no-fault run's convergence after its last 202


@pytest.fixture(scope="module")
def world():
    run = secrets.token_hex(3)
    base = ROOT / "var" / "faults" / run
    broker, store = PrivateRabbit(base / "rabbitmq"), PrivateFerret(base / "ferretdb")
    store.start()
    broker.start()
    env = dict(os.environ, AMQP_URI=broker.uri, MONGO_URI=store.uri, MONGO_DB_PREFIX=f"f{run}_",
               JWT_SECRET=secrets.token_urlsafe(48), OPERATOR_USERNAME="operator",
               OPERATOR_PASSWORD=secrets.token_urlsafe(16), **platform_keys(), **SETTINGS)
    env[FAILPOINT_ENV] = str(base / "outbox-failpoint")  # armed per service by creating <path>.<service>
    try:
        with started_platform(env, base / "log", timeout=180, supervised=True) as plat:
            yield {"platform": plat, "broker": broker, "store": store, "env": env, "base": base}
    finally:
        broker.stop()
        store.stop()
    _write_table(base.parent / "table.md")


@pytest.fixture(scope="module")
def tenant(world):
    plat = world["platform"]
    operator = ApiClient(plat.base_url).signed_in(plat.env["OPERATOR_USERNAME"], plat.env["OPERATOR_PASSWORD"])
    code = "F" + secrets.token_hex(3).upper()
    created = operator.post("/api/v1/tenants", {
        "code": code, "name": "Sở Thông tin và Truyền thông tỉnh Điện Biên", "kind": "province",
        "focal_contact": {"full_name": "Lò Văn Pấng", "mobile": "0912345678", "email": "f@example.vn"}})
    learners = []
    for i in range(LEARNERS):
        username, password = f"hv{i}.{code.lower()}", secrets.token_urlsafe(12)
        user = operator.post(f"/api/v1/tenants/{created['tenant_id']}/users", {
            "username": username, "full_name": f"Học viên Ước {i}", "role": "learner",
            "email": f"{username}@example.vn", "password": password, "category": "civil_servant"})
        learners.append({"user_id": user["user_id"], "tenant_id": created["tenant_id"],
                         "username": username, "password": password})
        sign_in(plat.base_url, learners[-1])
    def fresh_operator():
        return ApiClient(plat.base_url).signed_in(plat.env["OPERATOR_USERNAME"], plat.env["OPERATOR_PASSWORD"])
    return {"tenant_id": created["tenant_id"], "learners": learners, "operator": fresh_operator}


def sign_in(base_url, learner):
    """(Again: access tokens last 15 minutes, the suite longer.)"""
    client = ApiClient(base_url).signed_in(learner["username"], learner["password"])
    learner["token"] = client.session.headers["Authorization"]


class Stream:
    """Learners sending their activities through the gateway, retrying what was not accepted."""

    def __init__(self, base_url, course_id, learners):
        self.base_url, self.course_id, self.learners = base_url, course_id, learners
        self.accepted, self.quiz_accepted = [], {}
        self.errors_5xx, self.unavailable = [], 0
        self.lock = threading.Lock()

    def plan(self):
        c = self.course_id
        steps = [activity(c, "doc1", "lesson_opened") for _ in range(OPENS_PER_LEARNER // 2)]
        steps += [activity(c, "video1", "video_progress", percent=50.0), activity(c, "video1", "video_progress", percent=100.0),
                  activity(c, "doc1", "lesson_completed")]
        steps += [activity(c, "video1", "lesson_opened") for _ in range(OPENS_PER_LEARNER - OPENS_PER_LEARNER // 2)]
        steps += [activity(c, "quiz1", "quiz_submitted", answers=WRONG), activity(c, "quiz1", "quiz_submitted", answers=RIGHT)]
        return steps

    def total(self):
        return len(self.learners) * len(self.plan())

    def run_learner(self, learner):
        session = requests.Session()
        session.headers["Authorization"] = learner["token"]
        for step in self.plan():
            step["occurred_at"] = activity(self.course_id, "x")["occurred_at"]
            while True:  # the same activity id until accepted: a retry is never a new activity
                try:
                    answer = session.post(f"{self.base_url}/api/v1/activities", json=step, timeout=30)
                except requests.RequestException:
                    with self.lock:
                        self.unavailable += 1
                    time.sleep(0.5)
                    continue
                if answer.status_code == 202:
                    with self.lock:
                        self.accepted.append((learner["user_id"], step["activity_id"]))
                        if step["kind"] == "quiz_submitted":
                            self.quiz_accepted[learner["user_id"]] = self.quiz_accepted.get(learner["user_id"], 0) + 1
                    break
                if answer.status_code == 401:
                    sign_in(self.base_url, learner)
                    session.headers["Authorization"] = learner["token"]
                    continue
                if answer.status_code >= 500 and answer.status_code != 503:
                    with self.lock:
                        self.errors_5xx.append((answer.status_code, answer.text[:300]))
                elif answer.status_code == 503:
                    with self.lock:
                        self.unavailable += 1
                elif answer.status_code not in (404, 409):  # 404: the enrollment not known yet
                    raise AssertionError(f"unexpected {answer.status_code}: {answer.text[:300]}")
                time.sleep(0.5)


def _kill_service(world, name):
    pid = world["platform"].status()[name]
    os.kill(pid, 9)
    deadline = time.monotonic() + 120  # the supervisor restarts it; "back" = its new process runs
    while world["platform"].status()[name] in (None, pid):
        assert time.monotonic() < deadline, f"{name} was not restarted"
        time.sleep(0.1)


def _kill_and_restart(part):
    part.kill9()
    time.sleep(BROKER_STORE_OUTAGE)
    part.start(timeout=120)


def _dead_letters(amqp_uri):
    found = {}
    with Connection(amqp_uri) as conn:
        for service in SERVICES:
            channel = conn.channel()
            try:
                found[service] = channel.queue_declare(queue=f"dead-letter.{service}", passive=True).message_count
            except Exception:
                found[service] = 0
            finally:
                try:
                    channel.close()
                except Exception:
                    pass
    return found


class CertificateTap:
    """A durable queue bound to certificate.issued: survives a broker restart."""

    def __init__(self, amqp_uri, course_id):
        self.amqp_uri = amqp_uri
        self.queue = Queue(f"faults-tap-{course_id}", exchange=Exchange("progress.events", type="topic", durable=True),
                           routing_key=CERTIFICATE_ISSUED.type, durable=True)
        with Connection(amqp_uri) as conn:
            self.queue(conn.default_channel).declare()

    def certificate_ids_by_enrollment(self):
        seen = {}
        with Connection(self.amqp_uri) as conn:
            channel = conn.channel()
            while True:
                message = channel.basic_get(self.queue.name, no_ack=False)
                if message is None:
                    break
                payload = json.loads(message.body)["payload"]
                seen.setdefault(payload["enrollment_id"], set()).add(payload["certificate_id"])
            channel.close()  # unacked: they stay for the next look
        return seen


def _learner_progress(base_url, course_id, learner):
    url = f"{base_url}/api/v1/me/courses/{course_id}/progress"
    answer = requests.get(url, headers={"Authorization": learner["token"]}, timeout=30)
    if answer.status_code == 401:
        sign_in(base_url, learner)
        answer = requests.get(url, headers={"Authorization": learner["token"]}, timeout=30)
    return answer.json() if answer.status_code == 200 else None


def _converged(world, tenant, operator, stream, course_id, enrollments, tap, seen):
    """One look at every figure. ``seen`` keeps what was already right (an activity stored, a
    learner complete, stays so): each look asks only about the rest, by _id and in parallel,
    so that looking does not itself slow the platform down (a ``$in`` over the growing
    activities collection is a full scan on the local store: seconds per look)."""
    learners = [l for l in tenant["learners"] if l["user_id"] not in seen["complete"]]
    with concurrent.futures.ThreadPoolExecutor(8) as pool:
        answers = list(pool.map(lambda l: (l, _learner_progress(world["platform"].base_url, course_id, l)),
                                learners))
    if any(progress is None for _, progress in answers):
        return None
    for learner, progress in answers:
        quiz = next(l for l in progress["lessons"] if l["lesson_id"] == "quiz1")["quiz"]
        seen["overcounted"][learner["user_id"]] = max(
            0, quiz["attempts_used"] - stream.quiz_accepted.get(learner["user_id"], 0))
        if progress["status"] == "completed" and progress["certificate"]:
            seen["complete"].add(learner["user_id"])
    complete = len(seen["complete"])
    if complete == len(tenant["learners"]):  # then (only) look for every accepted activity
        db = seen.setdefault("db", pymongo.MongoClient(world["store"].uri, serverSelectionTimeoutMS=3000)[
            f"{world['env']['MONGO_DB_PREFIX']}progress"])
        missing = [f"{learner}:{activity_id}" for learner, activity_id in stream.accepted
                   if f"{learner}:{activity_id}" not in seen["activities"]]
        with concurrent.futures.ThreadPoolExecutor(8) as pool:
            found = pool.map(lambda i: i if db["activities"].find_one({"_id": i}, {"_id": 1}) else None, missing)
            seen["activities"].update(i for i in found if i)
    lost = len(stream.accepted) - len(seen["activities"])
    report = operator.get(f"/api/v1/tenants/{tenant['tenant_id']}/report", expect=(200, 503))
    row = next((c for c in (report or {}).get("by_course", []) if c["course_id"] == course_id), None)
    certificates = tap.certificate_ids_by_enrollment()
    duplicate_certificates = sum(len(ids) - 1 for ids in certificates.values())
    parts = {"progress": lost == 0 and complete == len(tenant["learners"]),
             "certificates": len(certificates) == len(enrollments),
             "report": row is not None and row.get("completions") == len(tenant["learners"])}
    if all(parts.values()):  # a last look at every learner: no attempt counted twice since
        with concurrent.futures.ThreadPoolExecutor(8) as pool:
            for learner, progress in pool.map(
                    lambda l: (l, _learner_progress(world["platform"].base_url, course_id, l)), tenant["learners"]):
                quiz = next(l for l in progress["lessons"] if l["lesson_id"] == "quiz1")["quiz"]
                seen["overcounted"][learner["user_id"]] = max(
                    0, quiz["attempts_used"] - stream.quiz_accepted.get(learner["user_id"], 0))
    return {"parts": parts, "lost": lost, "duplicated": sum(seen["overcounted"].values()),
            "duplicate_certificates": duplicate_certificates, "done": all(parts.values()),
            "complete": complete, "report_completions": row and row.get("completions"),
            "certificates_seen": len(certificates)}


def test_poison_messages_are_dead_lettered_and_block_nothing(world, tenant):
    """Not JSON and text/plain on the activity queue, the reports projector's queue, an event
    handler's queue and notifications' hand-over queue: each is dead-lettered by its consumer;
    activities still flow."""
    uri = world["env"]["AMQP_URI"]
    before = _dead_letters(uri)
    targets = {contract.INGEST_QUEUE: "progress", "reports.projector": "reports",
               "evt-accounts-accounts.tenant.created.v1--courses.on_tenant_created": "courses",
               "notifications.activation_mails": "notifications"}  # accounts' private hand-over
    with Connection(uri) as conn:
        producer = conn.Producer()
        for queue in targets:
            producer.publish(b"\x00{not json", exchange="", routing_key=queue, content_type="application/json",
                             content_encoding="binary", delivery_mode=2)
            producer.publish(b"plain words", exchange="", routing_key=queue, content_type="text/plain",
                             content_encoding="utf-8", delivery_mode=2)
    events = Events(uri)
    course_id = events.course(tenant["tenant_id"])
    learner = tenant["learners"][0]
    events.enroll(course_id, tenant["tenant_id"], learner)
    stream = Stream(world["platform"].base_url, course_id, [learner])
    stream.run_learner(learner)
    deadline = time.monotonic() + CONVERGENCE_DEADLINE
    while True:
        after = _dead_letters(uri)
        if all(after[s] - before[s] == 2 * list(targets.values()).count(s) for s in set(targets.values())):
            break
        assert time.monotonic() < deadline, (before, after)
        time.sleep(0.5)
    answer = requests.get(f"{world['platform'].base_url}/api/v1/me/courses/{course_id}/progress",
                          headers={"Authorization": learner["token"]}, timeout=30)
    while answer.json().get("status") != "completed":  # the activity queue went on past the poison
        assert time.monotonic() < deadline
        time.sleep(0.5)
        answer = requests.get(answer.url, headers={"Authorization": learner["token"]}, timeout=30)
    ROWS.append({"fault": f"poison messages ({2 * len(targets)})", "accepted": len(stream.accepted), "lost": 0, "duplicated": 0,
                 "duplicate certificates": 0, "5xx other than 503": len(stream.errors_5xx),
                 "503 / refused (retried)": stream.unavailable,
                 "dead letters": f"{sum(after.values()) - sum(before.values())} (the poison)", "down (s)": 0,
                 "stream after back (s)": "-", "converged after last 202 (s)": "-"})
    with Connection(uri) as conn:  # the poison was inspected: clear it for the faults that follow
        for service in set(targets.values()):
            conn.channel().queue_purge(f"dead-letter.{service}")


def test_kill_9_accounts_between_its_write_and_its_publish(world, tenant):
    """The outbox: accounts dies (SIGKILL, by its failpoint) after storing a new tenant and
    before publishing tenant.created; the supervisor restarts it and the event still arrives
    (the outbox sweeper), within the convergence goal, with no manual step."""
    plat, uri = world["platform"], world["env"]["AMQP_URI"]
    code = "K" + secrets.token_hex(3).upper()
    tap = Queue(f"faults-tap-tenants-{code}", exchange=Exchange("accounts.events", type="topic", durable=True),
                routing_key=TENANT_CREATED.type, durable=True)
    with Connection(uri) as conn:
        tap(conn.default_channel).declare()
    operator = tenant["operator"]()
    pid = plat.status()["accounts"]
    Path(f"{world['env'][FAILPOINT_ENV]}.accounts").touch()
    killed_at = time.monotonic()  # within milliseconds: the first write with an event is this one
    answer = operator.response("POST", "/api/v1/tenants", json={
        "code": code, "name": "Sở Nội vụ tỉnh Lai Châu", "kind": "province",
        "focal_contact": {"full_name": "Lò Thị Mai", "mobile": "0912345678", "email": "k@example.vn"}})
    # The caller gets no confirmation: 503 when its call timed out, or 409 when the restarted
    # accounts ran the redelivered request (never acked) and met the tenant already stored.
    assert answer.status_code in (503, 409), answer.text[:300]
    assert not Path(f"{world['env'][FAILPOINT_ENV]}.accounts").exists()  # the failpoint fired
    deadline = killed_at + 120
    while plat.status()["accounts"] in (None, pid):
        assert time.monotonic() < deadline, "accounts was not restarted"
        time.sleep(0.1)
    back_at, received = time.monotonic(), []
    while not received:
        assert time.monotonic() < back_at + CONVERGENCE_GOAL, "tenant.created never arrived"
        with Connection(uri) as conn:
            message = conn.default_channel.basic_get(tap.name, no_ack=True)
        if message is None:
            time.sleep(0.2)
            continue
        received.append(json.loads(message.body))
    arrived_at = time.monotonic()
    assert received[0]["payload"]["code"] == code
    stored = operator.get(f"/api/v1/tenants/{received[0]['payload']['tenant_id']}")
    assert stored["code"] == code
    ROWS.append({"fault": "kill -9 accounts between write and publish", "accepted": 1, "lost": 0,
                 "duplicated": 0, "duplicate certificates": 0, "5xx other than 503": 0,
                 "503 / refused (retried)": f"1 ({answer.status_code})", "dead letters": 0,
                 "down (s)": round(back_at - killed_at, 1),
                 "stream after back (s)": "-", "converged after last 202 (s)": round(arrived_at - back_at, 1)})
    print("\n" + _table(ROWS[-1:]))


@pytest.mark.parametrize("fault", FAULTS)
def test_fault(world, tenant, fault):
    plat, events = world["platform"], Events(world["env"]["AMQP_URI"])
    course_id = events.course(tenant["tenant_id"])
    tap = CertificateTap(world["env"]["AMQP_URI"], course_id)
    enrollments = [events.enroll(course_id, tenant["tenant_id"], learner) for learner in tenant["learners"]]
    stream = Stream(plat.base_url, course_id, tenant["learners"])
    dead_before = _dead_letters(world["env"]["AMQP_URI"])
    with concurrent.futures.ThreadPoolExecutor(len(tenant["learners"])) as pool:
        running = [pool.submit(stream.run_learner, learner) for learner in tenant["learners"]]
        deadline = time.monotonic() + 300
        while len(stream.accepted) < stream.total() // 3:  # mid-stream
            assert time.monotonic() < deadline, "the stream did not get going"
            time.sleep(0.05)
        started = time.monotonic()
        if fault in SERVICES or fault == "gateway":
            _kill_service(world, fault)
        elif fault != "none":
            _kill_and_restart(world["broker"] if fault == "broker" else world["store"])
        back_at = time.monotonic()
        for future in running:
            future.result(timeout=600)
    stream_done = time.monotonic()
    operator = None
    deadline, state, right_at = time.monotonic() + CONVERGENCE_DEADLINE, None, {}
    seen = {"activities": set(), "complete": set(), "overcounted": {}}
    while time.monotonic() < deadline:
        try:
            operator = operator or tenant["operator"]()  # the gateway may be restarting
            state = _converged(world, tenant, operator, stream, course_id, enrollments, tap, seen)
        except Exception as exc:  # the platform may still be coming back: look again
            state = {"error": repr(exc)}
        for part, right in (state.get("parts") or {}).items():
            if right:  # when each part first became right: which one converges last, and why
                right_at.setdefault(part, round(time.monotonic() - stream_done, 1))
        if state and state.get("done"):
            break
        time.sleep(0.5)
    converged_at = time.monotonic()
    converged = round(converged_at - stream_done, 1)
    if fault == "none":
        CONTROL["converged"] = converged
    beyond = round(converged - CONTROL.get("converged", 0.0), 1)
    dead = {s: n - dead_before.get(s, 0) for s, n in _dead_letters(world["env"]["AMQP_URI"]).items()}
    ROWS.append({"fault": "no fault (control)" if fault == "none" else f"kill -9 {fault}",
                 "accepted": len(stream.accepted),
                 "lost": (state or {}).get("lost"), "duplicated": (state or {}).get("duplicated"),
                 "duplicate certificates": (state or {}).get("duplicate_certificates"),
                 "5xx other than 503": len(stream.errors_5xx), "503 / refused (retried)": stream.unavailable,
                 "dead letters": sum(dead.values()), "down (s)": round(back_at - started, 1),
                 "stream after back (s)": round(stream_done - back_at, 1),
                 "converged after last 202 (s)": converged if state and state.get("done") else "never",
                 "beyond the control (s)": beyond if fault != "none" else "-",
                 "right after (s): progress / certificates / report": " / ".join(
                     str(right_at.get(p, "-")) for p in ("progress", "certificates", "report"))})
    print("\n" + _table(ROWS[-1:]))
    assert state and state.get("done"), f"did not converge within {CONVERGENCE_DEADLINE}s: {state}"
    # The goal is about healing: what the fault adds to the time the same stream takes to be
    # absorbed without any fault, measured in this run (on a loaded 2-core machine, draining
    # the 3,000-activity backlog alone takes tens of seconds: that is throughput, issue 15).
    assert beyond < CONVERGENCE_GOAL, (
        f"converged {converged}s after the last 202, {beyond}s beyond the no-fault control "
        f"({CONTROL.get('converged')}s), over {CONVERGENCE_GOAL}s; right after (s): {right_at}")
    assert state["lost"] == 0 and state["duplicated"] == 0 and state["duplicate_certificates"] == 0
    assert stream.errors_5xx == [], stream.errors_5xx[:3]
    assert sum(dead.values()) == 0, dead


def _table(rows):
    if not rows:
        return ""
    columns = list(dict.fromkeys(c for row in rows for c in row))
    lines = ["| " + " | ".join(columns) + " |", "|" + "---|" * len(columns)]
    lines += ["| " + " | ".join(str(row.get(c, "-")) for c in columns) + " |" for row in rows]
    return "\n".join(lines)


def _write_table(path):
    path.parent.mkdir(parents=True, exist_ok=True)
    header = (f"{LEARNERS} learners, {LEARNERS * (OPENS_PER_LEARNER + 5)} activities per fault, "
              f"measured {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}\n\n")
    path.write_text(header + _table(ROWS) + "\n")
    print("\n" + header + _table(ROWS))
