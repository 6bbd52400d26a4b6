"""Notifications: the tenant admins' log of undeliverable mail, and each user's opt-out of
non-essential messages. Thin adapters; the service checks who may see what (another
tenant's log answers 404)."""
from services.notifications import schemas

from .. import pagination
from ..openapi.operation import ANY_ROLE, operation

ADMINS = ("tenant_admin", "operator_admin")


class TenantNotifications:
    """GET /tenants/{id}/notifications: mails that bounced or could not be delivered."""

    def __init__(self, rpc):
        self.rpc = rpc

    @operation("Mails to the tenant's users that bounced or could not be delivered, newest first", ADMINS,
               query=pagination.PageQuerySchema, response=schemas.FailurePageSchema, paginated=True,
               errors=("not_found",))
    def on_get(self, req, resp, tenant_id):
        page = pagination.page(req)
        result = self.rpc.call("notifications", "list_failures", req.context.actor, tenant_id, page)
        pagination.link(req, resp, page, len(result["items"]), result["total"])
        resp.media = result


class MyNotificationPreferences:
    def __init__(self, rpc):
        self.rpc = rpc

    @operation("My e-mail preferences (essential mail is always sent)", ANY_ROLE,
               response=schemas.PreferencesSchema)
    def on_get(self, req, resp):
        resp.media = self.rpc.call("notifications", "get_preferences", req.context.actor)

    @operation("Opt out of (or back into) non-essential mail", ANY_ROLE, request=schemas.PreferencesInSchema,
               response=schemas.PreferencesSchema, example={"opt_out": True})
    def on_put(self, req, resp):
        resp.media = self.rpc.call("notifications", "set_preferences", req.context.actor, req.get_media())


def add_routes(app, api, deps):
    app.add_route(f"{api}/tenants/{{tenant_id}}/notifications", TenantNotifications(deps.rpc))
    app.add_route(f"{api}/me/notification-preferences", MyNotificationPreferences(deps.rpc))
