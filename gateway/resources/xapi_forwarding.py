"""xAPI forwarding settings: the LRS of one tenant (its admins, the operator) or of every
tenant (operator only, ``/xapi/lrs``). Thin adapters; the integrations service checks who
may do what, and answers 404 for another tenant's settings."""
import falcon

from mooc_common.contracts.roles import ADMINS
from mooc_common.contracts.tenancy import EVERY_TENANT

from services.integrations import schemas

from ..openapi.operation import operation
from ..service_resource import ServiceResource


class _Scoped(ServiceResource):
    service = "integrations"

    def call_scoped(self, req, method, tenant_id, *args):
        return self.call(req, method, tenant_id or EVERY_TENANT, *args)


class LrsConfig(_Scoped):
    @operation("Set the LRS that receives this tenant's (or every tenant's) statements", ADMINS,
               request=schemas.LrsConfigSchema, errors=("not_found",), service_checks_role=True)
    def on_put(self, req, resp, tenant_id=None):
        resp.media = self.call_scoped(req, "put_lrs_config", tenant_id, self.body(req))

    @operation("The LRS settings and delivery status (never the password)", ADMINS, errors=("not_found",),
               service_checks_role=True)
    def on_get(self, req, resp, tenant_id=None):
        resp.media = self.call_scoped(req, "get_lrs_config", tenant_id)

    @operation("Stop forwarding: remove the LRS settings", ADMINS, errors=("not_found",), service_checks_role=True)
    def on_delete(self, req, resp, tenant_id=None):
        resp.media = self.call_scoped(req, "delete_lrs_config", tenant_id)

    @operation("Statements the LRS refused or that ran out of attempts", ADMINS, errors=("not_found",),
               service_checks_role=True)
    def on_get_dead(self, req, resp, tenant_id=None):
        resp.media = self.call_scoped(req, "lrs_dead_statements", tenant_id)

    @operation("Send the dead statements again", ADMINS, status=202, errors=("not_found",), service_checks_role=True)
    def on_post_replay(self, req, resp, tenant_id=None):
        resp.status = falcon.HTTP_202
        resp.media = self.call_scoped(req, "replay_lrs_dead", tenant_id)


def add_routes(app, api, deps):
    config = LrsConfig(deps.rpc)
    for base in (f"{api}/tenants/{{tenant_id}}/xapi/lrs", f"{api}/xapi/lrs"):
        app.add_route(base, config)
        app.add_route(f"{base}/dead", config, suffix="dead")
        app.add_route(f"{base}/replay", config, suffix="replay")
