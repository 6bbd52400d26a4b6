"""Accounts service entrypoints: tenants, users and sign-in. Thin: rules live in domain.py."""
from nameko.extensions import DependencyProvider
from nameko.rpc import rpc

from mooc_common.contracts import tokens
from mooc_common.contracts.errors import AuthenticationFailed, NotFound, TenantSuspended
from mooc_common.contracts.events.accounts import TENANT_CREATED, USER_REGISTERED
from mooc_common.infra.boundary import load
from mooc_common.infra.events import EventPublisher
from mooc_common.infra.service_base import PlatformService
from mooc_common.infra.store import Store, export_page, service_database

from . import domain, schemas, security
from .storage import AccountsStore, now


class Config(DependencyProvider):
    def get_dependency(self, worker_ctx):
        return self.container.config


class OperatorBootstrap(DependencyProvider):
    """Creates (or resets the password of) the operator account named in the configuration."""

    def start(self):
        config = self.container.config
        username, password = config.get("OPERATOR_USERNAME"), config.get("OPERATOR_PASSWORD")
        if username and password:
            store = AccountsStore(service_database(config, self.container.service_name))
            store.upsert_operator(username, security.hash_password(password))


def _tenant_event(tenant):
    return {"tenant_id": tenant["_id"], **{k: tenant[k] for k in (
        "code", "name", "kind", "learner_quota", "storage_quota_bytes", "status")}}


def _user_event(user):
    return {"user_id": user["_id"], **{k: user.get(k) for k in (
        "tenant_id", "role", "unit_id", "category", "status")}}


class AccountsService(PlatformService):
    name = "accounts"

    store = Store(AccountsStore)
    events = EventPublisher()
    config = Config()
    bootstrap = OperatorBootstrap()

    @rpc
    def create_tenant(self, actor, data):
        domain.require_operator(actor)
        tenant_in = load(schemas.TenantCreateSchema(), data)
        if tenant_in.pop("quota_override"):
            tenant_in["quota_override"] = {"by": actor["user_id"], "at": now()}
        tenant = self.store.insert_tenant(tenant_in)
        self.events(TENANT_CREATED, _tenant_event(tenant), tenant["_id"])
        return schemas.TenantSchema().dump(tenant)

    @rpc
    def get_tenant(self, actor, tenant_id):
        domain.require_tenant_admin_of(actor, tenant_id)
        tenant = self.store.get_tenant(tenant_id)
        if not tenant:
            raise NotFound("Tenant not found.")
        return schemas.TenantSchema().dump(tenant)

    @rpc
    def create_user(self, actor, tenant_id, data):
        domain.require_tenant_admin_of(actor, tenant_id)
        tenant = self.store.get_tenant(tenant_id)
        if not tenant:
            raise NotFound("Tenant not found.")
        user_in = load(schemas.UserCreateSchema(), data)
        password = user_in.pop("password")
        user_in.update(tenant_id=tenant_id, password_hash=security.hash_password(password) if password else None)
        is_learner = user_in["role"] == "learner"
        if is_learner and not self.store.reserve_seats(tenant_id, 1, tenant["learner_quota"]):
            domain.ensure_seats(tenant["learner_quota"], tenant["seats_used"], 1)
        try:
            user = self.store.insert_user(user_in)
        except Exception:
            if is_learner:
                self.store.release_seats(tenant_id, 1)
            raise
        self.events(USER_REGISTERED, _user_event(user), tenant_id)
        return schemas.UserSchema().dump(user)

    @rpc
    def get_user(self, actor, user_id):
        user = self.store.get_user(user_id)
        if not user or (actor.get("role") != "operator_admin"
                        and actor.get("user_id") != user_id
                        and actor.get("tenant_id") != user.get("tenant_id")):
            raise NotFound("User not found.")
        return schemas.UserSchema().dump(user)

    @rpc
    def sign_in(self, credentials):
        creds = load(schemas.CredentialsSchema(), credentials)
        user = self.store.find_user_by_username(creds["username"].strip().lower())
        if not user or not security.verify_password(user.get("password_hash"), creds["password"]):
            raise AuthenticationFailed("Wrong username or password.")
        if user.get("status") != "active":
            raise AuthenticationFailed("This account is deactivated.")
        if user.get("tenant_id"):
            tenant = self.store.get_tenant(user["tenant_id"])
            if not tenant or tenant["status"] != "active":
                raise TenantSuspended("Your organisation's access to the platform is suspended.")
        token = security.issue_access_token(self.config["JWT_SECRET"], user["_id"],
                                            user.get("tenant_id"), user["role"])
        return {"access_token": token, "token_type": "Bearer",
                "expires_in": tokens.ACCESS_TOKEN_TTL_SECONDS}

    # ---- read-only exports for rebuilding the reports read models (scripts/rebuild_reports.py)
    @rpc
    def export_tenants(self, after=None, limit=500):
        return [_tenant_event(t) for t in export_page(self.store.tenants, after, limit)]

    @rpc
    def export_users(self, tenant_id, after=None, limit=500):
        return [_user_event(u) for u in export_page(self.store.users, after, limit, tenant_id=tenant_id)]
