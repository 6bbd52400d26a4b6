"""Webhook delivery: signed POSTs, retried with exponential backoff, then dead-lettered.

Isolation: each subscriber has its own small green pool (``WEBHOOK_CONCURRENCY`` requests
at once) and every attempt has a hard deadline (``WEBHOOK_TIMEOUT_SECONDS``), so a slow or
dead endpoint holds at most its own pool; event handling never waits for HTTP (handlers
only insert deliveries). One feeder greenthread per subscriber hands its due deliveries to
its pool; a delivery being sent is in ``inflight`` and is not picked again, so only one
greenthread updates it. At least once: a delivery stays pending until a 2xx is recorded; a
crash mid-send sends it again. Several replicas may both send one delivery (duplicates,
never losses): receivers deduplicate on the event id.
"""
import datetime as dt
import ipaddress
import logging
import socket
import time
import urllib.parse
from dataclasses import dataclass

import certifi
import eventlet
import urllib3
from eventlet.greenpool import GreenPool
from nameko.extensions import DependencyProvider

from mooc_common.infra.settings import flag, settings_from
from mooc_common.infra.store import service_database

from . import domain
from .storage import IntegrationsStore, now

log = logging.getLogger(__name__)

RESPONSE_EXCERPT = 500
SCAN_LIMIT = 200
IDLE_POLL_SECONDS = 0.2


@dataclass(frozen=True)
class WebhookSettings:
    max_attempts: int = 8
    backoff_base_ms: int = 1000
    backoff_max_ms: int = 3600_000
    timeout_s: float = 5.0
    concurrency: int = 4
    allow_loopback_http: bool = False
    retention_days: int = 30  # of the event log that replays read

    @classmethod
    def from_config(cls, config):
        return settings_from(cls, config, {
            "max_attempts": ("WEBHOOK_MAX_ATTEMPTS", int), "backoff_base_ms": ("WEBHOOK_BACKOFF_BASE_MS", int),
            "backoff_max_ms": ("WEBHOOK_BACKOFF_MAX_MS", int), "timeout_s": ("WEBHOOK_TIMEOUT_SECONDS", float),
            "concurrency": ("WEBHOOK_CONCURRENCY", int),
            "allow_loopback_http": ("WEBHOOK_ALLOW_LOOPBACK_HTTP", flag),
            "retention_days": ("EVENT_LOG_RETENTION_DAYS", int)})


class EndpointRefused(Exception):
    """The endpoint's name does not resolve to public addresses only."""


def pinned_target(url, allow_loopback_http=False, resolve=None):
    """(scheme, Host header, port, address, path) with the URL's host resolved once, here.

    Every address the name resolves to must be public (loopback only for plain-http test
    endpoints with ``allow_loopback_http``), and the connection goes to that address: the
    name is not resolved again by the HTTP client, so a DNS answer that changes between the
    check and the connection (rebinding) cannot redirect the POST inside the network."""
    parts = urllib.parse.urlsplit(url)
    if parts.scheme not in ("https", "http") or (parts.scheme == "http" and not allow_loopback_http):
        raise EndpointRefused(url)
    host = domain.endpoint_host(url)
    port = parts.port or (443 if parts.scheme == "https" else 80)
    try:
        infos = (resolve or socket.getaddrinfo)(host, port, type=socket.SOCK_STREAM)
    except OSError:
        raise EndpointRefused(url) from None
    addresses = [ipaddress.ip_address(info[4][0].split("%")[0]) for info in infos]
    if not addresses or not all(domain.is_public(a, allow_loopback=parts.scheme == "http") for a in addresses):
        raise EndpointRefused(url)
    path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    return parts.scheme, parts.netloc.rsplit("@", 1)[-1], port, str(addresses[0]), host, path


def _send(target, body, headers, timeout_s):
    scheme, netloc, port, address, host, path = target
    timeout = urllib3.Timeout(connect=min(3.0, timeout_s), read=timeout_s)
    if scheme == "https":  # TLS to the address, with SNI and the certificate checked for the name
        pool = urllib3.HTTPSConnectionPool(address, port, timeout=timeout, retries=False, maxsize=1,
                                           cert_reqs="CERT_REQUIRED", ca_certs=certifi.where(),
                                           server_hostname=host, assert_hostname=host)
    else:
        pool = urllib3.HTTPConnectionPool(address, port, timeout=timeout, retries=False, maxsize=1)
    response = pool.urlopen("POST", path, body=body.encode(), headers=dict(headers, Host=netloc),
                            redirect=False, preload_content=False, assert_same_host=False)
    return pool, response


# What the subscriber's delivery log says when no HTTP answer came: deliberately the same
# for a refused connection, a timeout, a TLS failure or a non-public address, so that the
# log cannot be used to scan networks; the details go to the operator's log only.
NO_ANSWER = "no HTTP answer from the endpoint"
NOT_PUBLIC = "the endpoint does not resolve to public addresses only"


def post(url, body, headers, timeout_s, allow_loopback_http=False, resolve=None):
    """One attempt; never raises: returns what the delivery log records."""
    started = time.monotonic()
    outcome = {"status_code": None, "response": None, "error": None}
    try:
        # the green Timeout bounds the whole call (a server dripping one byte at a time
        # cannot hold the slot); urllib3's timeouts are per socket operation
        with eventlet.Timeout(timeout_s, TimeoutError(f"no complete answer within {timeout_s}s")):
            pool, response = _send(pinned_target(url, allow_loopback_http, resolve), body, headers, timeout_s)
            try:
                outcome["status_code"] = response.status
                outcome["response"] = response.read(RESPONSE_EXCERPT, decode_content=True).decode(
                    "utf-8", "replace")
            finally:
                response.release_conn()
                pool.close()
    except EndpointRefused:
        log.warning("webhook to %s refused: not only public addresses", url)
        outcome["error"] = NOT_PUBLIC
    except Exception as exc:  # refused, reset, TLS, timeout: all are a failed attempt
        log.info("webhook attempt to %s failed: %s: %s", url, type(exc).__name__, exc)
        outcome["error"] = NO_ANSWER
    outcome["duration_ms"] = int((time.monotonic() - started) * 1000)
    return outcome


def delivery_headers(subscriber, delivery, attempt, at):
    timestamp = str(int(at.timestamp()))
    return {
        "Content-Type": "application/json; charset=utf-8",
        "User-Agent": "mooc-webhooks/1",
        "X-Mooc-Event-Id": delivery["event_id"],
        "X-Mooc-Event-Type": delivery["event_type"],
        "X-Mooc-Delivery-Id": delivery["_id"],
        "X-Mooc-Attempt": str(attempt),
        "X-Mooc-Timestamp": timestamp,
        "X-Mooc-Signature": domain.signature_header(domain.secrets_in_force(subscriber, at),
                                                    timestamp, delivery["body"]),
    }


class WebhookDispatcher(DependencyProvider):
    def setup(self):
        config = self.container.config
        self.settings = WebhookSettings.from_config(config)
        self.store = IntegrationsStore(service_database(config, self.container.service_name))
        self.feeders = {}  # subscriber id -> the greenthread feeding its pool
        self.inflight = set()  # delivery ids being sent by this process
        self.replaying = set()

    def get_dependency(self, worker_ctx):
        return self

    # -- called by the service's timer ---------------------------------------------------
    def tick(self):
        """Keep one feeder per active webhook subscriber; start pending replays."""
        active = {s["_id"] for s in self.store.active_subscribers("webhook")}
        for gone in set(self.feeders) - active:  # revoked: stop sending at once
            self.feeders.pop(gone).kill()
        for subscriber_id in active:
            feeder = self.feeders.get(subscriber_id)
            if feeder is None or feeder.dead:
                self.feeders[subscriber_id] = self.container.spawn_managed_thread(
                    lambda sid=subscriber_id: self._feed(sid))
        for replay in self.store.pending_replays():
            if replay["_id"] not in self.replaying:
                self.replaying.add(replay["_id"])
                self.container.spawn_managed_thread(lambda r=replay: self._replay(r))

    def _feed(self, subscriber_id):
        """Hand due deliveries to the subscriber's own pool; ``spawn`` blocks while the pool is
        full, so a slow endpoint only slows its own feeder. Killing the feeder (revocation,
        shutdown) kills its pool's sends; unfinished ones stay pending and are sent again."""
        pool = GreenPool(self.settings.concurrency)
        try:
            while True:
                moment = now()
                due = [d for d in self.store.deliveries_in(subscriber_id, "pending", SCAN_LIMIT,
                                                          fields=["next_attempt_at"])
                       if d["_id"] not in self.inflight and d["next_attempt_at"] <= moment]
                for delivery in due:
                    self.inflight.add(delivery["_id"])
                    pool.spawn(self._deliver, subscriber_id, delivery["_id"])
                if not due:
                    eventlet.sleep(IDLE_POLL_SECONDS)
        except Exception:
            log.exception("webhook feeder of %s stopped; the next tick restarts it", subscriber_id)
        finally:
            for thread in list(pool.coroutines_running):
                thread.kill()

    def _deliver(self, subscriber_id, delivery_id):
        try:
            # Read both again: a queued delivery may have been tried meanwhile, the secret rotated.
            delivery, subscriber = self.store.get_delivery(delivery_id), self.store.get_subscriber(subscriber_id)
            if (not delivery or delivery["state"] != "pending" or delivery["next_attempt_at"] > now()
                    or not subscriber or subscriber["status"] != "active"):
                return
            attempt = delivery["attempts"] + 1
            at = now()
            outcome = post(subscriber["url"], delivery["body"], delivery_headers(subscriber, delivery, attempt, at),
                           self.settings.timeout_s, self.settings.allow_loopback_http)
            if outcome["status_code"] is not None and 200 <= outcome["status_code"] < 300:
                state, next_at = "delivered", None
            elif attempt >= self.settings.max_attempts:
                state, next_at = "dead", None
                log.warning("webhook delivery %s dead after %d attempts", delivery_id, attempt)
            else:
                state = "pending"
                next_at = now() + domain.backoff(attempt, self.settings.backoff_base_ms,
                                                 self.settings.backoff_max_ms)
            self.store.record_attempt(delivery, attempt, outcome, state, next_at)
        except Exception:  # store trouble: the delivery stays pending and is tried again
            log.exception("could not record webhook delivery %s", delivery_id)
        finally:
            self.inflight.discard(delivery_id)

    def _replay(self, replay):
        """Queue again every logged event of the subscriber's tenants and types in the window."""
        try:
            subscriber = self.store.get_subscriber(replay["subscriber_id"])
            queued = 0
            if subscriber and subscriber["status"] == "active":
                until = replay["until"] or replay["created_at"]
                for tenant in subscriber["tenants"]:
                    for hour in domain.hours_between(replay["since"], until):
                        queued += self.store.insert_deliveries([
                            self.store.delivery_doc(subscriber["_id"], e["_id"], e["type"], tenant,
                                                    e["body"], replay_id=replay["_id"])
                            for e in self.store.logged_events(tenant, hour)
                            if replay["since"] <= e["occurred_at"] <= until
                            and e["type"] in subscriber["event_types"]])
            self.store.finish_replay(replay["_id"], queued)
        except Exception:
            log.exception("replay %s failed; it will be retried", replay["_id"])
        finally:
            self.replaying.discard(replay["_id"])


def retention_hours_to_purge(moment, retention_days, window_hours=72):
    """The hour buckets just past the retention (purged hourly, so a window suffices)."""
    oldest_kept = moment - dt.timedelta(days=retention_days)
    return [domain.hour_bucket(oldest_kept - dt.timedelta(hours=h)) for h in range(1, window_hours + 1)]
