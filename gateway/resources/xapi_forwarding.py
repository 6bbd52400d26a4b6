"""xAPI forwarding settings: the LRS of one tenant (its admins, the operator) or of every
tenant (operator only, ``/xapi/lrs``). Thin adapters; the integrations service checks who
may do what, and answers 404 for another tenant's settings."""
import falcon

from mooc_common.contracts.tenancy import EVERY_TENANT
from services.integrations import schemas

from ..openapi.operation import operation

WHO = ("tenant_admin", "operator_admin")  # /xapi/lrs (every tenant): the operator only


class _Scoped:
    def __init__(self, rpc):
        self.rpc = rpc

    def call(self, req, method, tenant_id, *args):
        return self.rpc.call("integrations", method, req.context.actor, tenant_id or EVERY_TENANT, *args)


class LrsConfig(_Scoped):
    @operation("Set the LRS that receives this tenant's (or every tenant's) statements", WHO,
               request=schemas.LrsConfigSchema, errors=("not_found",))
    def on_put(self, req, resp, tenant_id=None):
        resp.media = self.call(req, "put_lrs_config", tenant_id, req.get_media())

    @operation("The LRS settings and delivery status (never the password)", WHO, errors=("not_found",))
    def on_get(self, req, resp, tenant_id=None):
        resp.media = self.call(req, "get_lrs_config", tenant_id)

    @operation("Stop forwarding: remove the LRS settings", WHO, errors=("not_found",))
    def on_delete(self, req, resp, tenant_id=None):
        resp.media = self.call(req, "delete_lrs_config", tenant_id)

    @operation("Statements the LRS refused or that ran out of attempts", WHO, errors=("not_found",))
    def on_get_dead(self, req, resp, tenant_id=None):
        resp.media = self.call(req, "lrs_dead_statements", tenant_id)

    @operation("Send the dead statements again", WHO, status=202, errors=("not_found",))
    def on_post_replay(self, req, resp, tenant_id=None):
        resp.status = falcon.HTTP_202
        resp.media = self.call(req, "replay_lrs_dead", tenant_id)


def add_routes(app, api, deps):
    config = LrsConfig(deps.rpc)
    for base in (f"{api}/tenants/{{tenant_id}}/xapi/lrs", f"{api}/xapi/lrs"):
        app.add_route(base, config)
        app.add_route(f"{base}/dead", config, suffix="dead")
        app.add_route(f"{base}/replay", config, suffix="replay")
