"""The platform's roles, and the one way every service and the gateway asks "may this actor do this".

An actor is ``{user_id, tenant_id, role}`` (``tokens.actor_of``; the operator has no tenant).
Every check answers with a contract error, so a refusal looks the same from any service:

- ``NotFound`` (404) first, when the object belongs to another tenant: its existence is not
  revealed (``require_same_tenant``, or a service's own visibility rule raising ``NotFound``);
- then ``PermissionDenied`` (403) when the object is visible but the role may not act on it
  (``require_role``).

Services write their rules as pure ``domain.require_*`` functions built on these helpers; the
gateway checks the roles a route declares in its ``@operation`` with the same ``require_role``.
"""
from .errors import NotFound, PermissionDenied

OPERATOR_ADMIN = "operator_admin"  # the platform's operator: every tenant
TENANT_ADMIN = "tenant_admin"
INSTRUCTOR = "instructor"
LEARNER = "learner"
REPORT_VIEWER = "report_viewer"
# The order the API documents them in (accounts.schemas, the OpenAPI document).
ROLES = (OPERATOR_ADMIN, TENANT_ADMIN, INSTRUCTOR, LEARNER, REPORT_VIEWER)

# The groups routes and rules are written with.
ADMINS = (OPERATOR_ADMIN, TENANT_ADMIN)
TENANT_AUTHORS = (TENANT_ADMIN, INSTRUCTOR)  # a tenant's course authors (the operator authors national ones)
STAFF = (TENANT_ADMIN, INSTRUCTOR, OPERATOR_ADMIN)  # authors, and who follows learners' progress
REPORT_READERS = (OPERATOR_ADMIN, TENANT_ADMIN, REPORT_VIEWER)
ENROLLERS = (LEARNER,) + ADMINS  # learners enroll themselves, admins their tenant's learners

DENIED = "Your role does not allow this action."


def role_of(actor):
    return (actor or {}).get("role")


def is_operator(actor):
    return role_of(actor) == OPERATOR_ADMIN


def sees_tenant(actor, tenant_id):
    """The operator sees every tenant; anyone else only their own."""
    return is_operator(actor) or (actor or {}).get("tenant_id") == tenant_id


def require_role(actor, roles, message=DENIED):
    """PermissionDenied unless the actor has one of ``roles``."""
    if role_of(actor) not in roles:
        raise PermissionDenied(message)


def require_same_tenant(actor, tenant_id, message="Not found."):
    """NotFound for an object of another tenant (as if it did not exist); the operator passes."""
    if not sees_tenant(actor, tenant_id):
        raise NotFound(message)
