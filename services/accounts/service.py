"""Accounts service entrypoints: tenants, units, users, sign-in and bulk import.

Thin: rules live in domain.py, file reading in imports.py, the import job in import_job.py.
"""
import base64
import csv
import datetime as dt
import functools
import io
import secrets
import uuid

from kombu import Exchange, Queue
from nameko.extensions import DependencyProvider
from nameko.messaging import Publisher
from nameko.timer import timer

from mooc_common.contracts import mail_handover, roles, tokens
from mooc_common.contracts.errors import (AuthenticationFailed, Conflict, NotFound, PermissionDenied,
                                          RateLimited, TenantSuspended, ValidationFailed)
from mooc_common.contracts.events.accounts import (
    PASSWORD_CHANGED, TENANT_CREATED, TENANT_REACTIVATED, TENANT_SUSPENDED, TENANT_UPDATED, TRAINING_PLAN_SUBMITTED,
    UNIT_CREATED, UNIT_UPDATED, USER_REGISTERED, USER_UPDATED)
from mooc_common.infra import spreadsheet_cells
from mooc_common.infra.actor_trust import rpc
from mooc_common.infra.boundary import load
from mooc_common.infra.events import reliable_consume
from mooc_common.infra.outbox import Outbox
from mooc_common.infra.service_base import PlatformService
from mooc_common.infra.store import Store, export_page, service_database, utcnow as now

from . import domain, imports, schemas, security
from .import_job import ImportRunner
from .sign_in_throttle import SignInThrottle
from .storage import AccountsStore

IMPORT_EXCHANGE = Exchange("accounts.imports", type="direct", durable=True)
IMPORT_QUEUE = Queue("accounts.imports", exchange=IMPORT_EXCHANGE, routing_key="run", durable=True)


class Config(DependencyProvider):
    def get_dependency(self, worker_ctx):
        return self.container.config


class OperatorBootstrap(DependencyProvider):
    """Creates (or resets the password of) the operator account named in the configuration.

    In ``setup``, not ``start``: nameko starts every extension at once, entrypoints included, so
    a sign-in could otherwise be served before the operator's password is hashed and saved (seen
    as a "wrong password" right after a platform starts). Every ``setup`` ends before any
    ``start``."""

    def setup(self):
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


def _unit_event(unit):
    return {"unit_id": unit["_id"], **{k: unit.get(k) for k in (
        "tenant_id", "code", "name", "parent_id", "path", "level", "status")}}


def _parent_in(tree, parent_id):
    """The unit ``parent_id`` of the held tree (None for none): ValidationFailed if not there."""
    if parent_id is None:
        return None
    parent = tree.units.get(parent_id)
    if parent is None:
        raise ValidationFailed("Unknown parent unit.", {"parent_id": ["no such unit in this tenant"]})
    return parent


def _job_view(job):
    return {k: job.get(k) for k in ("state", "dry_run", "rows_total", "rows_done", "result",
                                    "errors", "error_count", "tenant_id")} | {
        "job_id": job["_id"], "created_at": job["created_at"].isoformat(),
        "finished_at": job["finished_at"].isoformat() if job.get("finished_at") else None}


class AccountsService(PlatformService):
    name = "accounts"

    store = Store(AccountsStore)
    events = Outbox()  # every change announced goes through the outbox (_insert_announced, _update_staged)
    config = Config()
    bootstrap = OperatorBootstrap()
    dispatch_import = Publisher(exchange=IMPORT_EXCHANGE, declare=[IMPORT_QUEUE])
    # Activation codes for notifications: a private queue, never an event (contracts/mail_handover.py)
    hand_over_mails = Publisher(exchange=mail_handover.EXCHANGE, declare=[mail_handover.ACTIVATION_QUEUE])

    # --- lookups that enforce tenant visibility (another tenant's object: 404) ---------------

    def _tenant(self, tenant_id):
        tenant = self.store.get_tenant(tenant_id)
        if not tenant:
            raise NotFound("Tenant not found.")
        return tenant

    def _visible_tenant(self, actor, tenant_id, admin=True):
        roles.require_same_tenant(actor, tenant_id, "Tenant not found.")
        if admin:
            domain.require_tenant_admin_of(actor, tenant_id)
        return self._tenant(tenant_id)

    def _unit_for_admin(self, actor, unit_id):
        unit = self.store.get_unit(unit_id)
        if not unit or not roles.sees_tenant(actor, unit["tenant_id"]):
            raise NotFound("Unit not found.")
        domain.require_tenant_admin_of(actor, unit["tenant_id"])
        return unit

    def _user_for_admin(self, actor, user_id):
        user = self.store.get_user(user_id)
        if not user or not user.get("tenant_id") or not roles.sees_tenant(actor, user["tenant_id"]):
            raise NotFound("User not found.")
        domain.require_tenant_admin_of(actor, user["tenant_id"])
        return user

    # --- announcing a change: stage the event, write the change with its marker, publish ---

    def _insert_announced(self, collection, doc, event_type, payload, tenant_id, insert):
        """``insert(doc)``, announced by ``event_type``; returns what ``insert`` returns."""
        staged = self.events.stage(collection, [(doc["_id"], self.events.event(event_type, payload, tenant_id))])
        try:
            result = insert(staged.insert(doc))
        except Conflict:  # refused (a code or username taken): nothing was written
            self.events.discard(staged)
            raise
        self.events.send(staged)
        return result

    def _update_staged(self, collection, current, changes, event_type, to_payload, tenant_id, update):
        """``update(id, changes)`` with the outbox marker, announced by ``event_type`` carrying
        the document as the change leaves it; returns (updated document, staged entry) and
        the caller sends the entry (after leaving its lock)."""
        doc_id = current["_id"]
        event = self.events.event(event_type, to_payload(dict(current, **changes)), tenant_id)
        staged = self.events.stage(collection, [(doc_id, event)])
        return update(doc_id, dict(changes, **staged.update(doc_id))), staged

    def _update_announced(self, collection, current, changes, event_type, to_payload, tenant_id, update):
        doc, staged = self._update_staged(collection, current, changes, event_type, to_payload, tenant_id, update)
        self.events.send(staged)
        return doc

    # --- tenants (operator) ------------------------------------------------------------------

    @rpc
    def create_tenant(self, actor, data):
        domain.require_operator(actor)
        tenant_in = load(schemas.TenantCreateSchema(), data)
        overridden = tenant_in.pop("quota_override") and tenant_in["learner_quota"] > domain.MAX_LEARNER_QUOTA
        tenant_in["quota_override"] = {"by": actor["user_id"], "at": now()} if overridden else None
        doc = self.store.new_tenant(tenant_in)
        tenant = self._insert_announced(self.store.tenants, doc, TENANT_CREATED, _tenant_event(doc), doc["_id"],
                                        self.store.insert_tenant)
        return schemas.TenantSchema().dump(tenant)

    @rpc
    def list_tenants(self, actor, page=None):
        domain.require_operator(actor)
        page = load(schemas.PageSchema(), page)
        return [schemas.TenantSchema().dump(t)
                for t in self.store.list_tenants(page["offset"], page["limit"])]

    @rpc
    def get_tenant(self, actor, tenant_id):
        return schemas.TenantSchema().dump(self._visible_tenant(actor, tenant_id))

    @rpc
    def update_tenant(self, actor, tenant_id, data):
        roles.require_same_tenant(actor, tenant_id, "Tenant not found.")
        tenant = self._tenant(tenant_id)
        changes = load(schemas.TenantUpdateSchema(), data)
        domain.require_may_update_tenant(actor, tenant_id, [k for k in changes if k != "quota_override"])
        if changes.pop("quota_override") and changes.get("learner_quota", 0) > domain.MAX_LEARNER_QUOTA:
            changes["quota_override"] = {"by": actor["user_id"], "at": now()}
        if changes.get("learner_quota", tenant["learner_quota"]) < tenant["seats_used"]:
            raise ValidationFailed("The quota cannot be below the seats in use.", {
                "learner_quota": [f"{tenant['seats_used']} seats are in use"]})
        if not changes:
            return schemas.TenantSchema().dump(tenant)
        tenant, staged = self._update_staged(self.store.tenants, tenant, changes, TENANT_UPDATED, _tenant_event,
                                             tenant_id, self.store.update_tenant)
        self.events.send(staged)
        return schemas.TenantSchema().dump(tenant)

    def _set_tenant_status(self, actor, tenant_id, status, event_type):
        domain.require_operator(actor)
        tenant = self._tenant(tenant_id)
        if tenant["status"] == status:
            return schemas.TenantSchema().dump(tenant)
        tenant, staged = self._update_staged(
            self.store.tenants, tenant, {"status": status, "status_changed_at": now(), "status_changed_by": actor["user_id"]},
            event_type, _tenant_event, tenant_id, self.store.update_tenant)
        self.events.send(staged)
        return schemas.TenantSchema().dump(tenant)

    @rpc
    def suspend_tenant(self, actor, tenant_id):
        return self._set_tenant_status(actor, tenant_id, "suspended", TENANT_SUSPENDED)

    @rpc
    def reactivate_tenant(self, actor, tenant_id):
        return self._set_tenant_status(actor, tenant_id, "active", TENANT_REACTIVATED)

    @timer(interval=600)
    def sweep_expired(self):
        """Expired sign-in failures, sessions, revocations and activation codes go (what TTL
        indexes do on MongoDB; FerretDB has none)."""
        self.store.sweep(now())

    @rpc
    def revoked_access(self):
        """Users deactivated and sessions signed out in the lifetime of an access token:
        {"users": {id: ISO time}, "sessions": {family id: ISO time}}. The gateway caches it
        for two seconds and refuses access tokens issued before (see gateway/tenant_status.py)."""
        since = now() - dt.timedelta(seconds=tokens.ACCESS_TOKEN_TTL_SECONDS + 60)
        return self.store.revoked_access(since)

    @rpc
    def suspended_tenants(self):
        """Ids of suspended tenants: the gateway caches them for a few seconds and refuses
        every token of those tenants (it verifies JWTs locally, without an RPC per call)."""
        return self.store.suspended_tenant_ids()

    # --- annual training plans ---------------------------------------------------------------

    @rpc
    def submit_training_plan(self, actor, tenant_id, year, data):
        roles.require_same_tenant(actor, tenant_id, "Tenant not found.")
        roles.require_role(actor, (roles.TENANT_ADMIN,), "Only the tenant's administrator submits its training plan.")
        self._tenant(tenant_id)
        year = load(schemas.YearSchema(), {"year": year})["year"]
        plan_in = load(schemas.TrainingPlanInSchema(), data)
        plan = dict(plan_in, _id=f"{tenant_id}:{year}", tenant_id=tenant_id, year=year,
                    submitted_by=actor["user_id"], submitted_at=now())
        plan = self._insert_announced(self.store.training_plans, plan, TRAINING_PLAN_SUBMITTED, plan, tenant_id,
                                      self.store.save_training_plan)
        return schemas.TrainingPlanSchema().dump(plan)

    @rpc
    def get_training_plan(self, actor, tenant_id, year):
        self._visible_tenant(actor, tenant_id)
        year = load(schemas.YearSchema(), {"year": year})["year"]
        plan = self.store.get_training_plan(tenant_id, year)
        if not plan:
            raise NotFound(f"No training plan was submitted for {year}.")
        return schemas.TrainingPlanSchema().dump(plan)

    # --- organisational units ----------------------------------------------------------------

    @rpc
    def create_unit(self, actor, tenant_id, data):
        self._visible_tenant(actor, tenant_id)
        unit_in = load(schemas.UnitCreateSchema(), data)
        with self.store.unit_tree(tenant_id) as tree:  # the parent's path stays where it is meanwhile
            parent = _parent_in(tree, unit_in["parent_id"])
            unit_id = uuid.uuid4().hex
            unit = dict(unit_in, _id=unit_id, tenant_id=tenant_id, status="active",
                        path=domain.unit_path(parent, unit_id), created_at=now())
            unit = self._insert_announced(self.store.units, unit, UNIT_CREATED, _unit_event(unit), tenant_id,
                                          tree.insert)
        return schemas.UnitSchema().dump(unit)

    @rpc
    def list_units(self, actor, tenant_id):
        self._visible_tenant(actor, tenant_id)
        units = sorted(self.store.tenant_units(tenant_id), key=lambda u: (len(u["path"]), u["code"]))
        return schemas.UnitSchema(many=True).dump(units)

    @rpc
    def rename_unit(self, actor, unit_id, data):
        unit = self._unit_for_admin(actor, unit_id)
        name = load(schemas.UnitRenameSchema(), data)["name"]
        with self.store.unit_tree(unit["tenant_id"]) as tree:
            unit, staged = self._update_staged(self.store.units, tree.units[unit_id], {"name": name}, UNIT_UPDATED,
                                               _unit_event, unit["tenant_id"], tree.update)
        self.events.send(staged)
        return schemas.UnitSchema().dump(unit)

    @rpc
    def move_unit(self, actor, unit_id, data):
        """Re-parent a unit; it and every unit below it get a new path (and an event)."""
        unit = self._unit_for_admin(actor, unit_id)
        tenant_id = unit["tenant_id"]
        parent_id = load(schemas.UnitMoveSchema(), data)["parent_id"]
        with self.store.unit_tree(tenant_id) as tree:  # no other change of the tree between reading and rewriting it
            units = tree.units
            parent = _parent_in(tree, parent_id)
            domain.check_move(units[unit_id], parent)
            new_paths = domain.repath_subtree(units.values(), unit_id, domain.unit_path(parent, unit_id))
            changes = {moved_id: {"path": path} | ({"parent_id": parent_id} if moved_id == unit_id else {})
                       for moved_id, path in new_paths.items()}
            staged = self.events.stage(self.store.units, [  # one entry for the subtree: one event per unit
                (moved_id, self.events.event(UNIT_UPDATED, _unit_event(dict(units[moved_id], **change)), tenant_id))
                for moved_id, change in changes.items()])
            changed = [tree.update(moved_id, dict(change, **staged.update(moved_id)))
                       for moved_id, change in changes.items()]
        self.events.send(staged)
        return schemas.UnitSchema().dump(next(u for u in changed if u["_id"] == unit_id))

    @rpc
    def deactivate_unit(self, actor, unit_id):
        unit = self._unit_for_admin(actor, unit_id)
        if unit["status"] != "inactive":
            with self.store.unit_tree(unit["tenant_id"]) as tree:
                unit, staged = self._update_staged(self.store.units, tree.units[unit_id], {"status": "inactive"},
                                                   UNIT_UPDATED, _unit_event, unit["tenant_id"], tree.update)
            self.events.send(staged)
        return schemas.UnitSchema().dump(unit)

    def _active_unit_id(self, tenant_id, unit_id):
        if unit_id is None:
            return None
        unit = self.store.get_unit(unit_id)
        if not unit or unit["tenant_id"] != tenant_id or unit["status"] != "active":
            raise ValidationFailed("Unknown unit.", {"unit_id": ["no active unit with this id in the tenant"]})
        return unit_id

    # --- users -------------------------------------------------------------------------------

    @rpc
    def create_user(self, actor, tenant_id, data):
        self._visible_tenant(actor, tenant_id)
        user_in = load(schemas.UserCreateSchema(), data)
        self._active_unit_id(tenant_id, user_in["unit_id"])
        password = user_in.pop("password")
        user_in.update(tenant_id=tenant_id,
                       password_hash=security.hash_password(password) if password else None)
        if not password:
            user_in["status"] = "pending_activation"
        user_in.update(_id=uuid.uuid4().hex, status=user_in.get("status", "active"))

        def insert(doc):
            return self._insert_announced(self.store.users, doc, USER_REGISTERED, _user_event(doc), tenant_id,
                                          self.store.insert_user)
        if domain.holds_seat(user_in):
            self._take_seat(tenant_id)
            try:
                user = insert(user_in)
            except Exception:
                self.store.release_seats(tenant_id, 1)
                raise
        else:
            user = insert(user_in)
        return schemas.UserSchema().dump(user)

    def _take_seat(self, tenant_id):
        """Take one seat or refuse with how many remain."""
        if not self.store.take_seats(tenant_id, 1):
            current = self._tenant(tenant_id)
            domain.ensure_seats(current["learner_quota"], current["seats_used"], 1)
            raise Conflict("The tenant's quota kept changing; try again.")

    @rpc
    def list_users(self, actor, tenant_id, page=None, filters=None):
        self._visible_tenant(actor, tenant_id)
        page = load(schemas.PageSchema(), page)
        filters = load(schemas.UserFilterSchema(), filters)
        return schemas.UserSchema(many=True).dump(
            self.store.list_users(tenant_id, page["offset"], page["limit"], filters))

    @rpc
    def get_user(self, actor, user_id):
        user = self.store.get_user(user_id)
        if not user or not (domain.may_read_user(actor, user) or roles.sees_tenant(actor, user.get("tenant_id"))):
            raise NotFound("User not found.")
        if not domain.may_read_user(actor, user):
            raise PermissionDenied("Only the user and the tenant's administrators may see this.")
        return schemas.UserSchema().dump(user)

    @rpc
    def update_user(self, actor, user_id, data):
        user = self._user_for_admin(actor, user_id)
        changes = load(schemas.UserUpdateSchema(), data)
        if "unit_id" in changes:
            self._active_unit_id(user["tenant_id"], changes["unit_id"])
        if not changes:
            return schemas.UserSchema().dump(user)
        user = self._update_announced(self.store.users, user, changes, USER_UPDATED, _user_event, user["tenant_id"],
                                      self.store.update_user)
        return schemas.UserSchema().dump(user)

    @rpc
    def deactivate_user(self, actor, user_id):
        """A deactivated learner frees its seat (it counts again when reactivated)."""
        user = self._user_for_admin(actor, user_id)
        if user["status"] == "inactive":
            return schemas.UserSchema().dump(user)
        was_holding = domain.holds_seat(user)
        user, staged = self._update_staged(self.store.users, user, {"status": "inactive", "status_before": user["status"]},
                                           USER_UPDATED, _user_event, user["tenant_id"], self.store.update_user)
        self.store.revoke_access("users", user_id, now())
        if was_holding:
            self.store.release_seats(user["tenant_id"], 1)
        self.events.send(staged)
        return schemas.UserSchema().dump(user)

    @rpc
    def reactivate_user(self, actor, user_id):
        user = self._user_for_admin(actor, user_id)
        if user["status"] != "inactive":
            return schemas.UserSchema().dump(user)
        status = user.get("status_before") or "active"
        if domain.holds_seat(dict(user, status=status)):
            self._take_seat(user["tenant_id"])
        user, staged = self._update_staged(self.store.users, user, {"status": status}, USER_UPDATED, _user_event,
                                           user["tenant_id"], self.store.update_user)
        self.store.clear_access_revocation("users", user_id)  # active again: tokens work again
        self.events.send(staged)
        return schemas.UserSchema().dump(user)

    # --- sign-in -----------------------------------------------------------------------------

    @rpc
    def sign_in(self, credentials, client=None):
        """``client``: the caller's address as the gateway established it (trusted proxies
        only); callers without one share one bucket."""
        creds = load(schemas.CredentialsSchema(), credentials)
        username, at, client = creds["username"].strip().lower(), now(), str(client or "unknown")[:64]
        throttle = SignInThrottle(self.store)
        attempt_id, retry_after = throttle.attempt(username, client, at)  # counted as failed until it succeeds
        if retry_after:
            throttle.refused(attempt_id)
            raise RateLimited(f"Too many failed sign-ins; try again in {retry_after} s.",
                              {"retry_after": retry_after})
        user = self.store.find_user_by_username(username)
        # verified even for an unknown user (a dummy hash): both answers take the same time
        if not security.verify_password(user and user.get("password_hash"), creds["password"]):
            raise AuthenticationFailed("Wrong username or password.")
        self._check_may_sign_in(user)
        throttle.succeeded(attempt_id, username, client, at)
        refresh, doc = security.new_refresh_token(user["_id"])
        self.store.insert_refresh_token(doc)
        return self._tokens(user, refresh, doc["family_id"])

    def _check_may_sign_in(self, user):
        if user.get("status") != "active":
            raise AuthenticationFailed("This account is not active.")
        if user.get("tenant_id"):
            tenant = self.store.get_tenant(user["tenant_id"])
            if not tenant or tenant["status"] != "active":
                raise TenantSuspended("Your organisation's access to the platform is suspended.")

    def _tokens(self, user, refresh_token, family_id):
        access = security.issue_access_token(security.access_token_signer(self.config), user["_id"],
                                             user.get("tenant_id"), user["role"], session_id=family_id)
        return {"access_token": access, "token_type": "Bearer",
                "expires_in": tokens.ACCESS_TOKEN_TTL_SECONDS, "refresh_token": refresh_token}

    def _refresh_doc(self, token):
        token_id, secret = security.split_refresh_token(load(schemas.RefreshSchema(), token)["refresh_token"])
        doc = self.store.get_refresh_token(token_id)
        if not doc or not security.refresh_secret_matches(doc, secret):
            raise AuthenticationFailed("The refresh token is invalid.")
        return doc

    @rpc
    def refresh(self, token):
        """Rotate: the presented token is spent and a new one of the same family issued. A spent
        token presented again means it leaked: the whole family is revoked."""
        doc = self._refresh_doc(token)
        if doc["expires_at"] < now() or self.store.family_revoked(doc["family_id"]):
            raise AuthenticationFailed("The refresh token has expired or was revoked.")
        if not self.store.mark_rotated(doc["_id"]):
            self.store.revoke_family(doc["family_id"], "reuse")
            raise AuthenticationFailed("The refresh token was already used; sign in again.")
        user = self.store.get_user(doc["user_id"])
        if not user:
            raise AuthenticationFailed("The account no longer exists.")
        self._check_may_sign_in(user)
        refresh, new_doc = security.new_refresh_token(user["_id"], doc["family_id"])
        self.store.insert_refresh_token(new_doc)
        return self._tokens(user, refresh, doc["family_id"])

    @rpc
    def sign_out(self, token):
        doc = self._refresh_doc(token)
        self.store.revoke_family(doc["family_id"], "sign_out")
        return {"signed_out": True}

    @rpc
    def activate(self, data):
        """A learner created without a password (bulk import) sets one with its one-time code."""
        data = load(schemas.ActivationSchema(), data)
        code_hash = security.token_hash(data["code"].strip().upper())
        code = self.store.get_activation_code(code_hash)
        if not code or code["expires_at"] < now():
            raise AuthenticationFailed("The activation code is invalid or has expired.")
        user = self.store.get_user(code["user_id"])
        if not user or user["status"] != "pending_activation":
            raise AuthenticationFailed("The activation code is invalid or has expired.")
        domain.check_password(data["password"], user["username"])
        if not self.store.use_activation_code(code_hash):
            raise AuthenticationFailed("The activation code was already used.")
        # The activation and its two announcements in one write of the user (outbox marker).
        changes = {"password_hash": security.hash_password(data["password"]), "status": "active"}
        staged = self.events.stage(self.store.users, [
            (user["_id"], self.events.event(USER_UPDATED, _user_event(dict(user, **changes)), user["tenant_id"])),
            (user["_id"], self.events.event(PASSWORD_CHANGED, {"user_id": user["_id"], "reason": "activation",
                                                               "changed_at": now()}, user["tenant_id"]))])
        user = self.store.update_user(user["_id"], dict(changes, **staged.update(user["_id"])))
        self.events.send(staged)
        return {"activated": True, "username": user["username"]}

    # --- bulk import -------------------------------------------------------------------------

    @rpc
    def import_template(self):
        return {"columns": list(imports.COLUMNS), "required": list(imports.REQUIRED_COLUMNS),
                "csv": imports.template_csv()}

    @rpc
    def start_import(self, actor, tenant_id, content_b64, dry_run=False):
        """Stores the job and queues the file; the import runs in the background."""
        self._visible_tenant(actor, tenant_id)
        job_id = uuid.uuid4().hex
        self.store.insert_job({"_id": job_id, "tenant_id": tenant_id, "created_by": actor["user_id"],
                               "dry_run": bool(dry_run), "state": "queued", "rows_total": None,
                               "rows_done": 0, "result": None, "errors": [], "error_count": 0,
                               "code_nonce": secrets.token_hex(16),
                               "codes_expire_at": now() + security.ACTIVATION_CODE_TTL,
                               "created_at": now()})
        # The broker confirms the persistent message before we answer: the job cannot be lost.
        self.dispatch_import({"job_id": job_id, "content": content_b64}, routing_key="run")
        return _job_view(self.store.get_job(job_id))

    @reliable_consume(IMPORT_QUEUE)
    def run_import(self, message):
        hand_over = functools.partial(self.hand_over_mails, routing_key=mail_handover.ACTIVATION_ROUTING_KEY)
        ImportRunner(self.store, self.events, self.config["JWT_SECRET"], hand_over).run(
            message["job_id"], base64.b64decode(message["content"]))

    def _job_for_admin(self, actor, job_id):
        job = self.store.get_job(job_id)
        if not job or not roles.sees_tenant(actor, job["tenant_id"]):
            raise NotFound("Import job not found.")
        domain.require_tenant_admin_of(actor, job["tenant_id"])
        return job

    @rpc
    def get_import(self, actor, job_id):
        return _job_view(self._job_for_admin(actor, job_id))

    @rpc
    def import_activation_codes(self, actor, job_id):
        """The activation codes of the job's learners, as CSV, once (only their hashes are
        stored; see security.activation_code)."""
        job = self._job_for_admin(actor, job_id)
        if job["dry_run"] or job["state"] != "done":
            raise Conflict("Activation codes exist only for a finished import.")
        if not self.store.claim_codes_download(job_id):
            raise Conflict("The activation codes of this import were already downloaded.")
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\r\n")
        writer.writerow(("username", "full_name", "activation_code", "expires_at"))
        expires = job["codes_expire_at"].date().isoformat()
        for user in self.store.import_users(job_id, job["result"]["batches"]):
            code = security.activation_code(self.config["JWT_SECRET"], job["code_nonce"], user["_id"])
            writer.writerow(spreadsheet_cells.csv_row((user["username"], user["full_name"], code, expires)))
        return "\ufeff" + out.getvalue()

    @rpc
    def resolve_usernames(self, actor, tenant_id, usernames):
        """{username: user id or None} for users of ``tenant_id`` (bulk CSV assignment in courses)."""
        domain.require_tenant_admin_of(actor, tenant_id)
        found = {}
        for username in dict.fromkeys(usernames):
            user = self.store.find_user_by_username(username)
            found[username] = user["_id"] if user and user.get("tenant_id") == tenant_id else None
        return found

    @rpc
    def learner_names(self, actor, tenant_id, user_ids=None, q=None):
        """{user id: {username, full_name}} of learners of ``tenant_id``: those of ``user_ids``
        (at most 500; others' ids are left out), or those whose username starts with / whose
        full name contains ``q`` (accent-insensitive; more than MAX_NAME_MATCHES is a 422). For
        the courses service's enrollments list, on behalf of the course's staff: names are
        personal data and never ride on events. The operator may name no tenant (a national
        course's learners of every tenant), by ids only."""
        roles.require_role(actor, roles.STAFF, "Only a tenant's staff may look up its learners.")
        roles.require_same_tenant(actor, tenant_id, "Tenant not found.")  # no tenant: the operator only
        if q is None:
            ids = list(dict.fromkeys(user_ids or []))[:500]
            users = self.store.get_users(ids).values()
        else:
            if tenant_id is None:
                raise ValidationFailed("Name a tenant to search its learners.", {"tenant_id": ["required"]})
            filters = load(schemas.UserFilterSchema(), {"q": q, "role": "learner"})
            users = self.store.list_users(tenant_id, 0, domain.MAX_NAME_MATCHES + 1, filters)
            if len(users) > domain.MAX_NAME_MATCHES:
                raise ValidationFailed(f"More than {domain.MAX_NAME_MATCHES} learners match: type more of the name.",
                                       {"q": ["too many matches"]})
        return {u["_id"]: {"username": u.get("username"), "full_name": u.get("full_name")} for u in users
                if u.get("role") == "learner" and tenant_id in (None, u.get("tenant_id"))}

    # ---- for the notifications service (internal RPCs: personal data never rides on events)
    @rpc
    def mail_contacts(self, user_ids):
        """{user id: e-mail, name, username, locale, tenant, role, status} of at most 500 users
        (unknown ids are left out): the mailer asks just before sending. Activation codes are
        not here: the import hands them over itself (contracts/mail_handover.py)."""
        users = self.store.get_users(list(dict.fromkeys(user_ids))[:500])
        return {user_id: {k: user.get(k) for k in ("email", "full_name", "username", "tenant_id", "role", "status")}
                | {"locale": user.get("locale") or "vi"} for user_id, user in users.items()}

    @rpc
    def tenant_mail_contacts(self):
        """Every tenant with its focal contact (year-end reminders). The tenants' admins are
        known to notifications by id (from the user events) and mailed like any user."""
        return [{"tenant_id": t["_id"], "name": t["name"], "code": t["code"], "status": t["status"],
                 "focal_contact": {k: (t.get("focal_contact") or {}).get(k) for k in ("full_name", "email")}}
                for t in self.store.all_tenants()]

    # ---- read-only exports for rebuilding the reports read models (services/reports/rebuild.py)
    @rpc
    def export_tenants(self, after=None, limit=500):
        return [_tenant_event(t) for t in export_page(self.store.tenants, after, limit)]

    @rpc
    def export_users(self, tenant_id, after=None, limit=500):
        return [_user_event(u) for u in export_page(self.store.users, after, limit, tenant_id=tenant_id)]
