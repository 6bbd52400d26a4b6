"""Notifications: the tenant admins' log of undeliverable mail, and each user's opt-out of
non-essential messages. Thin adapters; the service checks who may see what."""


class TenantNotifications:
    """GET /tenants/{id}/notifications: mails that bounced or could not be delivered."""

    def __init__(self, rpc):
        self.rpc = rpc

    def on_get(self, req, resp, tenant_id):
        query = {k: req.get_param(k) for k in ("offset", "limit") if req.get_param(k) is not None}
        resp.media = self.rpc.call("notifications", "list_failures", req.context.actor, tenant_id, query)


class MyNotificationPreferences:
    def __init__(self, rpc):
        self.rpc = rpc

    def on_get(self, req, resp):
        resp.media = self.rpc.call("notifications", "get_preferences", req.context.actor)

    def on_put(self, req, resp):
        resp.media = self.rpc.call("notifications", "set_preferences", req.context.actor, req.get_media())


def add_routes(app, api, deps):
    app.add_route(f"{api}/tenants/{{tenant_id}}/notifications", TenantNotifications(deps.rpc))
    app.add_route(f"{api}/me/notification-preferences", MyNotificationPreferences(deps.rpc))
