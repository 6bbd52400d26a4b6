"""The gateway's app factory: the only HTTP entry for clients.

``create_app(deps)`` takes its collaborators (RPC client, activity publisher, config) so that
tests can inject fakes; ``create_app_from_env()`` is what gunicorn runs.
"""
import logging
from dataclasses import dataclass

import falcon

from . import errors
from .activity_publisher import ActivityPublisher
from .auth import AuthMiddleware
from .body_limit import BodyLimitMiddleware
from .config import GatewayConfig
from .resources import accounts, courses, health, integrations, notifications, progress, reports
from .rpc import RpcClient
from .tenant_status import SuspendedTenants

API = "/api/v1"


@dataclass
class Deps:
    config: GatewayConfig
    rpc: object
    publisher: object


def create_app(deps):
    app = falcon.App(middleware=[BodyLimitMiddleware(deps.config.max_body_bytes),
                                 AuthMiddleware(deps.config.jwt_secret, SuspendedTenants(deps.rpc))])
    errors.register(app)
    app.add_route("/health", health.Health())
    app.add_route("/ready", health.Ready(deps.rpc, deps.publisher, deps.config.ready_timeout))
    # Each area adds its own routes under /api/v1 (resources/<area>.py: add_routes).
    for area in (accounts, courses, progress, reports, integrations, notifications):
        area.add_routes(app, API, deps)
    return app


def create_app_from_env():
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s")
    config = GatewayConfig.from_env()
    return create_app(Deps(config=config, rpc=RpcClient(config.amqp_uri, config.rpc_timeout),
                           publisher=ActivityPublisher(config.amqp_uri)))
