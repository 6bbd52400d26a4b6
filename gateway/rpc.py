"""RPC to the nameko services from gunicorn's threads.

nameko's ClusterRpcProxy is not thread-safe and slow to start, so each gateway thread keeps
one started proxy and reuses it. Every outage answers 503 ``service_unavailable`` with
Retry-After, never 500: a timeout, a service that is not running, a lost broker connection
(the proxy is dropped and rebuilt on the next call), and a service that could not reach its
own store (its ``RemoteError`` names a store or broker error: ``outages.is_outage``). Service
errors pass through unchanged.

A proxy left idle through a broker restart holds a dead connection whose reply queue is
gone; a call through it would fail (or wait for a reply that cannot come). So a proxy idle for
more than ``CHECK_IDLE_AFTER`` seconds is checked first (one round trip to the broker) and
rebuilt if its connection is dead: the first request after the broker returns succeeds.
"""
import logging
import threading
import time

from kombu.exceptions import OperationalError
from nameko.exceptions import RemoteError, RpcTimeout, UnknownService
from nameko.standalone.rpc import ClusterRpcProxy

from mooc_common.infra.outages import is_outage

from .errors import ServiceUnavailable
from .observability import rpc_context

log = logging.getLogger(__name__)

CHECK_IDLE_AFTER = 1.0


class RpcClient:
    def __init__(self, amqp_uri, timeout):
        self.config = {"AMQP_URI": amqp_uri}
        self.timeout = timeout
        self._local = threading.local()

    def _proxy(self):
        local = self._local
        if getattr(local, "runner", None) is not None and time.monotonic() - local.used > CHECK_IDLE_AFTER:
            if not self._alive(local.runner):
                log.info("rebuilding an RPC proxy whose broker connection died while idle")
                self._reset()
        if getattr(local, "runner", None) is None:
            # nameko reads this dict on every call: set per request in call() (correlation id...)
            local.context = {}
            runner = ClusterRpcProxy(self.config, context_data=local.context, timeout=self.timeout)
            local.proxy = runner.start()
            local.runner = runner
        local.used = time.monotonic()
        return local.proxy

    @staticmethod
    def _alive(runner):
        """The proxy's reply connection answers and its reply queue still exists."""
        try:
            consumer = runner._reply_listener.queue_consumer
            consumer.consumer.channel.queue_declare(queue=consumer.queue.name, passive=True)
            return True
        except Exception:
            return False

    def _reset(self):
        runner = getattr(self._local, "runner", None)
        self._local.runner = None
        if runner is not None:
            try:
                runner.stop()
            except Exception:
                log.debug("ignoring error while stopping a broken RPC proxy", exc_info=True)

    def call(self, service, method, *args, **kwargs):
        try:
            proxy = self._proxy()
            self._local.context.clear()
            self._local.context.update(rpc_context())
            return getattr(getattr(proxy, service), method)(*args, **kwargs)
        except RpcTimeout:
            self._reset()
            raise ServiceUnavailable(f"The {service} service did not answer in time.")
        except UnknownService:
            raise ServiceUnavailable(f"The {service} service is not running.")
        except RemoteError as exc:
            if is_outage(exc):
                log.warning("%s.%s failed on an outage: %s", service, method, exc)
                raise ServiceUnavailable(f"The {service} service cannot reach its store or the broker.") from exc
            raise
        except (OperationalError, OSError, ConnectionError) as exc:
            self._reset()
            raise ServiceUnavailable("The message broker is unreachable.") from exc
