"""The shared authorization checks: another tenant's object is NotFound (checked first), a
role that may not act PermissionDenied; the operator sees every tenant."""
import pytest

from mooc_common.contracts import roles
from mooc_common.contracts.errors import NotFound, PermissionDenied

OPERATOR = {"user_id": "o", "tenant_id": None, "role": roles.OPERATOR_ADMIN}
ADMIN_T1 = {"user_id": "a", "tenant_id": "t1", "role": roles.TENANT_ADMIN}
LEARNER_T1 = {"user_id": "l", "tenant_id": "t1", "role": roles.LEARNER}


def test_the_operator_sees_every_tenant_and_others_only_their_own():
    assert roles.sees_tenant(OPERATOR, "t2") and roles.sees_tenant(ADMIN_T1, "t1")
    assert not roles.sees_tenant(ADMIN_T1, "t2") and not roles.sees_tenant(None, "t1")
    roles.require_same_tenant(OPERATOR, "t2")
    with pytest.raises(NotFound, match="Course not found."):
        roles.require_same_tenant(LEARNER_T1, "t2", "Course not found.")


def test_a_role_outside_the_allowed_ones_is_refused_with_the_message_given():
    roles.require_role(ADMIN_T1, roles.ADMINS)
    with pytest.raises(PermissionDenied, match="Only administrators"):
        roles.require_role(LEARNER_T1, roles.ADMINS, "Only administrators assign learners.")
    with pytest.raises(PermissionDenied):
        roles.require_role(None, roles.ROLES)


def test_the_groups_are_made_of_declared_roles():
    for group in (roles.ADMINS, roles.TENANT_AUTHORS, roles.STAFF, roles.REPORT_READERS):
        assert set(group) <= set(roles.ROLES)
