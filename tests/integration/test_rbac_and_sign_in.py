"""Role-based access per role, audited refusals, and sign-in with lockout."""

from __future__ import annotations

import pytest

from novamind_core.domain.errors import AuthenticationError, PermissionDenied
from tests.conftest import TEST_PASSWORD, register_patient


def test_clinician_cannot_open_an_unassigned_patient(services, clinician, other_clinician, patient, admin):
    with pytest.raises(PermissionDenied, match="care team"):
        services.patients.get(other_clinician, patient.id)
    denied = services.audit.query(admin, outcome="denied")
    assert denied and denied[0].user_id == other_clinician.id and denied[0].patient_id == patient.id


def test_clinician_caseload_shows_only_their_care_team(services, clinician, other_clinician):
    register_patient(services, clinician, mrn="NM-000001")
    register_patient(services, other_clinician, mrn="NM-000002")
    assert services.patients.caseload(clinician).total == 1
    assert services.patients.caseload(other_clinician).total == 1


def test_analyst_sees_no_phi(services, analyst, patient):
    with pytest.raises(PermissionDenied, match="analyst"):
        services.patients.caseload(analyst)
    with pytest.raises(PermissionDenied):
        services.patients.get(analyst, patient.id)
    with pytest.raises(PermissionDenied):
        services.assessments.history(analyst, patient.id)


def test_admin_reads_audit_but_no_chart_unless_on_the_care_team(services, admin, clinician, patient):
    assert services.audit.query(admin)
    with pytest.raises(PermissionDenied):
        services.patients.get(admin, patient.id)
    services.users.set_care_team(admin, patient.id, [clinician.id, admin.id])
    assert services.patients.get(admin, patient.id).id == patient.id


def test_clinician_cannot_read_the_audit_log_or_manage_users(services, clinician):
    with pytest.raises(PermissionDenied):
        services.audit.query(clinician)
    with pytest.raises(PermissionDenied):
        services.users.create(clinician, "new.user", "New", "clinician", TEST_PASSWORD)


def test_a_deactivated_user_is_refused_on_the_next_call(services, admin, clinician, patient):
    services.users.deactivate(admin, clinician.id)
    with pytest.raises(PermissionDenied, match="deactivated"):
        services.patients.get(clinician, patient.id)
    with pytest.raises(AuthenticationError, match="wrong username or password"):  # one answer for every refusal
        services.users.authenticate("dr.one", TEST_PASSWORD)


def test_five_failed_sign_ins_start_a_back_off_that_ends(services, clinician, clock, admin):
    for _ in range(5):
        with pytest.raises(AuthenticationError, match="wrong username or password"):
            services.users.authenticate("dr.one", "wrong-password-123")
    with pytest.raises(AuthenticationError, match="wrong username or password"):
        services.users.authenticate("dr.one", TEST_PASSWORD)  # even the right password, while backing off
    clock.advance(seconds=31)
    assert services.users.authenticate("dr.one", TEST_PASSWORD).id == clinician.id
    actions = [e.action for e in services.audit.query(admin, user_id=clinician.id)]
    assert actions.count("auth.sign_in_failed") == 6 and "auth.locked" in actions and "auth.sign_in" in actions


def test_unknown_username_fails_like_a_wrong_password_and_is_audited(services, admin):
    with pytest.raises(AuthenticationError, match="wrong username or password"):
        services.users.authenticate("nobody", "whatever-password")
    assert services.audit.query(admin, action="auth.sign_in_failed")[0].username == "nobody"


def test_login_credentials_list_only_active_users_with_hashes(services, clinician, admin):
    creds = {c.username: c for c in services.users.login_credentials()}
    assert creds["dr.one"].password_hash.startswith("$2") and creds["dr.one"].role == "clinician"
    services.users.deactivate(admin, clinician.id)
    assert "dr.one" not in {c.username for c in services.users.login_credentials()}
