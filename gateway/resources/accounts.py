"""Sign-in, tenants, units, users and bulk import: thin HTTP adapters over the accounts service.

Roles are checked here (403); the service checks the tenant of every object (404 for another
tenant's) and repeats the role rules.
"""
import base64

import falcon

from ..auth import require_role
from ..client_address import client_address
from ..errors import ApiError

OPERATOR, ADMIN = "operator_admin", "tenant_admin"
ADMINS = (OPERATOR, ADMIN)
MAX_UPLOAD_BYTES = 20 * 1024 * 1024  # a 40,000-row CSV is about 4 MiB; XLSX is smaller


class _Resource:
    def __init__(self, rpc):
        self.rpc = rpc

    def call(self, method, *args):
        return self.rpc.call("accounts", method, *args)


def _page(req):
    return {k: req.get_param_as_int(k) for k in ("offset", "limit") if req.get_param(k) is not None}


# --- sign-in (public) ---------------------------------------------------------------------

class Tokens(_Resource):
    auth_required = False

    def __init__(self, rpc, trusted_proxies=()):
        super().__init__(rpc)
        self.trusted_proxies = trusted_proxies

    def on_post(self, req, resp):
        resp.media = self.call("sign_in", req.get_media(), client_address(req, self.trusted_proxies))


class Refresh(_Resource):
    auth_required = False

    def on_post(self, req, resp):
        resp.media = self.call("refresh", req.get_media())


class Logout(_Resource):
    auth_required = False  # the refresh token in the body is the credential

    def on_post(self, req, resp):
        resp.media = self.call("sign_out", req.get_media())


class Activation(_Resource):
    auth_required = False  # the one-time activation code is the credential

    def on_post(self, req, resp):
        resp.media = self.call("activate", req.get_media())


# --- tenants ------------------------------------------------------------------------------

class Tenants(_Resource):
    def on_post(self, req, resp):
        require_role(req, OPERATOR)
        resp.status = falcon.HTTP_201
        resp.media = self.call("create_tenant", req.context.actor, req.get_media())

    def on_get(self, req, resp):
        require_role(req, OPERATOR)
        resp.media = self.call("list_tenants", req.context.actor, _page(req))


class Tenant(_Resource):
    def on_get(self, req, resp, tenant_id):
        require_role(req, *ADMINS)
        resp.media = self.call("get_tenant", req.context.actor, tenant_id)

    def on_patch(self, req, resp, tenant_id):
        require_role(req, OPERATOR)
        resp.media = self.call("update_tenant", req.context.actor, tenant_id, req.get_media())


class TenantStatus(_Resource):
    def __init__(self, rpc, method):
        super().__init__(rpc)
        self.method = method

    def on_post(self, req, resp, tenant_id):
        require_role(req, OPERATOR)
        resp.media = self.call(self.method, req.context.actor, tenant_id)


class TrainingPlan(_Resource):
    def on_put(self, req, resp, tenant_id, year):
        require_role(req, ADMIN)
        resp.media = self.call("submit_training_plan", req.context.actor, tenant_id, year, req.get_media())

    def on_get(self, req, resp, tenant_id, year):
        require_role(req, *ADMINS)
        resp.media = self.call("get_training_plan", req.context.actor, tenant_id, year)


# --- organisational units -----------------------------------------------------------------

class TenantUnits(_Resource):
    def on_post(self, req, resp, tenant_id):
        require_role(req, *ADMINS)
        resp.status = falcon.HTTP_201
        resp.media = self.call("create_unit", req.context.actor, tenant_id, req.get_media())

    def on_get(self, req, resp, tenant_id):
        require_role(req, *ADMINS)
        resp.media = self.call("list_units", req.context.actor, tenant_id)


class Unit(_Resource):
    def on_patch(self, req, resp, unit_id):
        require_role(req, *ADMINS)
        resp.media = self.call("rename_unit", req.context.actor, unit_id, req.get_media())


class UnitMove(_Resource):
    def on_post(self, req, resp, unit_id):
        require_role(req, *ADMINS)
        resp.media = self.call("move_unit", req.context.actor, unit_id, req.get_media())


class UnitDeactivation(_Resource):
    def on_post(self, req, resp, unit_id):
        require_role(req, *ADMINS)
        resp.media = self.call("deactivate_unit", req.context.actor, unit_id)


# --- users --------------------------------------------------------------------------------

class TenantUsers(_Resource):
    def on_post(self, req, resp, tenant_id):
        require_role(req, *ADMINS)
        resp.status = falcon.HTTP_201
        resp.media = self.call("create_user", req.context.actor, tenant_id, req.get_media())

    def on_get(self, req, resp, tenant_id):
        require_role(req, *ADMINS)
        resp.media = self.call("list_users", req.context.actor, tenant_id, _page(req))


class User(_Resource):
    def on_get(self, req, resp, user_id):
        resp.media = self.call("get_user", req.context.actor, user_id)

    def on_patch(self, req, resp, user_id):
        require_role(req, *ADMINS)
        resp.media = self.call("update_user", req.context.actor, user_id, req.get_media())


class UserStatus(_Resource):
    def __init__(self, rpc, method):
        super().__init__(rpc)
        self.method = method

    def on_post(self, req, resp, user_id):
        require_role(req, *ADMINS)
        resp.media = self.call(self.method, req.context.actor, user_id)


def _csv(resp, text, filename):
    # set only once the call succeeded: an error must still render as JSON
    resp.content_type = "text/csv; charset=utf-8"
    resp.downloadable_as = filename
    resp.text = text


# --- bulk import --------------------------------------------------------------------------

class ImportTemplate(_Resource):
    def on_get(self, req, resp):
        require_role(req, *ADMINS)
        _csv(resp, self.call("import_template")["csv"], "learners-import-template.csv")


class TenantImports(_Resource):
    """``POST`` the file itself as the body (text/csv or an XLSX workbook); ``?dry_run=true``
    only validates. Answers 202 with the job at once."""
    max_body_bytes = MAX_UPLOAD_BYTES

    def on_post(self, req, resp, tenant_id):
        require_role(req, *ADMINS)
        content = req.bounded_stream.read(MAX_UPLOAD_BYTES + 1)
        if not content:
            raise ApiError(falcon.HTTP_422, "validation_failed", "The file is empty.",
                           {"file": ["send the CSV or XLSX file as the request body"]})
        if len(content) > MAX_UPLOAD_BYTES:
            raise ApiError(falcon.HTTP_413, "payload_too_large",
                           f"The request body is larger than {MAX_UPLOAD_BYTES} bytes.")
        resp.status = falcon.HTTP_202
        resp.media = self.call("start_import", req.context.actor, tenant_id,
                               base64.b64encode(content).decode("ascii"),
                               req.get_param_as_bool("dry_run", default=False))


class Import(_Resource):
    def on_get(self, req, resp, job_id):
        require_role(req, *ADMINS)
        resp.media = self.call("get_import", req.context.actor, job_id)


class ImportActivationCodes(_Resource):
    def on_get(self, req, resp, job_id):
        require_role(req, *ADMINS)
        _csv(resp, self.call("import_activation_codes", req.context.actor, job_id),
             f"activation-codes-{job_id}.csv")


def add_routes(app, api, deps):
    rpc = deps.rpc
    app.add_route(f"{api}/auth/token", Tokens(rpc, deps.config.trusted_proxies))
    app.add_route(f"{api}/auth/refresh", Refresh(rpc))
    app.add_route(f"{api}/auth/logout", Logout(rpc))
    app.add_route(f"{api}/auth/activate", Activation(rpc))
    app.add_route(f"{api}/tenants", Tenants(rpc))
    app.add_route(f"{api}/tenants/{{tenant_id}}", Tenant(rpc))
    app.add_route(f"{api}/tenants/{{tenant_id}}/suspend", TenantStatus(rpc, "suspend_tenant"))
    app.add_route(f"{api}/tenants/{{tenant_id}}/reactivate", TenantStatus(rpc, "reactivate_tenant"))
    app.add_route(f"{api}/tenants/{{tenant_id}}/training-plans/{{year:int}}", TrainingPlan(rpc))
    app.add_route(f"{api}/tenants/{{tenant_id}}/units", TenantUnits(rpc))
    app.add_route(f"{api}/units/{{unit_id}}", Unit(rpc))
    app.add_route(f"{api}/units/{{unit_id}}/move", UnitMove(rpc))
    app.add_route(f"{api}/units/{{unit_id}}/deactivate", UnitDeactivation(rpc))
    app.add_route(f"{api}/tenants/{{tenant_id}}/users", TenantUsers(rpc))
    app.add_route(f"{api}/users/{{user_id}}", User(rpc))
    app.add_route(f"{api}/users/{{user_id}}/deactivate", UserStatus(rpc, "deactivate_user"))
    app.add_route(f"{api}/users/{{user_id}}/reactivate", UserStatus(rpc, "reactivate_user"))
    app.add_route(f"{api}/import-template", ImportTemplate(rpc))
    app.add_route(f"{api}/tenants/{{tenant_id}}/imports", TenantImports(rpc))
    app.add_route(f"{api}/imports/{{job_id}}", Import(rpc))
    app.add_route(f"{api}/imports/{{job_id}}/activation-codes", ImportActivationCodes(rpc))
