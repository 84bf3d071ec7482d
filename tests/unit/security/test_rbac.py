"""Role checks: clinicians see their care team only; analysts never see PHI; admins need a care-team place."""

from __future__ import annotations

import pytest

from novamind_core.domain.errors import PermissionDenied
from novamind_core.domain.users import Permission, Role, User
from novamind_core.security.rbac import can, require, require_care_team

CLINICIAN = User(id=1, username="dr.one", display_name="Dr One", role=Role.CLINICIAN)
OTHER_CLINICIAN = User(id=2, username="dr.two", display_name="Dr Two", role=Role.CLINICIAN)
ANALYST = User(id=3, username="ana", display_name="Ana", role=Role.ANALYST)
ADMIN = User(id=4, username="root", display_name="Admin", role=Role.ADMIN)
CARE_TEAM = (1, 4)


def test_clinician_can_open_a_patient_on_their_care_team():
    require_care_team(CLINICIAN, (1,))
    require_care_team(CLINICIAN, (1,), Permission.WRITE_PHI)


def test_clinician_cannot_open_an_unassigned_patient():
    with pytest.raises(PermissionDenied, match="role 'clinician'.*care team"):
        require_care_team(OTHER_CLINICIAN, (1,))


def test_analyst_cannot_read_phi_even_when_listed_on_a_care_team():
    with pytest.raises(PermissionDenied, match="role 'analyst' may not read identifiable patient data"):
        require_care_team(ANALYST, (3,))


def test_admin_does_not_browse_phi_unless_on_the_care_team():
    with pytest.raises(PermissionDenied):
        require_care_team(ADMIN, (1,))
    require_care_team(ADMIN, CARE_TEAM)


def test_admin_manages_users_and_reads_the_audit_log():
    require(ADMIN, Permission.MANAGE_USERS)
    require(ADMIN, Permission.READ_AUDIT)


@pytest.mark.parametrize("user", [CLINICIAN, ANALYST])
def test_non_admins_cannot_manage_users_or_read_the_audit_log(user):
    for permission in (Permission.MANAGE_USERS, Permission.READ_AUDIT, Permission.MANAGE_KEYS):
        with pytest.raises(PermissionDenied, match=f"role '{user.role.value}' may not"):
            require(user, permission)


def test_analyst_may_read_and_export_deidentified_data():
    require(ANALYST, Permission.READ_DEIDENTIFIED)
    require(ANALYST, Permission.EXPORT_DEIDENTIFIED)
    assert not can(ANALYST, Permission.EXPORT_PHI)


def test_a_deactivated_user_is_refused_everything():
    inactive = User(id=1, username="dr.one", display_name="Dr One", role=Role.CLINICIAN, active=False)
    with pytest.raises(PermissionDenied, match="deactivated"):
        require_care_team(inactive, (1,))
    assert not can(inactive, Permission.READ_DEIDENTIFIED)


def test_no_signed_in_user_is_refused():
    with pytest.raises(PermissionDenied, match="sign in"):
        require(None, Permission.READ_DEIDENTIFIED)
