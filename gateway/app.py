"""The gateway's app factory: the only HTTP entry for clients.

``create_app(deps)`` takes its collaborators (RPC client, activity publisher, config) so that
tests can inject fakes; ``create_app_from_env()`` is what gunicorn runs.
"""
import dataclasses

import falcon

from mooc_common.infra import logs, tracing

from . import errors
from .activity_publisher import ActivityPublisher
from .auth import AuthMiddleware
from .body_limit import BodyLimitMiddleware
from .path_ids import PathIdMiddleware
from .security_headers import SecurityHeadersMiddleware
from .config import GatewayConfig
from .dead_letter_counts import DeadLetterCounts
from .observability import ActorLogContext, RequestObservability
from .resources import (accounts, api_docs, cmi5, courses, health, integrations, metrics, notifications, progress, reports, web,
                        xapi_forwarding)
from .routes import RouteTable
from .rpc import RpcClient
from .tenant_status import RevokedAccess, SuspendedTenants

API = "/api/v1"


@dataclasses.dataclass
class Deps:
    config: GatewayConfig
    rpc: object
    publisher: object
    dead_letters: object = None  # DeadLetterCounts over config.amqp_uri unless given
    auth: object = None  # set by create_app: the one AuthMiddleware, for routes that check credentials themselves


def create_app(deps):
    auth = AuthMiddleware(deps.config.access_keys, SuspendedTenants(deps.rpc), RevokedAccess(deps.rpc))
    deps = dataclasses.replace(deps, auth=auth)
    app = falcon.App(middleware=[SecurityHeadersMiddleware(), RequestObservability(),
                                 BodyLimitMiddleware(deps.config.max_body_bytes), auth,
                                 ActorLogContext(), PathIdMiddleware()])
    errors.register(app)
    # Every route goes through the route table: the OpenAPI document is made from it.
    routes = RouteTable(app)
    routes.add_route("/health", health.Health())
    routes.add_route("/ready", health.Ready(deps.rpc, deps.publisher, deps.config.ready_timeout,
                                            deps.dead_letters or DeadLetterCounts(deps.config.amqp_uri), auth.verify))
    # Each area adds its own routes under /api/v1 (resources/<area>.py: add_routes).
    for area in (accounts, courses, progress, reports, integrations, xapi_forwarding, cmi5, notifications):
        area.add_routes(routes, API, deps)
    api_docs.add_routes(app, routes, f"{API}/openapi.json")
    app.add_route("/metrics", metrics.Metrics())
    # The web application at / (a sink: it gets only the paths no route above owns).
    web.add_routes(app, API, deps)
    return app


def create_app_from_env():
    logs.configure("gateway")
    tracing.configure("gateway")
    config = GatewayConfig.from_env()
    return create_app(Deps(config=config, rpc=RpcClient(config.amqp_uri, config.rpc_timeout, config.identity),
                           publisher=ActivityPublisher(config.amqp_uri)))
