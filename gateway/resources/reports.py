"""Reports: thin HTTP adapters over the reports service."""


class TenantReport:
    def __init__(self, rpc):
        self.rpc = rpc

    def on_get(self, req, resp, tenant_id):
        resp.media = self.rpc.call("reports", "tenant_report", req.context.actor, tenant_id)


def add_routes(app, api, deps):
    app.add_route(f"{api}/tenants/{{tenant_id}}/report", TenantReport(deps.rpc))
