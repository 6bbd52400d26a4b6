"""RPC to the nameko services from gunicorn's threads.

nameko's ClusterRpcProxy is not thread-safe and slow to start, so each gateway thread keeps
one started proxy and reuses it. A timeout or a lost broker connection becomes a 503 (the
proxy is dropped and rebuilt on the next call); service errors pass through unchanged.
"""
import logging
import threading

from kombu.exceptions import OperationalError
from nameko.exceptions import RpcTimeout, UnknownService
from nameko.standalone.rpc import ClusterRpcProxy

from .errors import ServiceUnavailable
from .observability import rpc_context

log = logging.getLogger(__name__)


class RpcClient:
    def __init__(self, amqp_uri, timeout):
        self.config = {"AMQP_URI": amqp_uri}
        self.timeout = timeout
        self._local = threading.local()

    def _proxy(self):
        if getattr(self._local, "runner", None) is None:
            # nameko reads this dict on every call: set per request in call() (correlation id...)
            self._local.context = {}
            runner = ClusterRpcProxy(self.config, context_data=self._local.context, timeout=self.timeout)
            self._local.proxy = runner.start()
            self._local.runner = runner
        return self._local.proxy

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
        except (OperationalError, OSError, ConnectionError) as exc:
            self._reset()
            raise ServiceUnavailable("The message broker is unreachable.") from exc
