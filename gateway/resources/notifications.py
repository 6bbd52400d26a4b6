"""Notifications: the tenant admins' log of undeliverable mail, and each user's opt-out of
non-essential messages. Thin adapters; the service checks who may see what (another
tenant's log answers 404)."""
from mooc_common.contracts.roles import ADMINS

from services.notifications import schemas

from .. import pagination
from ..openapi.operation import ANY_ROLE, operation
from ..service_resource import ServiceResource


class _Resource(ServiceResource):
    service = "notifications"


class TenantNotifications(_Resource):
    """GET /tenants/{id}/notifications: mails that bounced or could not be delivered."""

    @operation("Mails to the tenant's users that bounced or could not be delivered, newest first", ADMINS,
               query=pagination.PageQuerySchema, response=schemas.FailurePageSchema, paginated=True,
               errors=("not_found",), service_checks_role=True)
    def on_get(self, req, resp, tenant_id):
        page = pagination.page(req)
        result = self.call(req, "list_failures", tenant_id, page)
        pagination.link(req, resp, page, len(result["items"]), result["total"])
        resp.media = result


class MyNotificationPreferences(_Resource):
    @operation("My e-mail preferences (essential mail is always sent)", ANY_ROLE,
               response=schemas.PreferencesSchema)
    def on_get(self, req, resp):
        resp.media = self.call(req, "get_preferences")

    @operation("Opt out of (or back into) non-essential mail", ANY_ROLE, request=schemas.PreferencesInSchema,
               response=schemas.PreferencesSchema, example={"opt_out": True})
    def on_put(self, req, resp):
        resp.media = self.call(req, "set_preferences", self.body(req))


def add_routes(app, api, deps):
    app.add_route(f"{api}/tenants/{{tenant_id}}/notifications", TenantNotifications(deps.rpc))
    app.add_route(f"{api}/me/notification-preferences", MyNotificationPreferences(deps.rpc))
