"""Errors that cross service boundaries, with stable codes.

Services raise these; nameko serialises them over RPC and, because they are registered with
``deserialize_to_instance``, the caller gets the same class back (not a generic RemoteError).
The gateway maps ``code`` to an HTTP status. Codes are part of the public API: never rename.
"""
from nameko.exceptions import deserialize_to_instance


class ServiceError(Exception):
    code = "internal_error"

    def __init__(self, message, errors=None):
        super().__init__(message, errors or {})
        self.message = message
        self.errors = errors or {}

    def to_dict(self):
        return {"code": self.code, "message": self.message, "errors": self.errors}


@deserialize_to_instance
class ValidationFailed(ServiceError):
    """Input broke a schema or a domain rule; ``errors`` says which field and why."""
    code = "validation_failed"


@deserialize_to_instance
class NotFound(ServiceError):
    """The object does not exist, or the caller may not know that it exists."""
    code = "not_found"


@deserialize_to_instance
class Conflict(ServiceError):
    """The request clashes with the current state (duplicate code, wrong lifecycle state)."""
    code = "conflict"


@deserialize_to_instance
class PermissionDenied(ServiceError):
    """The caller is known but its role does not allow the action."""
    code = "permission_denied"


@deserialize_to_instance
class AuthenticationFailed(ServiceError):
    """Credentials or token are missing, wrong, expired or revoked."""
    code = "authentication_failed"


@deserialize_to_instance
class TenantSuspended(ServiceError):
    """The caller's tenant is suspended: nothing is deleted, but nothing can be done."""
    code = "tenant_suspended"


@deserialize_to_instance
class QuotaExceeded(ServiceError):
    """A tenant quota (learner seats, storage) would be exceeded."""
    code = "quota_exceeded"


@deserialize_to_instance
class RateLimited(ServiceError):
    """Too many attempts; ``errors['retry_after']`` holds the seconds to wait."""
    code = "rate_limited"


ALL_ERRORS = (ValidationFailed, NotFound, Conflict, PermissionDenied, AuthenticationFailed,
              TenantSuspended, QuotaExceeded, RateLimited)
