"""Sign-in, tenants and users: thin HTTP adapters over the accounts service."""
import falcon

from ..auth import require_role


class Tokens:
    auth_required = False

    def __init__(self, rpc):
        self.rpc = rpc

    def on_post(self, req, resp):
        resp.media = self.rpc.call("accounts", "sign_in", req.get_media())


class Tenants:
    def __init__(self, rpc):
        self.rpc = rpc

    def on_post(self, req, resp):
        require_role(req, "operator_admin")
        resp.status = falcon.HTTP_201
        resp.media = self.rpc.call("accounts", "create_tenant", req.context.actor, req.get_media())


class Tenant:
    def __init__(self, rpc):
        self.rpc = rpc

    def on_get(self, req, resp, tenant_id):
        resp.media = self.rpc.call("accounts", "get_tenant", req.context.actor, tenant_id)


class TenantUsers:
    def __init__(self, rpc):
        self.rpc = rpc

    def on_post(self, req, resp, tenant_id):
        require_role(req, "operator_admin", "tenant_admin")
        resp.status = falcon.HTTP_201
        resp.media = self.rpc.call("accounts", "create_user", req.context.actor, tenant_id,
                                   req.get_media())


class User:
    def __init__(self, rpc):
        self.rpc = rpc

    def on_get(self, req, resp, user_id):
        resp.media = self.rpc.call("accounts", "get_user", req.context.actor, user_id)


def add_routes(app, api, deps):
    rpc = deps.rpc
    app.add_route(f"{api}/auth/token", Tokens(rpc))
    app.add_route(f"{api}/tenants", Tenants(rpc))
    app.add_route(f"{api}/tenants/{{tenant_id}}", Tenant(rpc))
    app.add_route(f"{api}/tenants/{{tenant_id}}/users", TenantUsers(rpc))
    app.add_route(f"{api}/users/{{user_id}}", User(rpc))
