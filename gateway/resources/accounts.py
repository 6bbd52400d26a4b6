"""Sign-in, tenants, units, users and bulk import: thin HTTP adapters over the accounts service.

Roles are checked here (403); the service checks the tenant of every object (404 for another
tenant's) and repeats the role rules.
"""
import base64

import falcon

from services.accounts import schemas

from mooc_common.contracts.roles import ADMINS, OPERATOR_ADMIN, TENANT_ADMIN

from .. import pagination
from ..client_address import client_address
from ..openapi import wire
from ..openapi.operation import ANY_ROLE, CSV, PUBLIC, XLSX, operation
from ..service_resource import ServiceResource, send_file

MAX_UPLOAD_BYTES = 20 * 1024 * 1024  # a 40,000-row CSV is about 4 MiB; XLSX is smaller
CSV_UTF8 = "text/csv; charset=utf-8"


class _Resource(ServiceResource):
    service = "accounts"


# --- sign-in (public) ---------------------------------------------------------------------

class Tokens(_Resource):
    auth_required = False

    def __init__(self, rpc, trusted_proxies=()):
        super().__init__(rpc)
        self.trusted_proxies = trusted_proxies

    @operation("Sign in: username and password to an access token (JWT, 15 min) and a refresh token",
               PUBLIC, request=schemas.CredentialsSchema, response=wire.TokenPairSchema,
               errors=("authentication_failed", "tenant_suspended", "rate_limited"),
               example={"username": "hv.nguyen", "password": "correct horse battery staple"})
    def on_post(self, req, resp):
        resp.media = self.call_public("sign_in", self.body(req), client_address(req, self.trusted_proxies))


class Refresh(_Resource):
    auth_required = False

    @operation("A new token pair for a refresh token (the old one is spent)", PUBLIC,
               request=schemas.RefreshSchema, response=wire.TokenPairSchema,
               errors=("authentication_failed", "tenant_suspended"))
    def on_post(self, req, resp):
        resp.media = self.call_public("refresh", self.body(req))


class Logout(_Resource):
    auth_required = False  # the refresh token in the body is the credential

    @operation("Sign out: revoke a refresh token", PUBLIC, request=schemas.RefreshSchema,
               response=wire.SignedOutSchema, errors=("authentication_failed",))
    def on_post(self, req, resp):
        resp.media = self.call_public("sign_out", self.body(req))


class Activation(_Resource):
    auth_required = False  # the one-time activation code is the credential

    @operation("Activate an imported account: one-time code and a new password", PUBLIC,
               request=schemas.ActivationSchema, response=wire.ActivatedSchema,
               errors=("authentication_failed", "rate_limited"))
    def on_post(self, req, resp):
        resp.media = self.call_public("activate", self.body(req))


# --- tenants ------------------------------------------------------------------------------

class Tenants(_Resource):
    @operation("Create a tenant (a ministry or province) with its quota and focal contact", (OPERATOR_ADMIN,),
               request=schemas.TenantCreateSchema, response=schemas.TenantSchema, status=201,
               errors=("conflict",),
               example={"code": "LAOCAI", "name": "Sở Nội vụ tỉnh Lào Cai", "kind": "province",
                        "learner_quota": 20000, "focal_contact": {"full_name": "Nguyễn Văn Ân",
                                                                  "mobile": "0912345678", "email": "an@example.vn"}})
    def on_post(self, req, resp):
        resp.status = falcon.HTTP_201
        resp.media = self.call(req, "create_tenant", self.body(req))

    @operation("List tenants", (OPERATOR_ADMIN,), query=pagination.PageQuerySchema,
               response=schemas.TenantSchema(many=True), paginated=True)
    def on_get(self, req, resp):
        page = pagination.page(req)
        resp.media = self.call(req, "list_tenants", page)
        pagination.link(req, resp, page, len(resp.media))


class Tenant(_Resource):
    @operation("A tenant, with the seats used", ADMINS, response=schemas.TenantSchema)
    def on_get(self, req, resp, tenant_id):
        resp.media = self.call(req, "get_tenant", tenant_id)

    @operation("Change a tenant's name, kind, quotas or focal contact (its own admin: the focal contact only)",
               ADMINS,
               request=schemas.TenantUpdateSchema, response=schemas.TenantSchema, errors=("conflict",))
    def on_patch(self, req, resp, tenant_id):
        resp.media = self.call(req, "update_tenant", tenant_id, self.body(req))


class TenantSuspension(_Resource):
    @operation("Suspend a tenant: its users' tokens are refused (403 tenant_suspended)", (OPERATOR_ADMIN,),
               response=schemas.TenantSchema)
    def on_post(self, req, resp, tenant_id):
        resp.media = self.call(req, "suspend_tenant", tenant_id)


class TenantReactivation(_Resource):
    @operation("Reactivate a suspended tenant", (OPERATOR_ADMIN,), response=schemas.TenantSchema)
    def on_post(self, req, resp, tenant_id):
        resp.media = self.call(req, "reactivate_tenant", tenant_id)


class TrainingPlan(_Resource):
    @operation("Submit the tenant's training plan of a year (planned courses and learners)", (TENANT_ADMIN,),
               request=schemas.TrainingPlanInSchema, response=schemas.TrainingPlanSchema, errors=("not_found",),
               example={"planned_courses": 12, "planned_learners": 18000})
    def on_put(self, req, resp, tenant_id, year):
        resp.media = self.call(req, "submit_training_plan", tenant_id, year, self.body(req))

    @operation("The tenant's training plan of a year", ADMINS, response=schemas.TrainingPlanSchema,
               errors=("validation_failed",))
    def on_get(self, req, resp, tenant_id, year):
        resp.media = self.call(req, "get_training_plan", tenant_id, year)


# --- organisational units -----------------------------------------------------------------

class TenantUnits(_Resource):
    @operation("Create an organisational unit (under a parent unit, or at the top)", ADMINS,
               request=schemas.UnitCreateSchema, response=schemas.UnitSchema, status=201, errors=("conflict",),
               example={"code": "SO-NV", "name": "Sở Nội vụ", "level": "department"})
    def on_post(self, req, resp, tenant_id):
        resp.status = falcon.HTTP_201
        resp.media = self.call(req, "create_unit", tenant_id, self.body(req))

    @operation("The tenant's units (the whole tree, parents first)", ADMINS,
               response=schemas.UnitSchema(many=True))
    def on_get(self, req, resp, tenant_id):
        resp.media = self.call(req, "list_units", tenant_id)


class Unit(_Resource):
    @operation("Rename a unit", ADMINS, request=schemas.UnitRenameSchema, response=schemas.UnitSchema)
    def on_patch(self, req, resp, unit_id):
        resp.media = self.call(req, "rename_unit", unit_id, self.body(req))


class UnitMove(_Resource):
    @operation("Move a unit (and its subtree) under another parent", ADMINS, request=schemas.UnitMoveSchema,
               response=schemas.UnitSchema, errors=("conflict",))
    def on_post(self, req, resp, unit_id):
        resp.media = self.call(req, "move_unit", unit_id, self.body(req))


class UnitDeactivation(_Resource):
    @operation("Deactivate a unit", ADMINS, response=schemas.UnitSchema, errors=("conflict",))
    def on_post(self, req, resp, unit_id):
        resp.media = self.call(req, "deactivate_unit", unit_id)


# --- users --------------------------------------------------------------------------------

class TenantUsers(_Resource):
    @operation("Create a user of the tenant (learner, instructor, report viewer or tenant admin)", ADMINS,
               request=schemas.UserCreateSchema, response=schemas.UserSchema, status=201,
               errors=("conflict", "quota_exceeded"),
               example={"username": "hv.nguyen", "full_name": "Nguyễn Hữu Việt", "role": "learner",
                        "category": "civil_servant", "email": "hv.nguyen@example.vn"})
    def on_post(self, req, resp, tenant_id):
        resp.status = falcon.HTTP_201
        resp.media = self.call(req, "create_user", tenant_id, self.body(req))

    @operation("The tenant's users, a page at a time, optionally searched and filtered", ADMINS,
               query=wire.UserListQuerySchema, response=schemas.UserSchema(many=True), paginated=True)
    def on_get(self, req, resp, tenant_id):
        page = pagination.page(req)
        filters = {k: req.params[k] for k in schemas.UserFilterSchema().fields if k in req.params}
        resp.media = self.call(req, "list_users", tenant_id, page, filters)
        pagination.link(req, resp, page, len(resp.media))


class User(_Resource):
    @operation("A user (yourself, or a user of your tenant for its admins)", ANY_ROLE, response=schemas.UserSchema)
    def on_get(self, req, resp, user_id):
        resp.media = self.call(req, "get_user", user_id)

    @operation("Change a user's contact details, unit or category", ADMINS, request=schemas.UserUpdateSchema,
               response=schemas.UserSchema, errors=("conflict",))
    def on_patch(self, req, resp, user_id):
        resp.media = self.call(req, "update_user", user_id, self.body(req))


class UserDeactivation(_Resource):
    @operation("Deactivate a user: sign-in refused, seat freed", ADMINS, response=schemas.UserSchema)
    def on_post(self, req, resp, user_id):
        resp.media = self.call(req, "deactivate_user", user_id)


class UserReactivation(_Resource):
    @operation("Reactivate a user (takes a seat again)", ADMINS, response=schemas.UserSchema,
               errors=("quota_exceeded",))
    def on_post(self, req, resp, user_id):
        resp.media = self.call(req, "reactivate_user", user_id)


# --- bulk import --------------------------------------------------------------------------

class ImportTemplate(_Resource):
    @operation("The CSV template of a learner import", ADMINS, response_media=(CSV,))
    def on_get(self, req, resp):
        send_file(resp, self.call_public("import_template")["csv"], CSV_UTF8, "learners-import-template.csv")


class TenantImports(_Resource):
    """``POST`` the file itself as the body (text/csv or an XLSX workbook); ``?dry_run=true``
    only validates. Answers 202 with the job at once."""
    max_body_bytes = MAX_UPLOAD_BYTES

    @operation("Import learners from a CSV or XLSX file (the body); answers the background job", ADMINS,
               request_media=(CSV, XLSX), query=wire.ImportQuerySchema, response=wire.ImportJobSchema,
               status=202, errors=("quota_exceeded", "conflict"))
    def on_post(self, req, resp, tenant_id):
        content = self.file_body(req, MAX_UPLOAD_BYTES, "the CSV or XLSX file")
        resp.status = falcon.HTTP_202
        resp.media = self.call(req, "start_import", tenant_id,
                               base64.b64encode(content).decode("ascii"),
                               req.get_param_as_bool("dry_run", default=False))


class Import(_Resource):
    @operation("An import job: state, rows done, errors by row", ADMINS, response=wire.ImportJobSchema)
    def on_get(self, req, resp, job_id):
        resp.media = self.call(req, "get_import", job_id)


class ImportActivationCodes(_Resource):
    @operation("The one-time activation codes of an import's new accounts (CSV)", ADMINS, response_media=(CSV,),
               errors=("conflict",))
    def on_get(self, req, resp, job_id):
        send_file(resp, self.call(req, "import_activation_codes", job_id), CSV_UTF8, f"activation-codes-{job_id}.csv")


def add_routes(app, api, deps):
    rpc = deps.rpc
    app.add_route(f"{api}/auth/token", Tokens(rpc, deps.config.trusted_proxies))
    app.add_route(f"{api}/auth/refresh", Refresh(rpc))
    app.add_route(f"{api}/auth/logout", Logout(rpc))
    app.add_route(f"{api}/auth/activate", Activation(rpc))
    app.add_route(f"{api}/tenants", Tenants(rpc))
    app.add_route(f"{api}/tenants/{{tenant_id}}", Tenant(rpc))
    app.add_route(f"{api}/tenants/{{tenant_id}}/suspend", TenantSuspension(rpc))
    app.add_route(f"{api}/tenants/{{tenant_id}}/reactivate", TenantReactivation(rpc))
    app.add_route(f"{api}/tenants/{{tenant_id}}/training-plans/{{year:int}}", TrainingPlan(rpc))
    app.add_route(f"{api}/tenants/{{tenant_id}}/units", TenantUnits(rpc))
    app.add_route(f"{api}/units/{{unit_id}}", Unit(rpc))
    app.add_route(f"{api}/units/{{unit_id}}/move", UnitMove(rpc))
    app.add_route(f"{api}/units/{{unit_id}}/deactivate", UnitDeactivation(rpc))
    app.add_route(f"{api}/tenants/{{tenant_id}}/users", TenantUsers(rpc))
    app.add_route(f"{api}/users/{{user_id}}", User(rpc))
    app.add_route(f"{api}/users/{{user_id}}/deactivate", UserDeactivation(rpc))
    app.add_route(f"{api}/users/{{user_id}}/reactivate", UserReactivation(rpc))
    app.add_route(f"{api}/import-template", ImportTemplate(rpc))
    app.add_route(f"{api}/tenants/{{tenant_id}}/imports", TenantImports(rpc))
    app.add_route(f"{api}/imports/{{job_id}}", Import(rpc))
    app.add_route(f"{api}/imports/{{job_id}}/activation-codes", ImportActivationCodes(rpc))
