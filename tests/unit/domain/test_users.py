"""Roles, the permission table and the current-user dataclass."""

from __future__ import annotations

import dataclasses

import pytest

from novamind_core.domain.errors import ValidationError
from novamind_core.domain.users import ROLE_PERMISSIONS, Permission, Role, User, has_permission


def test_every_role_has_an_entry_in_the_permission_table():
    assert set(ROLE_PERMISSIONS) == set(Role)


def test_analysts_hold_no_permission_on_identifiable_data():
    analyst = ROLE_PERMISSIONS[Role.ANALYST]
    assert Permission.READ_PHI not in analyst
    assert Permission.WRITE_PHI not in analyst
    assert Permission.EXPORT_PHI not in analyst
    assert Permission.READ_DEIDENTIFIED in analyst
    assert Permission.EXPORT_DEIDENTIFIED in analyst


def test_only_admins_manage_users_keys_and_read_the_audit_log():
    for permission in (Permission.MANAGE_USERS, Permission.MANAGE_KEYS, Permission.READ_AUDIT):
        assert [role for role in Role if has_permission(role, permission)] == [Role.ADMIN]


def test_clinicians_read_and_write_phi_and_run_simulations():
    clinician = ROLE_PERMISSIONS[Role.CLINICIAN]
    assert {Permission.READ_PHI, Permission.WRITE_PHI, Permission.RUN_SIMULATION} <= clinician
    assert Permission.MANAGE_USERS not in clinician


def test_role_values_are_the_stored_names():
    assert [r.value for r in Role] == ["clinician", "analyst", "admin", "clinic_lead"]


def test_a_clinic_lead_holds_what_a_clinician_holds_plus_clinic_outcomes_and_billing():
    lead = ROLE_PERMISSIONS[Role.CLINIC_LEAD]
    assert ROLE_PERMISSIONS[Role.CLINICIAN] <= lead
    assert lead - ROLE_PERMISSIONS[Role.CLINICIAN] == {Permission.READ_CLINIC_OUTCOMES, Permission.EXPORT_BILLING}
    assert Permission.MANAGE_USERS not in lead and Permission.READ_AUDIT not in lead


def test_only_clinic_leads_and_admins_see_clinic_outcomes_and_export_billing():
    for permission in (Permission.READ_CLINIC_OUTCOMES, Permission.EXPORT_BILLING):
        assert [role for role in Role if has_permission(role, permission)] == [Role.ADMIN, Role.CLINIC_LEAD]


@pytest.mark.parametrize("text", ["clinician", "Clinician", " CLINICIAN "])
def test_role_parse_accepts_any_case(text):
    assert Role.parse(text) is Role.CLINICIAN


def test_role_parse_refuses_an_unknown_role_and_lists_the_allowed_ones():
    with pytest.raises(ValidationError, match="clinician, analyst, admin"):
        Role.parse("superuser")


def test_user_is_frozen_and_coerces_its_role():
    user = User(id=1, username="dr.x", display_name="Dr X", role="clinician")  # type: ignore[arg-type]
    assert user.role is Role.CLINICIAN
    with pytest.raises(dataclasses.FrozenInstanceError):
        user.role = Role.ADMIN  # type: ignore[misc]


def test_a_deactivated_user_holds_no_permissions():
    user = User(id=2, username="a", display_name="A", role=Role.ADMIN, active=False)
    assert user.permissions == frozenset()
    assert not user.can(Permission.READ_AUDIT)
    assert User(id=2, username="a", display_name="A", role=Role.ADMIN).can(Permission.READ_AUDIT)
