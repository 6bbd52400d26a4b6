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
messages on each kind of consumer are dead-lettered and block nothing.

Timing is reported, not asserted tightly: convergence must happen within CONVERGENCE_DEADLINE
(generous, for a loaded machine); the measured times are in the table.
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
from mooc_common.contracts.events.progress import CERTIFICATE_ISSUED
from platformctl import SERVICES
from tests.e2e.progress_fixtures import RIGHT, WRONG, Events, activity

sys.path.insert(0, str(Path(__file__).resolve().parent))
from private_infra import PrivateFerret, PrivateRabbit  # noqa: E402

ROOT = Path(__file__).resolve().parents[2]
LEARNERS = int(os.environ.get("FAULT_LEARNERS", "50"))
OPENS_PER_LEARNER = int(os.environ.get("FAULT_OPENS", "55"))  # extra lesson_opened activities each
CONVERGENCE_DEADLINE = float(os.environ.get("FAULT_CONVERGENCE_DEADLINE", "180"))
BROKER_STORE_OUTAGE = 5.0  # seconds the broker or the store stays down
FAULTS = ("accounts", "courses", "progress", "reports", "integrations", "gateway", "broker", "store")
SETTINGS = {"EVENT_RETRY_DELAY_MS": "500", "EVENT_MAX_ATTEMPTS": "5", "EVENT_RETRY_MAX_DELAY_MS": "4000",
            "RPC_TIMEOUT_SECONDS": "10"}
ROWS = []


@pytest.fixture(scope="module")
def world():
    run = secrets.token_hex(3)
    base = ROOT / "var" / "faults" / run
    broker, store = PrivateRabbit(base / "rabbitmq"), PrivateFerret(base / "ferretdb")
    store.start()
    broker.start()
    env = dict(os.environ, AMQP_URI=broker.uri, MONGO_URI=store.uri, MONGO_DB_PREFIX=f"f{run}_",
               JWT_SECRET=secrets.token_urlsafe(48), OPERATOR_USERNAME="operator",
               OPERATOR_PASSWORD=secrets.token_urlsafe(16), **SETTINGS)
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


def _converged(world, tenant, operator, stream, course_id, enrollments, tap):
    store = pymongo.MongoClient(world["store"].uri, serverSelectionTimeoutMS=3000)
    db = store[f"{world['env']['MONGO_DB_PREFIX']}progress"]
    ids = [f"{learner}:{activity_id}" for learner, activity_id in stream.accepted]
    found = set()
    for chunk in range(0, len(ids), 200):
        found |= {d["_id"] for d in db["activities"].find({"_id": {"$in": ids[chunk:chunk + 200]}}, {"_id": 1})}
    lost = len(set(ids) - found)
    overcounted, complete = 0, 0
    for learner in tenant["learners"]:
        url = f"{world['platform'].base_url}/api/v1/me/courses/{course_id}/progress"
        answer = requests.get(url, headers={"Authorization": learner["token"]}, timeout=30)
        if answer.status_code == 401:
            sign_in(world["platform"].base_url, learner)
            answer = requests.get(url, headers={"Authorization": learner["token"]}, timeout=30)
        if answer.status_code != 200:
            return None
        progress = answer.json()
        quiz = next(l for l in progress["lessons"] if l["lesson_id"] == "quiz1")["quiz"]
        overcounted += max(0, quiz["attempts_used"] - stream.quiz_accepted.get(learner["user_id"], 0))
        complete += progress["status"] == "completed" and bool(progress["certificate"])
    report = operator.get(f"/api/v1/tenants/{tenant['tenant_id']}/report", expect=(200, 503))
    row = next((c for c in (report or {}).get("by_course", []) if c["course_id"] == course_id), None)
    certificates = tap.certificate_ids_by_enrollment()
    duplicate_certificates = sum(len(ids) - 1 for ids in certificates.values())
    done = (lost == 0 and complete == len(tenant["learners"]) and row is not None
            and row.get("completions") == len(tenant["learners"]) and len(certificates) == len(enrollments))
    return {"lost": lost, "duplicated": overcounted, "duplicate_certificates": duplicate_certificates, "done": done,
            "complete": complete, "report_completions": row and row.get("completions"),
            "certificates_seen": len(certificates)}


def test_poison_messages_are_dead_lettered_and_block_nothing(world, tenant):
    """Not JSON and text/plain on the activity queue, the reports projector's queue and an
    event handler's queue: each is dead-lettered by its consumer; activities still flow."""
    uri = world["env"]["AMQP_URI"]
    before = _dead_letters(uri)
    targets = {contract.INGEST_QUEUE: "progress", "reports.projector": "reports",
               "evt-accounts-accounts.tenant.created.v1--courses.on_tenant_created": "courses"}
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
    ROWS.append({"fault": "poison messages (6)", "accepted": len(stream.accepted), "lost": 0, "duplicated": 0,
                 "duplicate certificates": 0, "5xx other than 503": len(stream.errors_5xx),
                 "503 / refused (retried)": stream.unavailable,
                 "dead letters": f"{sum(after.values()) - sum(before.values())} (the poison)", "down (s)": 0,
                 "stream after back (s)": "-", "converged after last 202 (s)": "-"})
    with Connection(uri) as conn:  # the poison was inspected: clear it for the faults that follow
        for service in set(targets.values()):
            conn.channel().queue_purge(f"dead-letter.{service}")


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
        else:
            _kill_and_restart(world["broker"] if fault == "broker" else world["store"])
        back_at = time.monotonic()
        for future in running:
            future.result(timeout=600)
    stream_done = time.monotonic()
    operator = None
    deadline, state = time.monotonic() + CONVERGENCE_DEADLINE, None
    while time.monotonic() < deadline:
        try:
            operator = operator or tenant["operator"]()  # the gateway may be restarting
            state = _converged(world, tenant, operator, stream, course_id, enrollments, tap)
        except Exception as exc:  # the platform may still be coming back: look again
            state = {"error": repr(exc)}
        if state and state.get("done"):
            break
        time.sleep(0.5)
    converged_at = time.monotonic()
    dead = {s: n - dead_before.get(s, 0) for s, n in _dead_letters(world["env"]["AMQP_URI"]).items()}
    ROWS.append({"fault": f"kill -9 {fault}", "accepted": len(stream.accepted),
                 "lost": (state or {}).get("lost"), "duplicated": (state or {}).get("duplicated"),
                 "duplicate certificates": (state or {}).get("duplicate_certificates"),
                 "5xx other than 503": len(stream.errors_5xx), "503 / refused (retried)": stream.unavailable,
                 "dead letters": sum(dead.values()), "down (s)": round(back_at - started, 1),
                 "stream after back (s)": round(stream_done - back_at, 1),
                 "converged after last 202 (s)": round(converged_at - stream_done, 1)
                 if state and state.get("done") else "never"})
    print("\n" + _table(ROWS[-1:]))
    assert state and state.get("done"), f"did not converge within {CONVERGENCE_DEADLINE}s: {state}"
    assert state["lost"] == 0 and state["duplicated"] == 0 and state["duplicate_certificates"] == 0
    assert stream.errors_5xx == [], stream.errors_5xx[:3]
    assert sum(dead.values()) == 0, dead


def _table(rows):
    if not rows:
        return ""
    columns = list(rows[0])
    lines = ["| " + " | ".join(columns) + " |", "|" + "---|" * len(columns)]
    lines += ["| " + " | ".join(str(row[c]) for c in columns) + " |" for row in rows]
    return "\n".join(lines)


def _write_table(path):
    path.parent.mkdir(parents=True, exist_ok=True)
    header = (f"{LEARNERS} learners, {LEARNERS * (OPENS_PER_LEARNER + 5)} activities per fault, "
              f"measured {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}\n\n")
    path.write_text(header + _table(ROWS) + "\n")
    print("\n" + header + _table(ROWS))
