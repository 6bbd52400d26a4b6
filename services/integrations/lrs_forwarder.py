"""Forwarding xAPI statements to Learning Record Stores: batched POSTs, backoff, dead-letter.

One feeder greenthread per active LRS configuration takes the due statements from the
outbox and POSTs them in batches of ``LRS_BATCH_SIZE``, as JSON arrays, to
``<endpoint>/statements`` (xAPI 1.0.3, Basic auth), ``LRS_CONCURRENCY`` batches at once
(an LRS answers a batch in 0.5-2.5 s here, mostly its own store's work). A 2xx deletes them from the outbox; a network error, 401/403,
408, 429 or 5xx retries the whole batch with exponential backoff (domain.backoff) up to
``LRS_MAX_ATTEMPTS``; a refusal that a retry cannot fix (another 4xx), or the last attempt,
moves the batch to ``xapi_dead``, which the admin replays. A crash after the LRS stored a
batch but before the outbox was updated re-sends identical statements under the same ids:
the LRS keeps each id once (xAPI 1.0.3 §2.2.4: same id and content is not a conflict).
"""
import base64
import json
import logging
from dataclasses import dataclass

import eventlet
from eventlet.greenpool import GreenPool
import requests
from cryptography.fernet import Fernet, InvalidToken
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from nameko.extensions import DependencyProvider

from mooc_common.contracts import tokens, xapi
from mooc_common.infra.store import service_database, utcnow

from . import domain
from .lrs_storage import LrsStore
from .xapi_statements import FORWARDED_TYPES, statement
from mooc_common.infra.settings import flag, settings_from

log = logging.getLogger(__name__)

IDLE_POLL_SECONDS = 0.2
RETRYABLE = {401, 403, 408, 429}
RESPONSE_EXCERPT = 300


@dataclass(frozen=True)
class LrsSettings:
    batch_size: int = 100
    concurrency: int = 2
    max_attempts: int = 10
    backoff_base_ms: int = 1000
    backoff_max_ms: int = 600_000
    timeout_s: float = 10.0
    allow_loopback_http: bool = False
    public_base_url: str = "http://localhost:8000"

    @classmethod
    def from_config(cls, config):
        return settings_from(cls, config, {
            "batch_size": ("LRS_BATCH_SIZE", int), "concurrency": ("LRS_CONCURRENCY", int),
            "max_attempts": ("LRS_MAX_ATTEMPTS", int), "backoff_base_ms": ("LRS_BACKOFF_BASE_MS", int),
            "backoff_max_ms": ("LRS_BACKOFF_MAX_MS", int), "timeout_s": ("LRS_TIMEOUT_SECONDS", float),
            # One switch for every outbound call to loopback http (tests, local runs).
            "allow_loopback_http": ("WEBHOOK_ALLOW_LOOPBACK_HTTP", flag),
            "public_base_url": ("PUBLIC_BASE_URL", str)})


class CredentialCipher:
    """Fernet (AES-128-CBC + HMAC-SHA256) with a key derived by HKDF from the platform secret,
    under its own label: LRS passwords at rest are useless without the deployment's secret."""

    def __init__(self, secret):
        self.fernet = None  # without a real secret, storing credentials fails loudly
        if secret and len(secret) >= 32:
            key = HKDF(algorithm=hashes.SHA256(), length=32, salt=None,
                       info=b"mooc lrs credentials v1").derive(secret.encode())
            self.fernet = Fernet(base64.urlsafe_b64encode(key))

    def _cipher(self):
        if self.fernet is None:
            raise RuntimeError("LRS_CREDENTIALS_KEY (or JWT_SECRET) must be set to store LRS credentials")
        return self.fernet

    def encrypt(self, text):
        return self._cipher().encrypt(text.encode()).decode()

    def decrypt(self, token):
        try:
            return self._cipher().decrypt(token.encode()).decode()
        except InvalidToken:
            raise ValueError("LRS credentials cannot be decrypted with this deployment's secret")


def post_statements(config, password, statements_json, timeout_s):
    """One batched POST; never raises: returns {status_code, error}."""
    body = "[" + ",".join(statements_json) + "]"
    auth = base64.b64encode(f"{config['username']}:{password}".encode()).decode()
    headers = {"Content-Type": "application/json; charset=utf-8", "Authorization": f"Basic {auth}",
               "X-Experience-API-Version": xapi.XAPI_VERSION, "User-Agent": "mooc-xapi/1"}
    outcome = {"status_code": None, "error": None}
    try:
        with eventlet.Timeout(timeout_s, TimeoutError(f"no complete answer within {timeout_s}s")):
            response = requests.post(config["endpoint"].rstrip("/") + "/statements", data=body.encode(),
                                     headers=headers, timeout=(min(3.0, timeout_s), timeout_s),
                                     allow_redirects=False)
            outcome["status_code"] = response.status_code
            if response.status_code >= 300:
                outcome["error"] = response.text[:RESPONSE_EXCERPT]
    except Exception as exc:  # refused, reset, timeout: a failed attempt
        outcome["error"] = f"{type(exc).__name__}: {exc}"[:RESPONSE_EXCERPT]
    return outcome


def verdict(outcome, attempts, max_attempts):
    """delivered | retry | dead, for a batch after its ``attempts``-th attempt."""
    code = outcome["status_code"]
    if code is not None and 200 <= code < 300:
        return "delivered"
    retryable = code is None or code >= 500 or code in RETRYABLE
    return "retry" if retryable and attempts < max_attempts else "dead"


class LrsForwarder(DependencyProvider):
    def setup(self):
        config = self.container.config
        self.settings = LrsSettings.from_config(config)
        # Its own key (platformctl derives it); a deployment that gives the master instead
        # (the Kubernetes base does) has it derived here, as the gateway derives its own.
        key = config.get("LRS_CREDENTIALS_KEY") or (
            tokens.lrs_credentials_key(config["JWT_SECRET"]) if config.get("JWT_SECRET") else "")
        self.cipher = CredentialCipher(key)
        self.store = LrsStore(service_database(config, self.container.service_name))
        self.outbox = StatementOutbox(self.store, self.settings.public_base_url)
        self.feeders = {}  # config id -> its feeder greenthread

    def get_dependency(self, worker_ctx):
        return self

    def tick(self):
        """Keep one feeder per active configuration; stop those of deleted ones."""
        active = {c["_id"] for c in self.store.active_configs()}
        for gone in set(self.feeders) - active:
            self.feeders.pop(gone).kill()
        for config_id in active:
            feeder = self.feeders.get(config_id)
            if feeder is None or feeder.dead:
                self.feeders[config_id] = self.container.spawn_managed_thread(
                    lambda cid=config_id: self._feed(cid))

    def _feed(self, config_id):
        pool = GreenPool(self.settings.concurrency)
        size = self.settings.batch_size
        try:
            while True:
                config = self.store.get_config(config_id)
                if not config or config["status"] != "active":
                    return
                due = self.store.due(config_id, utcnow(), size * self.settings.concurrency)
                if not due:
                    eventlet.sleep(IDLE_POLL_SECONDS)
                    continue
                # Each batch's outcome is recorded by its own greenthread; the next scan waits
                # for all of them, so no statement is ever in two batches at once.
                for _ in pool.imap(lambda batch: self._send(config, batch),
                                   [due[i:i + size] for i in range(0, len(due), size)]):
                    pass
        except Exception:
            log.exception("LRS feeder of %s stopped; the next tick restarts it", config_id)
            eventlet.sleep(1)

    def _send(self, config, batch):
        outcome = post_statements(config, self.cipher.decrypt(config["password"]),
                                  [d["statement"] for d in batch], self.settings.timeout_s)
        attempts = max(d["attempts"] for d in batch) + 1
        self.store.record_outcome(config["_id"], outcome)
        state = verdict(outcome, attempts, self.settings.max_attempts)
        if state == "delivered":
            self.store.delivered(config["_id"], batch)
        elif state == "retry":
            self.store.failed(batch, attempts, utcnow() + domain.backoff(
                attempts, self.settings.backoff_base_ms, self.settings.backoff_max_ms))
        else:
            log.warning("%d statements for LRS %s dead after %d attempts: %s", len(batch), config["_id"],
                        attempts, outcome["error"])
            self.store.to_dead(batch, attempts, outcome)

    # -- called by the cmi5 entrypoints ------------------------------------------------------
    def enqueue_statements(self, tenant, docs, kind):
        return self.outbox.enqueue_statements(tenant, docs, kind)


class StatementOutbox:
    """Queues statements for the LRS configurations that want their tenant (the forwarder's
    feeders send them): the relay's path for public events, the cmi5 entrypoints' for theirs."""

    def __init__(self, store, public_base_url):
        self.store, self.public_base_url = store, public_base_url

    def enqueue_events(self, events, relayed_before=lambda event_ids: set()):
        """Queue the statements of many public events, ``(event type, event id, tenant, wire
        body)``: one read of the configurations per tenant and one bulk insert for them all.
        The outbox forgets a statement once delivered, so its id alone cannot keep a redelivered
        event from being sent twice: ``relayed_before(event ids)`` names the events whose
        statements were queued already (asked only about events that have an LRS to go to)."""
        configs, wanted = {}, []
        for event_type, event_id, tenant, body in events:
            if event_type not in FORWARDED_TYPES:
                continue
            if tenant not in configs:
                configs[tenant] = self.store.configs_for(tenant)
            if configs[tenant]:
                wanted.append((event_type, event_id, tenant, body))
        done = relayed_before([event_id for _, event_id, _, _ in wanted]) if wanted else set()
        outbox = []
        for event_type, event_id, tenant, body in wanted:
            doc = None if event_id in done else statement(self.public_base_url, event_type, json.loads(body))
            if doc is not None:
                outbox += self._outbox_docs(configs[tenant], tenant, [doc], event_type)
        return self.store.enqueue(outbox)

    def enqueue_statements(self, tenant, docs, kind):
        """Queue ready statements (each with its id) for every LRS configuration that wants the
        tenant; ``kind`` says where they come from (an event type, ``cmi5.lms``, ``cmi5.au``)."""
        return self.store.enqueue(self._outbox_docs(self.store.configs_for(tenant) if docs else [],
                                                    tenant, docs, kind))

    def _outbox_docs(self, configs, tenant, docs, kind):
        texts = [(doc["id"], json.dumps(doc, ensure_ascii=False, sort_keys=True, separators=(",", ":")))
                 for doc in docs]
        return [self.store.outbox_doc(c["_id"], statement_id, text, tenant, kind)
                for c in configs for statement_id, text in texts]
